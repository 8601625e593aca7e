/**
 * Small pure helpers on JSON values: globs, dotted paths, leaves, deep equality, value specs.
 *
 * Path semantics (shared by the comparer, the rules and the pack):
 * - a path is dotted (`tracingConfig.mode`); array elements are addressed by index (`rules.0.id`);
 * - a string holding a JSON object (IAM policies, SQS redrive policies) is descended into like an object
 *   (`redrivePolicy.maxReceiveCount`);
 * - `*` as a segment matches any one key or index; `$keys` yields the sorted key list of the object it follows.
 */

export type Segments = readonly string[];

const globCache = new Map<string, RegExp>();

/** `*` matches any run of characters (resource ids, type tokens); everything else is literal. */
export function globMatch(pattern: string, value: string): boolean {
  if (pattern === "*" || pattern === value) return true;
  if (!pattern.includes("*")) return false;
  let re = globCache.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.split("*").map(escapeRegExp).join(".*")}$`, "s");
    globCache.set(pattern, re);
  }
  return re.test(value);
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function splitPath(path: string): string[] {
  return path === "" ? [] : path.split(".");
}

export function joinPath(segs: Segments): string {
  return segs.join(".");
}

/** True if `pattern` (with `*` segments) matches the leading segments of `segs` (a rule on `tags` covers `tags.Team`). */
export function matchesPrefix(pattern: Segments, segs: Segments): boolean {
  if (pattern.length > segs.length) return false;
  return pattern.every((p, i) => p === "*" || p === segs[i]);
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A string that holds a JSON object, parsed; else undefined. */
export function parseJsonObjectString(v: unknown): Record<string, unknown> | undefined {
  if (typeof v !== "string" || !v.trimStart().startsWith("{")) return undefined;
  if (jsonCache.has(v)) return jsonCache.get(v);
  let result: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(v);
    result = isPlainObject(parsed) ? parsed : undefined;
  } catch {
    result = undefined;
  }
  if (jsonCache.size > 5000) jsonCache.clear();
  jsonCache.set(v, result);
  return result;
}
/** Parsed JSON-object strings (policies are descended into once per comparison, not once per leaf). */
const jsonCache = new Map<string, Record<string, unknown> | undefined>();

/** Children of a value: object keys, array indices, or the keys of a JSON-object string. */
function children(v: unknown): [string, unknown][] | undefined {
  if (Array.isArray(v)) return v.map((x, i) => [String(i), x]);
  if (isPlainObject(v)) return Object.entries(v);
  const parsed = parseJsonObjectString(v);
  return parsed ? Object.entries(parsed) : undefined;
}

function child(v: unknown, seg: string): unknown {
  if (seg === "$keys") {
    const c = children(v);
    return c && !Array.isArray(v) ? c.map(([k]) => k).sort() : undefined;
  }
  const c = children(v);
  if (!c) return undefined;
  const hit = c.find(([k]) => k === seg);
  return hit ? hit[1] : undefined;
}

/** The value at a concrete path, or undefined. */
export function getAt(root: unknown, segs: Segments): unknown {
  let v = root;
  for (const s of segs) {
    v = child(v, s);
    if (v === undefined) return undefined;
  }
  return v;
}

/** Concrete paths matching `pattern` that exist in at least one of `roots` (`*` expanded over keys/indices). */
export function expandPath(roots: readonly unknown[], pattern: Segments): string[][] {
  let frontier: { segs: string[]; values: unknown[] }[] = [{ segs: [], values: [...roots] }];
  for (const p of pattern) {
    const next = new Map<string, { segs: string[]; values: unknown[] }>();
    for (const f of frontier) {
      const keys = p === "*" ? unionKeys(f.values) : [p];
      for (const k of keys) {
        const values = f.values.map((v) => child(v, k)).filter((v) => v !== undefined);
        if (values.length === 0) continue;
        const segs = [...f.segs, k];
        next.set(JSON.stringify(segs), { segs, values });
      }
    }
    frontier = [...next.values()];
  }
  return frontier.map((f) => f.segs);
}

function unionKeys(values: readonly unknown[]): string[] {
  const keys = new Set<string>();
  for (const v of values) for (const [k] of children(v) ?? []) keys.add(k);
  return [...keys];
}

/** Every leaf of a value as [path, value]; empty objects/arrays are leaves; JSON-object strings are descended. */
export function leaves(v: unknown, prefix: string[] = [], out: [string[], unknown][] = [], depth = 0): [string[], unknown][] {
  const c = depth < 64 ? children(v) : undefined;
  if (!c || c.length === 0) {
    if (prefix.length > 0) out.push([prefix, v]);
    return out;
  }
  for (const [k, x] of c) leaves(x, [...prefix, k], out, depth + 1);
  return out;
}

/** JSON with sorted keys: equal values give equal strings. */
export function stableStringify(v: unknown): string {
  if (v === undefined) return "undefined";
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(",")}]`;
  if (isPlainObject(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify(v[k])}`)
      .join(",")}}`;
  }
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  if (typeof v === "bigint") return `${v}n`;
  return JSON.stringify(v) ?? String(v);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  return a === b || stableStringify(a) === stableStringify(b);
}

/** A value a value spec is compared with: literal, `{oneOf}`, `{min,max}` or `{any: true}`. */
export type ValueSpec = unknown;

export type SpecKind = "any" | "oneOf" | "range" | "literal";

export function specKind(spec: ValueSpec): SpecKind {
  if (!isPlainObject(spec)) return "literal";
  const keys = Object.keys(spec);
  if (keys.length === 1 && keys[0] === "any") return "any";
  if (keys.length === 1 && keys[0] === "oneOf") return "oneOf";
  if (keys.length > 0 && keys.every((k) => k === "min" || k === "max")) return "range";
  return "literal";
}

/** Does `value` satisfy `spec`? */
export function satisfies(spec: ValueSpec, value: unknown): boolean {
  const s = spec as { any?: unknown; oneOf?: unknown[]; min?: number; max?: number };
  switch (specKind(spec)) {
    case "any":
      return s.any === true;
    case "oneOf":
      return Array.isArray(s.oneOf) && s.oneOf.some((o) => deepEqual(o, value));
    case "range":
      return typeof value === "number" && (s.min === undefined || value >= s.min) && (s.max === undefined || value <= s.max);
    default:
      return deepEqual(spec, value);
  }
}

/** A spec for humans: `512`, `one of "a", "b"`, `128..1024`, `any value`. */
export function describeSpec(spec: ValueSpec): string {
  const s = spec as { oneOf?: unknown[]; min?: number; max?: number };
  switch (specKind(spec)) {
    case "any":
      return "any value";
    case "oneOf":
      return `one of ${(s.oneOf ?? []).map((x) => renderValue(x)).join(", ")}`;
    case "range":
      return `${s.min ?? "-inf"}..${s.max ?? "inf"}`;
    default:
      return renderValue(spec);
  }
}

/** Maps every literal inside a spec through `f` (used to normalise specs like values). */
export function mapSpecLiterals(spec: ValueSpec, f: (v: unknown) => unknown): ValueSpec {
  const kind = specKind(spec);
  if (kind === "literal") return f(spec);
  if (kind === "oneOf") return { oneOf: ((spec as { oneOf: unknown[] }).oneOf ?? []).map(f) };
  return spec;
}

const MAX_RENDER = 120;

/** One-line rendering of a (redacted) value for messages. */
export function renderValue(v: unknown): string {
  if (v === undefined) return "<absent>";
  const s = stableStringify(v);
  return s.length > MAX_RENDER ? `${s.slice(0, MAX_RENDER - 1)}…` : s;
}
