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
import { escapeRegExp, isPlainObject, stableStringify } from "./paths";
import type { RuleSet } from "./rules";
import { ARCHIVE_SIG, ASSET_SIG, isSecret, SECRET_PLACEHOLDER, SECRET_SIG, SIG_KEY, UNKNOWN } from "./sentinels";

export const PLACEHOLDERS = {
  env: "{env}",
  suffix: "{suffix}",
  account: "{account}",
  region: "{region}",
  id: "{id}",
} as const;

/** Keys that differ per deployment by nature and are never compared. */
export const VOLATILE_KEYS: ReadonlySet<string> = new Set(["__defaults"]);

const DELIM = "-_/:.";
/**
 * Ids AWS generates for EC2-family resources (`subnet-0a1b2c3d4e5f60718`, `sg-…`, `eni-…`): 8 or 17 hex digits after
 * a known prefix. They differ in every account by nature, so a real export compares them as `{id}`. Ids a program
 * *chooses* (`ami-…`, `snap-…`) are not here: another image is a difference.
 */
export const AWS_GENERATED_ID_PREFIXES: readonly string[] = [
  "subnet",
  "sg",
  "vpc",
  "eni",
  "igw",
  "eigw",
  "nat",
  "rtb",
  "rtbassoc",
  "vpce",
  "acl",
  "aclassoc",
  "eipalloc",
  "eipassoc",
  "i",
  "lt",
  "vol",
  "tgw",
  "tgw-attach",
  "tgw-rtb",
  "pcx",
  "dopt",
  "fl",
  "sgr",
  "vgw",
  "cgw",
  "vpn",
];
const AWS_ID_RE = new RegExp(
  `(?<![A-Za-z0-9-])(?:${AWS_GENERATED_ID_PREFIXES.map(escapeRegExp).join("|")})-(?:[0-9a-f]{17}|[0-9a-f]{8})(?![A-Za-z0-9])`,
  "g",
);
/** What every {@link AWS_ID_RE} match holds (its 8 or 17 hex digits follow a `-`). */
const HEX_AFTER_DASH = /-[0-9a-f]{8}/;
/** Pulumi auto-naming appends `-` and 7 lowercase hex characters to the resource's name. */
const AUTONAME_RE = /-[0-9a-f]{7}(?![A-Za-z0-9])/g;
const MAX_DEPTH = 100;

/** Replaces `token` where it stands as a whole token (delimited by `- _ / : .` or the string ends). */
function tokenRegExp(token: string): RegExp {
  const d = escapeRegExp(DELIM);
  return new RegExp(`(?<=^|[${d}])${escapeRegExp(token)}(?=$|[${d}])`, "g");
}

/** The string rewriter for one environment; built once per snapshot. */
export interface ValueNormaliser {
  (s: string): string;
  /**
   * How many strings so far came out naming another environment (`{account:<env>}`, `{region:<env>}`). Such a value is
   * different from the same text in the other environment, so "identical before normalisation" does not apply to it.
   */
  readonly crossEnvironmentHits?: () => number;
}

/** Another environment's facts: its account id or region inside this stack's values is a cross-environment reference. */
export interface ForeignEnvironment {
  readonly env: string;
  readonly accountId?: string;
  readonly region?: string;
}

/** What {@link stringNormaliser} may know beyond the environment context. */
export interface NormaliserOptions {
  /** The other environments of the rules: their account ids → `{account:<env>}`, regions → `{region:<env>}`. */
  readonly others?: readonly ForeignEnvironment[];
  /** Resource names of this stack: `<name>-<7 hex>` (a Pulumi auto-name) → `<name>-{id}`. */
  readonly names?: ReadonlySet<string>;
  /** Further names of this environment (rules `environments.<env>.aliases`) → `{env}`. */
  readonly aliases?: readonly string[];
}

/** One rewrite step: applied in order, each only when its cheap pre-check says it can match. */
interface Rewrite {
  readonly re: RegExp;
  readonly placeholder: string | ((m: string, offset: number, s: string) => string);
  readonly mayMatch: (s: string) => boolean;
}

const CACHE_LIMIT = 200_000;
const ok = (x: unknown): x is string => typeof x === "string" && x.length > 0 && !/[{}]/.test(x);

/** Groups other environments by a value (two envs may share an account): value → `env|env`. */
function foreignByValue(
  others: readonly ForeignEnvironment[],
  key: "accountId" | "region",
  own: string | undefined,
): Map<string, string> {
  const m = new Map<string, string[]>();
  for (const o of others) {
    const v = o[key];
    if (!ok(v) || v === own) continue;
    const list = m.get(v);
    if (list) list.push(o.env);
    else m.set(v, [o.env]);
  }
  return new Map([...m].map(([v, envs]) => [v, envs.join("|")]));
}

/**
 * This environment's own account id, region, stack/env names (and aliases) and suffix become placeholders; another
 * environment's account id or region becomes `{account:<env>}` / `{region:<env>}` (a cross-environment reference,
 * which never equals `{account}`); an unknown 12-digit number or region is kept as it is. Generated AWS ids → `{id}`,
 * and an auto-name suffix after one of this stack's resource names → `-{id}`.
 */
export function stringNormaliser(ctx: Partial<EnvironmentContext>, opts: NormaliserOptions = {}): ValueNormaliser {
  const steps: Rewrite[] = [];
  const literal = (token: string) => (s: string) => s.includes(token);
  const names = opts.names;
  if (names && names.size > 0) {
    // Before any other step: names are matched as the program wrote them.
    const autoname = (m: string, offset: number, s: string): string => {
      for (let j = offset - 1; j >= 0; j--) {
        if (j === 0 || DELIM.includes(s[j - 1])) {
          if (names.has(s.slice(j, offset))) return `-${PLACEHOLDERS.id}`;
        }
      }
      return m;
    };
    steps.push({ re: AUTONAME_RE, placeholder: autoname, mayMatch: literal("-") });
  }
  const account = ok(ctx.accountId) ? ctx.accountId : undefined;
  const region = ok(ctx.region) ? ctx.region : undefined;
  if (account)
    steps.push({
      re: new RegExp(`(?<!\\d)${escapeRegExp(account)}(?!\\d)`, "g"),
      placeholder: PLACEHOLDERS.account,
      mayMatch: literal(account),
    });
  for (const [v, envs] of foreignByValue(opts.others ?? [], "accountId", account)) {
    steps.push({
      re: new RegExp(`(?<!\\d)${escapeRegExp(v)}(?!\\d)`, "g"),
      placeholder: `{account:${envs}}`,
      mayMatch: literal(v),
    });
  }
  if (region)
    steps.push({
      re: new RegExp(`(?<![a-z])${escapeRegExp(region)}(?!\\d)`, "g"),
      placeholder: PLACEHOLDERS.region,
      mayMatch: literal(region),
    });
  for (const [v, envs] of foreignByValue(opts.others ?? [], "region", region)) {
    steps.push({
      re: new RegExp(`(?<![a-z])${escapeRegExp(v)}(?!\\d)`, "g"),
      placeholder: `{region:${envs}}`,
      mayMatch: literal(v),
    });
  }
  const envNames = [ctx.stack, ...(opts.aliases ?? []), ctx.env].filter(ok);
  if (ok(ctx.stack) && ctx.stack.includes("/")) envNames.unshift(ctx.stack.split("/").pop()!);
  // Longest first: `shop-prd-eu` before `prd`.
  for (const n of [...new Set(envNames)].sort((a, b) => b.length - a.length))
    steps.push({ re: tokenRegExp(n), placeholder: PLACEHOLDERS.env, mayMatch: literal(n) });
  if (ok(ctx.suffix))
    steps.push({ re: tokenRegExp(ctx.suffix), placeholder: PLACEHOLDERS.suffix, mayMatch: literal(ctx.suffix) });
  // Every generated id holds `-` and then 8 hex digits: a cheap test before the long alternation.
  steps.push({
    re: AWS_ID_RE,
    placeholder: PLACEHOLDERS.id,
    mayMatch: (s) => s.includes("-") && HEX_AFTER_DASH.test(s),
  });
  // Keys and many values (tags, types, policies) repeat across resources: each distinct string is rewritten once.
  const cache = new Map<string, string>();
  const foreign = new Set<string>();
  const foreignSteps = new Set(
    steps.filter(
      (st) =>
        typeof st.placeholder === "string" &&
        (st.placeholder.startsWith("{account:") || st.placeholder.startsWith("{region:")),
    ),
  );
  let hits = 0;
  const fn = (s: string): string => {
    if (s === UNKNOWN) return s;
    const out = cache.get(s);
    if (out !== undefined) {
      if (foreign.size > 0 && foreign.has(out)) hits++;
      return out;
    }
    let cur: string = s;
    let crossed = false;
    for (const step of steps) {
      if (!step.mayMatch(cur)) continue;
      step.re.lastIndex = 0;
      const next: string =
        typeof step.placeholder === "string"
          ? cur.replace(step.re, step.placeholder)
          : cur.replace(step.re, step.placeholder);
      if (next !== cur && foreignSteps.has(step)) crossed = true;
      cur = next;
    }
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(s, cur);
    if (crossed) {
      foreign.add(cur);
      hits++;
    }
    return cur;
  };
  return Object.assign(fn, { crossEnvironmentHits: () => hits });
}

/** Normalises any JSON value with `norm`; never throws (cycles and depth are cut). */
export function normaliseValue(v: unknown, norm: ValueNormaliser, depth = 0): unknown {
  if (typeof v === "string") return norm(v);
  if (v === null || typeof v !== "object") return typeof v === "bigint" ? String(v) : v;
  if (depth > MAX_DEPTH) return "[too deep]";
  // One lookup of the signature key decides secret, asset/archive or plain value.
  const sig = (v as Record<string, unknown>)[SIG_KEY];
  if (sig === SECRET_SIG) return SECRET_PLACEHOLDER;
  if (Array.isArray(v)) {
    const arr = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      arr[i] = typeof x === "string" ? norm(x) : normaliseValue(x, norm, depth + 1);
    }
    return arr;
  }
  const asset = sig === ASSET_SIG || sig === ARCHIVE_SIG;
  const out: Record<string, unknown> = {};
  const keys = Object.keys(v);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const x = (v as Record<string, unknown>)[k];
    if (VOLATILE_KEYS.has(k) || (asset && k === "hash")) continue;
    const nk = norm(k); // the key before its value, as always (the normaliser counts what it sees in order)
    const y = typeof x === "string" ? norm(x) : normaliseValue(x, norm, depth + 1);
    // A key the normaliser leaves alone cannot collide: `out` holds only other keys of `v` and renamed keys that are
    // not keys of `v`. Only renamed keys need the checks.
    if (nk === k) {
      out[k] = y;
      continue;
    }
    const key = Object.prototype.hasOwnProperty.call(v, nk) ? k : nk;
    if (Object.prototype.hasOwnProperty.call(out, key)) out[k] = y;
    else out[key] = y;
  }
  return out;
}

function str(v: unknown, fallback = ""): string {
  return typeof v === "string" ? v : fallback;
}

/** The names of an environment as they appear in resource names: stack (full and short), env, aliases. */
function envTokens(ctx: Partial<EnvironmentContext>, aliases: readonly string[] = []): string[][] {
  const names = [ctx.stack, ctx.stack?.split("/").pop(), ctx.env, ...aliases].filter(
    (x): x is string => typeof x === "string" && x.length > 0 && !x.includes("/"),
  );
  const seqs = [...new Set(names)].map((n) => n.split("-"));
  // Longest token sequence first: `shop-prd-eu` is stripped whole before `prd` alone is tried.
  return seqs.sort((a, b) => b.length - a.length);
}

function indexOfSeq(parts: readonly string[], seq: readonly string[]): number {
  outer: for (let i = 0; i + seq.length <= parts.length; i++) {
    for (let j = 0; j < seq.length; j++) if (parts[i + j] !== seq[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * Removes the environment's name — the whole stack name, the env name or one of its aliases, as a `-`-separated token
 * sequence (`api-shop-prd-eu-role` with stack `shop-prd-eu` → `api-role`) — once, then an auto-name suffix
 * (`-<7 hex>`) and the environment suffix at the end. Never strips a name to nothing.
 */
export function logicalIdOf(name: string, ctx: Partial<EnvironmentContext>, aliases: readonly string[] = []): string {
  return logicalIdWith(name, envTokens(ctx, aliases), ctx.suffix);
}

function logicalIdWith(name: string, tokens: readonly string[][], suffix: string | undefined): string {
  if (!name.includes("-")) return name;
  const parts = name.split("-");
  for (const seq of tokens) {
    const i = parts.length > seq.length ? indexOfSeq(parts, seq) : -1;
    if (i >= 0) {
      parts.splice(i, seq.length); // `parts` is this call's own list: cut in place
      break;
    }
  }
  if (parts.length > 1 && /^[0-9a-f]{7}$/.test(parts[parts.length - 1])) parts.pop();
  if (parts.length > 1 && typeof suffix === "string" && suffix && parts[parts.length - 1] === suffix) parts.pop();
  return parts.join("-");
}

const PROVIDER_PREFIX = "pulumi:providers:";
export const STACK_TYPE = "pulumi:pulumi:Stack";
/** The logical id of the root stack resource, whatever the stack is called. */
export const STACK_LOGICAL_ID = "stack";

/** `urn:pulumi:<stack>::<project>::<qualified type>::<name>` → its qualified type (parent types `$`-joined) and name. */
export function parseUrn(urn: unknown): { qualifiedType: string; type: string; name: string } | undefined {
  if (typeof urn !== "string" || !urn.startsWith("urn:pulumi:")) return undefined;
  const a = urn.indexOf("::");
  const b = a < 0 ? -1 : urn.indexOf("::", a + 2);
  const c = b < 0 ? -1 : urn.indexOf("::", b + 2);
  if (c < 0) return undefined;
  const qualifiedType = urn.slice(b + 2, c);
  const type = qualifiedType.slice(qualifiedType.lastIndexOf("$") + 1);
  return { qualifiedType, type, name: urn.slice(c + 2) };
}

const tokenCache = new WeakMap<object, string[][]>();
function identityOf(type: string, name: string, ctx: Partial<EnvironmentContext>, aliases: readonly string[]): string {
  if (type === STACK_TYPE) return STACK_LOGICAL_ID;
  if (type.startsWith(PROVIDER_PREFIX) && /^default(_|$)/.test(name)) return type.slice(PROVIDER_PREFIX.length);
  let tokens = tokenCache.get(ctx);
  if (!tokens) tokenCache.set(ctx, (tokens = envTokens(ctx, aliases)));
  return logicalIdWith(name, tokens, ctx.suffix);
}

/** A resource reference (parent URN, or provider reference `<urn>::<id>`) as an environment-neutral `type::logicalId`. */
function referenceOf(
  ref: unknown,
  ctx: Partial<EnvironmentContext>,
  aliases: readonly string[],
  provider: boolean,
): string | undefined {
  if (typeof ref !== "string" || !ref) return undefined;
  const urn = provider ? ref.slice(0, Math.max(0, ref.lastIndexOf("::"))) : ref;
  const u = parseUrn(urn);
  if (!u) return ref;
  return `${u.type}::${identityOf(u.type, u.name, ctx, aliases)}`;
}

/** The context with what the rules know filled in (account, region) and the suffix taken from config if absent. */
export function effectiveContext(snapshot: Snapshot, rules?: RuleSet): Partial<EnvironmentContext> {
  const ctx: Partial<EnvironmentContext> = isPlainObject(snapshot?.context) ? snapshot.context : {};
  const env = typeof ctx.env === "string" ? rules?.environments[ctx.env] : undefined;
  const project = str(ctx.project) || rules?.project || "";
  const config = isPlainObject(snapshot?.config) ? snapshot.config : {};
  const suffix = str(ctx.suffix) || str(config[`${project}:environmentSuffix`]) || undefined;
  return {
    ...ctx,
    project,
    accountId: str(ctx.accountId) || env?.accountId,
    region: str(ctx.region) || env?.region,
    suffix,
  };
}

/** The other environments of the rules (for cross-environment references), and this one's aliases. */
function rulesFacts(env: string | undefined, rules?: RuleSet): { others: ForeignEnvironment[]; aliases: string[] } {
  const all = rules && isPlainObject(rules.environments) ? Object.values(rules.environments) : [];
  const others = all
    .filter((e) => e.name !== env)
    .map((e) => ({ env: e.name, accountId: e.accountId, region: e.region }));
  const own = all.find((e) => e.name === env);
  return {
    others,
    aliases: Array.isArray(own?.aliases)
      ? own.aliases.filter((a): a is string => typeof a === "string" && a.length > 0)
      : [],
  };
}

/**
 * Properties whose value is a set (order carries no meaning), by type token; `*` applies to every type. Dotted
 * entries reach into nested objects. A set is put in the canonical order of its (normalised) elements, so a reordered
 * list is equal; index paths (`subnetIds.2`) keep their meaning for approvals.
 */
export const SET_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  "*": [
    "subnetIds",
    "securityGroupIds",
    "vpcSecurityGroupIds",
    "managedPolicyArns",
    "availabilityZones",
    "vpcZoneIdentifiers",
  ],
  "aws:dynamodb/table:Table": ["attributes", "globalSecondaryIndexes", "localSecondaryIndexes", "replicas"],
  "aws:iam/role:Role": ["inlinePolicies"],
  "aws:ec2/securityGroup:SecurityGroup": ["ingress", "egress"],
  "aws:ec2/networkAcl:NetworkAcl": ["ingress", "egress", "subnetIds"],
  "aws:ec2/instance:Instance": ["securityGroups"],
  "aws:lambda/function:Function": ["vpcConfig.subnetIds", "vpcConfig.securityGroupIds"],
  "aws:eks/cluster:Cluster": ["vpcConfig.subnetIds", "vpcConfig.securityGroupIds"],
  "aws:ecs/service:Service": ["networkConfiguration.subnets", "networkConfiguration.securityGroups"],
  "aws:lb/loadBalancer:LoadBalancer": ["subnets", "securityGroups"],
  "aws:alb/loadBalancer:LoadBalancer": ["subnets", "securityGroups"],
  "aws:rds/cluster:Cluster": ["availabilityZones"],
  "aws:elasticache/subnetGroup:SubnetGroup": ["subnetIds"],
  "aws:rds/subnetGroup:SubnetGroup": ["subnetIds"],
  "aws:cloudfront/distribution:Distribution": ["aliases"],
};

const setPathCache = new Map<string, string[][]>();
function setPathsOf(type: string): string[][] {
  let paths = setPathCache.get(type);
  if (!paths)
    setPathCache.set(
      type,
      (paths = [...(SET_PROPERTIES["*"] ?? []), ...(SET_PROPERTIES[type] ?? [])].map((p) => p.split("."))),
    );
  return paths;
}

/** The order of a set's elements: by their canonical (normalised) JSON, so the source's order never matters. */
function setOrder(list: readonly unknown[]): number[] {
  const keys = list.map((x) => (typeof x === "string" ? `"${x}` : stableStringify(x)));
  return keys.map((_, i) => i).sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : a - b));
}

/** A list as a set: its elements in canonical order (index paths such as `subnetIds.2` keep working in approvals). */
export function setOf(list: readonly unknown[]): unknown[] {
  return setOrder(list).map((i) => list[i]);
}

/**
 * A value found (or written in a rule) at `segs` of a resource of `type`, with the set-typed properties at or below
 * `segs` in canonical order as {@link normaliseSnapshot} puts them (so an `expect: [...]` compares with the normalised value).
 */
export function setsAt(type: string, segs: readonly string[], value: unknown): unknown {
  let out = value;
  for (const p of setPathsOf(type)) {
    if (p.length < segs.length || !segs.every((s, i) => s === p[i])) continue;
    const rest = p.slice(segs.length);
    if (rest.length === 0) {
      if (Array.isArray(out)) out = setOf(out);
      continue;
    }
    if (!isPlainObject(out)) continue;
    const copy = { ...out };
    const at = arrayAt(copy, rest, true);
    if (at) at.parent[at.key] = setOf(at.list);
    out = copy;
  }
  return out;
}

/** The array at `segs` inside `root` and its parent; with `copy`, the containers on the way are copied first. */
function arrayAt(
  root: Record<string, unknown>,
  segs: readonly string[],
  copy: boolean,
): { parent: Record<string, unknown>; key: string; list: unknown[] } | undefined {
  let parent: Record<string, unknown> = root;
  for (let i = 0; i < segs.length - 1; i++) {
    const next = parent[segs[i]];
    if (!isPlainObject(next)) return undefined;
    parent = copy ? (parent[segs[i]] = { ...next }) : next;
  }
  const key = segs[segs.length - 1];
  const list = parent[key];
  return Array.isArray(list) ? { parent, key, list } : undefined;
}

/**
 * Puts the set-typed properties of normalised `props` in canonical order, and the raw props' elements in the same
 * order (the comparer walks both together). Returns the raw props to pair with, copied where a set was reordered.
 */
function applySets(
  props: Record<string, unknown>,
  raw: Record<string, unknown>,
  type: string,
): Record<string, unknown> {
  let rawOut = raw;
  for (const segs of setPathsOf(type)) {
    const n = arrayAt(props, segs, false);
    if (!n || n.list.length < 2) continue;
    const order = setOrder(n.list);
    if (order.every((x, i) => x === i)) continue;
    n.parent[n.key] = order.map((i) => n.list[i]);
    if (rawOut === raw) rawOut = { ...raw };
    const r = arrayAt(rawOut, segs, true);
    if (r && r.list.length === order.length) r.parent[r.key] = order.map((i) => r.list[i]);
  }
  return rawOut;
}

/** `tagsAll` (tags plus the provider's default tags) folded into `tags`: one finding per tag, under the approvals on `tags`. */
function foldTags(props: Record<string, unknown>): Record<string, unknown> {
  if (!Object.prototype.hasOwnProperty.call(props, "tagsAll")) return props;
  const { tagsAll, ...rest } = props;
  if (isPlainObject(tagsAll)) rest.tags = { ...tagsAll, ...(isPlainObject(props.tags) ? props.tags : {}) };
  else if (tagsAll !== undefined && tagsAll !== null && rest.tags === undefined) rest.tags = tagsAll;
  return rest;
}

/** Properties secret in any form: `additionalSecretOutputs` on the resource, or a secret output of the same name. */
function secretKeys(r: SnapshotResource): Set<string> | undefined {
  let out: Set<string> | undefined;
  if (Array.isArray(r.additionalSecretOutputs))
    for (const k of r.additionalSecretOutputs) if (typeof k === "string") (out ??= new Set()).add(k);
  // A secret output whose input already marks its secret parts (an env var map with one secret variable becomes one
  // secret output as a whole) is compared by the input's finer marks; otherwise the whole property is secret.
  const props = isPlainObject(r.props) ? r.props : {};
  const outputs = r.outputs;
  if (isPlainObject(outputs))
    // for…in over a parsed object: its own keys, in order, without an array of them per resource
    for (const k in outputs) {
      const v = outputs[k];
      // most outputs are strings and numbers: no call to find they are not secrets
      if (typeof v === "object" && v !== null && isSecret(v) && !holdsSecret(props[k], 0)) (out ??= new Set()).add(k);
    }
  return out;
}

function holdsSecret(v: unknown, depth: number): boolean {
  if (isSecret(v)) return true;
  if (v === null || typeof v !== "object" || depth > MAX_DEPTH) return false;
  for (const x of Array.isArray(v) ? v : Object.values(v)) if (holdsSecret(x, depth + 1)) return true;
  return false;
}

/** Options that change what a deploy does, compared as `$`-paths (absent = the default, so a default is never a difference). */
function optionsOf(
  r: SnapshotResource,
  ctx: Partial<EnvironmentContext>,
  aliases: readonly string[],
  norm: ValueNormaliser,
  refs: OptionRefs,
): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  let n = 0;
  // Parents and providers repeat across a stack's resources: each reference is resolved once.
  const ref = (v: unknown, provider: boolean): string | undefined => {
    if (typeof v !== "string" || !v) return undefined;
    // Most resources name the same parent and provider as the resource before: one string comparison instead of
    // hashing the (long, freshly parsed) URN for the map.
    const last = provider ? refs.lastProvider : refs.lastParent;
    if (last !== undefined && last.ref === v) return last.got;
    const got = resolve(v, provider);
    if (provider) refs.lastProvider = { ref: v, got };
    else refs.lastParent = { ref: v, got };
    return got;
  };
  const resolve = (v: string, provider: boolean): string | undefined => {
    const cache = provider ? refs.providers : refs.parents;
    const hit = cache.get(v);
    if (hit !== undefined || cache.has(v)) return hit;
    // Default providers are implied, not chosen (and previews do not list them): only an explicit provider is compared.
    const got = provider && isDefaultProviderRef(v) ? undefined : referenceOf(v, ctx, aliases, provider);
    cache.set(v, got);
    return got;
  };
  const parent = ref(r.parent, false);
  if (parent && !parent.startsWith(`${STACK_TYPE}::`)) {
    out[OPTION_PATHS.parent] = parent;
    n++;
  }
  const provider = ref(r.provider, true);
  if (provider) {
    out[OPTION_PATHS.provider] = provider;
    n++;
  }
  // The rarer options: none of them is set on most resources.
  if (
    r.replaceOnChanges === undefined &&
    r.deleteBeforeReplace === undefined &&
    r.aliases === undefined &&
    r.customTimeouts === undefined
  )
    return n > 0 ? out : undefined;
  const list = (v: unknown) =>
    Array.isArray(v) ? [...new Set(v.filter((x): x is string => typeof x === "string"))].sort() : undefined;
  const roc = list(r.replaceOnChanges);
  if (roc?.length) out[OPTION_PATHS.replaceOnChanges] = roc;
  if (r.deleteBeforeReplace === true) out[OPTION_PATHS.deleteBeforeReplace] = true;
  const al = Array.isArray(r.aliases)
    ? list(r.aliases.map((a) => (typeof a === "string" ? norm(a) : stableStringify(normaliseValue(a, norm)))))
    : undefined;
  if (al?.length) out[OPTION_PATHS.aliases] = al;
  if (isPlainObject(r.customTimeouts)) {
    const ct = Object.fromEntries(
      Object.entries(r.customTimeouts).filter(([, v]) => v !== undefined && v !== null && v !== "" && v !== 0),
    );
    if (Object.keys(ct).length) out[OPTION_PATHS.customTimeouts] = ct;
  }
  return Object.keys(out).length ? out : undefined;
}

function isDefaultProviderRef(ref: unknown): boolean {
  if (typeof ref !== "string") return false;
  const u = parseUrn(ref.slice(0, Math.max(0, ref.lastIndexOf("::"))));
  return !!u && /^default(_|$)/.test(u.name);
}

/** The pseudo-paths under which resource options are compared. */
export const OPTION_PATHS = {
  parent: "$parent",
  provider: "$provider",
  replaceOnChanges: "$replaceOnChanges",
  deleteBeforeReplace: "$deleteBeforeReplace",
  aliases: "$aliases",
  customTimeouts: "$customTimeouts",
} as const;

const normaliserOfSnapshot = new WeakMap<object, ValueNormaliser>();
/** The string normaliser a normalised snapshot was made with (to normalise rule values the same way). */
export function normaliserOf(snap: NormalisedSnapshot): ValueNormaliser | undefined {
  return isPlainObject(snap) ? normaliserOfSnapshot.get(snap) : undefined;
}

/** Parent and provider references already resolved in this stack (each is resolved once). */
interface OptionRefs {
  readonly parents: Map<string, string | undefined>;
  readonly providers: Map<string, string | undefined>;
  /** The last reference resolved of each kind, and what it resolved to. */
  lastParent?: { readonly ref: string; readonly got: string | undefined };
  lastProvider?: { readonly ref: string; readonly got: string | undefined };
}

interface Pending {
  readonly r: SnapshotResource;
  readonly type: string;
  readonly logicalId: string;
  readonly key: string;
  /** The key is not `type::logicalId` (the resource has a parent type chain). */
  readonly qualified: boolean;
}

/** Normalises one stack. Never throws; malformed resources are kept under their best-effort identity. */
export function normaliseSnapshot(snapshot: Snapshot, rules?: RuleSet): NormalisedSnapshot {
  const ctx = effectiveContext(snapshot, rules);
  const { others, aliases } = rulesFacts(str(ctx.env) || undefined, rules);
  const list: unknown[] = Array.isArray(snapshot?.resources) ? snapshot.resources : [];
  const names = new Set<string>();
  for (const raw of list) if (isPlainObject(raw) && typeof raw.name === "string" && raw.name) names.add(raw.name);
  const norm = stringNormaliser(ctx, { others, aliases, names });
  // Identity first, for all resources: collisions are then numbered in an order that does not depend on the file.
  const pending: Pending[] = [];
  // How many resources share each pairing key: a key met twice is a collision, numbered below.
  const count = new Map<string, number>();
  let collisions = false;
  for (const raw of list) {
    if (!isPlainObject(raw)) continue;
    const r = raw as unknown as SnapshotResource;
    const u = parseUrn(r.urn);
    const type = str(r.type) || u?.type || "unknown";
    const name = str(r.name) || u?.name || "";
    const logicalId = identityOf(type, name, ctx, aliases);
    // The parent type chain, as the URN's type segment has it (the root stack is not part of it).
    const qualified = u && u.type === type ? u.qualifiedType : type;
    const key = `${qualified}::${logicalId}`;
    pending.push({ r, type, logicalId, key, qualified: qualified !== type });
    const seen = count.get(key);
    if (seen === undefined) count.set(key, 1);
    else {
      count.set(key, seen + 1);
      collisions = true;
    }
  }
  const order = (p: Pending) =>
    `${p.key}\u0000${norm(str(p.r.name))}\u0000${norm(str(p.r.urn))}\u0000${norm(str(p.r.parent))}`;
  // Numbered in an order that does not depend on the file: by pairing key (parent chain), then normalised name/URN.
  const pairNo = new Map<Pending, number>();
  if (collisions) {
    const collided = pending.filter((p) => count.get(p.key)! > 1).map((p) => ({ p, k: p.key, o: order(p) }));
    collided.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.o < b.o ? -1 : a.o > b.o ? 1 : 0));
    let prev: string | undefined;
    let n = 0;
    for (const c of collided) {
      n = c.k === prev ? n + 1 : 1;
      prev = c.k;
      if (n > 1) pairNo.set(c.p, n);
    }
  }
  // Resources are keyed (and paired across environments) by the parent type chain and the logical id.
  const resources = new Map<string, NormalisedResource>();
  const refs: OptionRefs = { parents: new Map(), providers: new Map() };
  for (const p of pending) {
    const { r, type } = p;
    const no = pairNo.size > 0 ? pairNo.get(p) : undefined;
    const logicalId = no === undefined ? p.logicalId : `${p.logicalId}#${no}`;
    const mapKey = no === undefined ? p.key : `${p.key}#${no}`;
    const rawIn = isPlainObject(r.props) ? r.props : {};
    const folded = foldTags(rawIn);
    const before = norm.crossEnvironmentHits!();
    const props = normaliseValue(folded, norm) as Record<string, unknown>;
    const crossEnvironment = norm.crossEnvironmentHits!() !== before;
    const secrets = secretKeys(r);
    if (secrets)
      for (const s of secrets) if (Object.prototype.hasOwnProperty.call(props, s)) props[s] = SECRET_PLACEHOLDER;
    const rawProps = applySets(props, folded, type);
    const ignoreChanges = Array.isArray(r.ignoreChanges)
      ? [...new Set(r.ignoreChanges.filter((x): x is string => typeof x === "string"))].sort()
      : undefined;
    const options = optionsOf(r, ctx, aliases, norm, refs);
    // Built field by field in the order (and with the same absent fields) of the literal with conditional spreads.
    const res: { -readonly [K in keyof NormalisedResource]: NormalisedResource[K] } = {
      logicalId,
      type,
      original: r,
      props,
    };
    // mapKey is `${qualified}::${logicalId}` (numbered or not): it differs from `${type}::${logicalId}` exactly when the
    // qualified type differs from the type, known without building the string.
    if (p.qualified) res.key = mapKey;
    if (rawProps !== rawIn) res.rawProps = rawProps;
    if (ignoreChanges) res.ignoreChanges = ignoreChanges;
    if (options) res.options = options;
    if (crossEnvironment) res.crossEnvironment = crossEnvironment;
    resources.set(mapKey, res);
  }
  const beforeConfig = norm.crossEnvironmentHits!();
  const config = isPlainObject(snapshot?.config)
    ? (normaliseValue(snapshot.config, norm) as Record<string, unknown>)
    : undefined;
  const configCrossEnvironment = norm.crossEnvironmentHits!() !== beforeConfig;
  const out: NormalisedSnapshot = {
    context: { ...(ctx as EnvironmentContext), env: str(ctx.env), stack: str(ctx.stack), project: str(ctx.project) },
    source: snapshot?.source,
    origin: str(snapshot?.origin),
    resources,
    ...(config ? { config, rawConfig: snapshot.config } : {}),
    ...(configCrossEnvironment ? { configCrossEnvironment } : {}),
  };
  normaliserOfSnapshot.set(out, norm);
  return out;
}
