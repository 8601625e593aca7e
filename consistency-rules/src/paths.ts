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
  if (typeof v !== "string" || !mayHoldJsonObject(v)) return undefined;
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

/** Cheap pre-check (no allocation): the first non-blank character is `{`. Most strings fail at the first character. */
function mayHoldJsonObject(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 123) return true; // {
    if ((c > 32 && c < 128) || !/\s/.test(s[i])) return false; // a printable ASCII character, or non-blank
  }
  return false;
}

/** Children of a value: object keys, array indices, or the keys of a JSON-object string. */
export function children(v: unknown): [string, unknown][] | undefined {
  if (Array.isArray(v)) return v.map((x, i) => [String(i), x]);
  if (isPlainObject(v)) return Object.entries(v);
  const parsed = parseJsonObjectString(v);
  return parsed ? Object.entries(parsed) : undefined;
}

/**
 * What a value is to a path walk, without allocating: an array, an object (a plain object or the parse of a
 * JSON-object string), or a leaf.
 */
export function container(v: unknown): unknown[] | Record<string, unknown> | undefined {
  if (Array.isArray(v)) return v;
  if (isPlainObject(v)) return v;
  return parseJsonObjectString(v);
}

/** Index of an array element named by a path segment (`"0"`, `"12"`; not `"01"`, `"-1"`, `"1.5"`). */
function arrayIndex(seg: string, length: number): number {
  if (seg.length === 0 || (seg.length > 1 && seg.charCodeAt(0) === 48)) return -1;
  for (let i = 0; i < seg.length; i++) {
    const c = seg.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
  }
  const n = Number(seg);
  return n < length ? n : -1;
}

/** One step down a path: object key (own), array index, key of a JSON-object string, or `$keys`. */
export function child(v: unknown, seg: string): unknown {
  if (seg === "$keys") {
    if (Array.isArray(v)) return undefined;
    const o = isPlainObject(v) ? v : parseJsonObjectString(v);
    return o ? Object.keys(o).sort() : undefined;
  }
  if (Array.isArray(v)) {
    const i = arrayIndex(seg, v.length);
    return i >= 0 ? v[i] : undefined;
  }
  const o = isPlainObject(v) ? v : parseJsonObjectString(v);
  return o && Object.prototype.hasOwnProperty.call(o, seg) ? o[seg] : undefined;
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
export function leaves(
  v: unknown,
  prefix: string[] = [],
  out: [string[], unknown][] = [],
  depth = 0,
): [string[], unknown][] {
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

/**
 * Equality of JSON values as {@link stableStringify} defines it (key order ignored; `NaN` equals `NaN`; `-0` equals
 * `0`; `undefined` inside arrays renders as `"undefined"`), computed structurally without building strings.
 */
export function deepEqual(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b) return true;
  const ta = typeof a;
  if (ta !== typeof b || a === null || b === null) return false;
  if (ta === "number") return Number.isNaN(a) && Number.isNaN(b);
  if (ta !== "object" || depth > 200) return ta === "object" && stableStringify(a) === stableStringify(b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i], depth + 1)) return false;
    return true;
  }
  if (Array.isArray(b) || !isPlainObject(a) || !isPlainObject(b)) return stableStringify(a) === stableStringify(b);
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k) || !deepEqual(a[k], b[k], depth + 1)) return false;
  }
  return true;
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
      return (
        typeof value === "number" && (s.min === undefined || value >= s.min) && (s.max === undefined || value <= s.max)
      );
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
