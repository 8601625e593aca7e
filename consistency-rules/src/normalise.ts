/**
 * The one normaliser: a {@link Snapshot} of one stack → an environment-neutral {@link NormalisedSnapshot}.
 *
 * Identity: the Pulumi name with the environment token, the environment suffix and a Pulumi auto-name suffix removed
 * (`dev-ingest-raw-bucket` / `dev-ingest-raw-bucket-x1` / `dev-ingest-raw-bucket-a1b2c3d` → `ingest-raw-bucket`);
 * default providers are keyed by package (`pulumi:providers:aws::aws`).
 *
 * Values (recursively, object keys too): the environment name as a whole token → `{env}`, the suffix → `{suffix}`,
 * any 12-digit account id → `{account}`, any AWS region → `{region}`, a Pulumi auto-name suffix → `{id}`,
 * secrets → `[secret]`; `UNKNOWN` is kept; `__defaults` and the `hash` of assets/archives are dropped.
 * Never throws, whatever JSON it is given.
 */
import type { EnvironmentContext, NormalisedResource, NormalisedSnapshot, Snapshot, SnapshotResource } from "./model";
import { escapeRegExp, isPlainObject } from "./paths";
import type { RuleSet } from "./rules";
import { ARCHIVE_SIG, ASSET_SIG, isSecret, SECRET_PLACEHOLDER, SIG_KEY, UNKNOWN } from "./sentinels";

export const PLACEHOLDERS = { env: "{env}", suffix: "{suffix}", account: "{account}", region: "{region}", id: "{id}" } as const;

/** Keys that differ per deployment by nature and are never compared. */
export const VOLATILE_KEYS: ReadonlySet<string> = new Set(["__defaults"]);

const DELIM = "-_/:.";
const ACCOUNT_RE = /(?<!\d)\d{12}(?!\d)/g;
const REGION_RE = /(?<![a-z])(?:us|eu|ap|sa|ca|me|af|il|mx|cn)(?:-gov|-iso[a-z]?)?-(?:north|south|east|west|central|northeast|northwest|southeast|southwest)-\d(?!\d)/g;
/** Pulumi auto-naming appends `-` and 7 lowercase hex characters. */
const AUTONAME_RE = /-[0-9a-f]{7}(?=$|[-_/:.])/g;
/**
 * Ids AWS generates for EC2-family resources (`subnet-0a1b2c3d4e5f60718`, `sg-…`, `eni-…`, `ami-…`): 8 or 17 hex digits
 * after a known prefix. They differ in every account by nature, so a real export compares them as `{id}`.
 */
const AWS_ID_RE = /(?<![A-Za-z0-9-])(?:subnet|sg|vpc|eni|igw|eigw|nat|rtb|rtbassoc|vpce|acl|aclassoc|eipalloc|eipassoc|i|ami|lt|snap|vol|pl|tgw|tgw-attach|pcx|dopt|fl)-(?:[0-9a-f]{17}|[0-9a-f]{8})(?![A-Za-z0-9])/g;
const MAX_DEPTH = 100;

/** Replaces `token` where it stands as a whole token (delimited by `- _ / : .` or the string ends). */
function tokenRegExp(token: string): RegExp {
  const d = escapeRegExp(DELIM);
  return new RegExp(`(?<=^|[${d}])${escapeRegExp(token)}(?=$|[${d}])`, "g");
}

/** The string rewriter for one environment; built once per snapshot. */
export interface ValueNormaliser {
  (s: string): string;
}

/** True if `s` has a run of 12 digits (cheap pre-check for {@link ACCOUNT_RE}). */
function hasTwelveDigits(s: string): boolean {
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++run === 12) return true;
    } else run = 0;
  }
  return false;
}

/** True if `s` has `-` followed by a digit (every AWS region name does; cheap pre-check for {@link REGION_RE}). */
function hasDashDigit(s: string): boolean {
  for (let i = s.indexOf("-"); i >= 0 && i < s.length - 1; i = s.indexOf("-", i + 1)) {
    const c = s.charCodeAt(i + 1);
    if (c >= 48 && c <= 57) return true;
  }
  return false;
}

/** One rewrite step: applied in order, each only when its cheap pre-check says it can match. */
interface Rewrite {
  readonly re: RegExp;
  readonly placeholder: string;
  readonly mayMatch: (s: string) => boolean;
}

const CACHE_LIMIT = 200_000;

export function stringNormaliser(ctx: Partial<EnvironmentContext>): ValueNormaliser {
  const steps: Rewrite[] = [];
  const literal = (token: string) => (s: string) => s.includes(token);
  if (typeof ctx.accountId === "string" && ctx.accountId) steps.push({ re: new RegExp(escapeRegExp(ctx.accountId), "g"), placeholder: PLACEHOLDERS.account, mayMatch: literal(ctx.accountId) });
  steps.push({ re: ACCOUNT_RE, placeholder: PLACEHOLDERS.account, mayMatch: hasTwelveDigits });
  if (typeof ctx.region === "string" && ctx.region) steps.push({ re: tokenRegExp(ctx.region), placeholder: PLACEHOLDERS.region, mayMatch: literal(ctx.region) });
  steps.push({ re: REGION_RE, placeholder: PLACEHOLDERS.region, mayMatch: hasDashDigit });
  const names = [ctx.env, ctx.stack].filter((x): x is string => typeof x === "string" && x.length > 0 && !/[{}]/.test(x));
  for (const n of [...new Set(names)]) steps.push({ re: tokenRegExp(n), placeholder: PLACEHOLDERS.env, mayMatch: literal(n) });
  if (typeof ctx.suffix === "string" && ctx.suffix && !/[{}]/.test(ctx.suffix)) steps.push({ re: tokenRegExp(ctx.suffix), placeholder: PLACEHOLDERS.suffix, mayMatch: literal(ctx.suffix) });
  steps.push({ re: AWS_ID_RE, placeholder: PLACEHOLDERS.id, mayMatch: literal("-") });
  steps.push({ re: AUTONAME_RE, placeholder: `-${PLACEHOLDERS.id}`, mayMatch: literal("-") });
  // Keys and many values (tags, types, policies) repeat across resources: each distinct string is rewritten once.
  const cache = new Map<string, string>();
  return (s: string) => {
    if (s === UNKNOWN) return s;
    let out = cache.get(s);
    if (out !== undefined) return out;
    out = s;
    for (const step of steps) if (step.mayMatch(out)) out = out.replace(step.re, step.placeholder);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(s, out);
    return out;
  };
}

function isAssetOrArchive(v: Record<string, unknown>): boolean {
  return v[SIG_KEY] === ASSET_SIG || v[SIG_KEY] === ARCHIVE_SIG;
}

/** Normalises any JSON value with `norm`; never throws (cycles and depth are cut). */
export function normaliseValue(v: unknown, norm: ValueNormaliser, depth = 0): unknown {
  if (typeof v === "string") return norm(v);
  if (v === null || typeof v !== "object") return typeof v === "bigint" ? String(v) : v;
  if (depth > MAX_DEPTH) return "[too deep]";
  if (isSecret(v)) return SECRET_PLACEHOLDER;
  if (Array.isArray(v)) {
    const arr = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) arr[i] = normaliseValue(v[i], norm, depth + 1);
    return arr;
  }
  const asset = isAssetOrArchive(v as Record<string, unknown>);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[k];
    if (VOLATILE_KEYS.has(k) || (asset && k === "hash")) continue;
    const nk = norm(k);
    const key = nk !== k && Object.prototype.hasOwnProperty.call(v, nk) ? k : nk;
    if (Object.prototype.hasOwnProperty.call(out, key)) out[k] = normaliseValue(x, norm, depth + 1);
    else out[key] = normaliseValue(x, norm, depth + 1);
  }
  return out;
}

function str(v: unknown, fallback = ""): string {
  return typeof v === "string" ? v : fallback;
}

/** Removes the env token (first whole `-`-token), the suffix (last token) and an auto-name suffix. */
export function logicalIdOf(name: string, ctx: Partial<EnvironmentContext>): string {
  let parts = name.split("-");
  for (const token of [ctx.env, ctx.stack]) {
    const i = typeof token === "string" && token ? parts.indexOf(token) : -1;
    if (i >= 0 && parts.length > 1) {
      parts = [...parts.slice(0, i), ...parts.slice(i + 1)];
      break;
    }
  }
  if (parts.length > 1 && /^[0-9a-f]{7}$/.test(parts[parts.length - 1])) parts = parts.slice(0, -1);
  if (parts.length > 1 && typeof ctx.suffix === "string" && ctx.suffix && parts[parts.length - 1] === ctx.suffix) parts = parts.slice(0, -1);
  return parts.join("-");
}

const PROVIDER_PREFIX = "pulumi:providers:";

function identity(r: SnapshotResource, ctx: Partial<EnvironmentContext>): { type: string; logicalId: string } {
  const type = str(r.type, "unknown");
  const name = str(r.name) || str(r.urn).split("::").pop() || "";
  if (type.startsWith(PROVIDER_PREFIX) && /^default(_|$)/.test(name)) return { type, logicalId: type.slice(PROVIDER_PREFIX.length) };
  return { type, logicalId: logicalIdOf(name, ctx) };
}

/** The context with what the rules know filled in (account, region) and the suffix taken from config if absent. */
export function effectiveContext(snapshot: Snapshot, rules?: RuleSet): Partial<EnvironmentContext> {
  const ctx: Partial<EnvironmentContext> = isPlainObject(snapshot?.context) ? snapshot.context : {};
  const env = typeof ctx.env === "string" ? rules?.environments[ctx.env] : undefined;
  const project = str(ctx.project) || rules?.project || "";
  const config = isPlainObject(snapshot?.config) ? snapshot.config : {};
  const suffix = str(ctx.suffix) || str(config[`${project}:environmentSuffix`]) || undefined;
  return { ...ctx, project, accountId: str(ctx.accountId) || env?.accountId, region: str(ctx.region) || env?.region, suffix };
}

/** Normalises one stack. Never throws; malformed resources are kept under their best-effort identity. */
export function normaliseSnapshot(snapshot: Snapshot, rules?: RuleSet): NormalisedSnapshot {
  const ctx = effectiveContext(snapshot, rules);
  const norm = stringNormaliser(ctx);
  const resources = new Map<string, NormalisedResource>();
  const list: unknown[] = Array.isArray(snapshot?.resources) ? snapshot.resources : [];
  list.forEach((raw, index) => {
    if (!isPlainObject(raw)) return;
    const r = raw as unknown as SnapshotResource;
    const { type, logicalId } = identity(r, ctx);
    let key = `${type}::${logicalId}`;
    let id = logicalId;
    if (resources.has(key)) {
      id = `${logicalId}#${index}`;
      key = `${type}::${id}`;
    }
    const props = normaliseValue(isPlainObject(r.props) ? r.props : {}, norm) as Record<string, unknown>;
    const ignoreChanges = Array.isArray(r.ignoreChanges) ? [...new Set(r.ignoreChanges.filter((p): p is string => typeof p === "string"))].sort() : undefined;
    resources.set(key, { logicalId: id, type, original: r, props, ...(ignoreChanges ? { ignoreChanges } : {}) });
  });
  const config = isPlainObject(snapshot?.config) ? (normaliseValue(snapshot.config, norm) as Record<string, unknown>) : undefined;
  return {
    context: { ...(ctx as EnvironmentContext), env: str(ctx.env), stack: str(ctx.stack), project: str(ctx.project) },
    source: snapshot?.source,
    origin: str(snapshot?.origin),
    resources,
    ...(config ? { config, rawConfig: snapshot.config } : {}),
  };
}
