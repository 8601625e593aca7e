/**
 * Reading resource properties as the engine sends them, without the SDK's unknown-throwing proxy.
 *
 * `@pulumi/policy` wraps `args.props` in a proxy that throws on unknown values, which would turn every
 * unknown into the SDK's generic advisory "can't run policy during preview". We read the raw target
 * instead and decide ourselves: a check that needs an unknown value reports *indeterminate*.
 */
import { UNKNOWN } from "../../consistency-rules/src/sentinels";
import { copySecretMarks } from "./sdk/secrets";

/** Every unknown sentinel the SDKs use (the engine sends the string one; the others exist in older SDKs). */
export const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
  UNKNOWN,
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
  "030794c1-ac77-496b-92df-f27374a8bd58",
  "e48ece36-62e2-4504-bad9-02848725956a",
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);

export { UNKNOWN };

export function isUnknownValue(v: unknown): boolean {
  return typeof v === "string" && UNKNOWN_SENTINELS.has(v);
}

const rawCache = new WeakMap<object, Record<string, unknown>>();

/**
 * Unwraps the SDK proxy (if any) and maps every unknown sentinel to {@link UNKNOWN}. The engine sends only the
 * canonical sentinel, so the properties are used as they are (no copy) unless an older SDK's sentinel occurs;
 * memoised per properties object (stack policies and `policy-pack-indeterminate` read the same objects again).
 */
export function rawProps(props: unknown): Record<string, unknown> {
  const target =
    props && typeof props === "object" ? ((props as Record<string, unknown>)["__getSpecialProxyTarget"] ?? props) : {};
  if (!target || typeof target !== "object") return {};
  let raw = rawCache.get(target);
  if (!raw) {
    raw = (needsCanon(target) ? canon(target) : target) as Record<string, unknown>;
    copySecretMarks(target, raw); // a canonicalised copy keeps the request's secret marks
    rawCache.set(target, raw);
  }
  return raw;
}

function needsCanon(v: unknown): boolean {
  if (typeof v === "string") return v !== UNKNOWN && UNKNOWN_SENTINELS.has(v);
  if (Array.isArray(v)) return v.some(needsCanon);
  if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    for (const k in v) if (needsCanon((v as Record<string, unknown>)[k])) return true;
  }
  return false;
}

function canon(v: unknown): unknown {
  if (typeof v === "string") return UNKNOWN_SENTINELS.has(v) ? UNKNOWN : v;
  if (Array.isArray(v)) return v.map(canon);
  if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = canon(x);
    return out;
  }
  return v;
}

/**
 * Records that `props` holds no unknown sentinel of any SDK (its source said so: see lib/sdk/stack-resources.js
 * `clean`), so {@link rawProps} uses it as it is without searching it.
 */
export function knownCanonical(props: object): void {
  if (!rawCache.has(props)) rawCache.set(props, props as Record<string, unknown>);
}

/** The value at a dotted path (`versioningConfiguration.status`, `rules.0.id`); {@link UNKNOWN} if the path crosses an unknown. */
export function at(obj: unknown, path: string): unknown {
  let v: unknown = obj;
  for (const seg of path.split(".")) {
    if (v === UNKNOWN) return UNKNOWN;
    if (v === null || v === undefined || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[seg];
  }
  return v;
}

export function asArray(v: unknown): unknown[] {
  return v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
}

/** Parses an IAM policy document given as a JSON string or an object; UNKNOWN stays UNKNOWN; undefined if unparseable. */
export function policyDocument(v: unknown): Record<string, unknown> | typeof UNKNOWN | undefined {
  if (v === UNKNOWN) return UNKNOWN;
  if (typeof v === "string") {
    if (v.includes(UNKNOWN)) return UNKNOWN; // an interpolated unknown inside a JSON string
    try {
      const parsed: unknown = JSON.parse(v);
      return parsed && typeof parsed === "object" ? (canon(parsed) as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }
  return v && typeof v === "object" ? (v as Record<string, unknown>) : undefined;
}

export function show(v: unknown): string {
  return v === undefined ? "not set" : JSON.stringify(v);
}
