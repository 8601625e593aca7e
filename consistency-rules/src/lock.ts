/**
 * The parity lock: what all environments agree on, written once by `parity lock` and enforced per stack by the pack.
 *
 *   offline plans / exports ─► normaliseSnapshot (one normaliser) ─► buildLock ─► <project>.parity-lock.json
 *   one stack under preview ─► normaliseSnapshot ─► checkAgainstLock(lock) ─► Finding[]   (the pack)
 *   plans now vs the file  ─► diffLocks ─► stale-lock findings                              (`parity check`)
 *
 * Per resource identity (`type::logicalId`, the normaliser's): the environments it exists in (inventory) and every
 * leaf path (objects by key, arrays by index, JSON-object strings by key; `$parent` is the parent's identity,
 * `$ignoreChanges.<i>` the option) whose normalised value is equal in every environment that has the resource.
 * Paths an approval governs are left out (the rules own them); a value agreed only before normalisation (a value
 * naming every stack) is kept verbatim under `exact`; a value unknown at preview everywhere is `[unknown]`.
 * Assets/archives are one opaque leaf (the normaliser drops their hash). Nulls are absent (the engine never sends
 * them to an analyzer). The file has sorted keys, one leaf per line, and a sha256 of its content.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { contentDigest } from "./digest";
import { describeAjvErrors, schemaValidator } from "./ajv";
import { InputError } from "./errors";
import lockSchema from "../lock.schema.json";
import type { Finding, NormalisedResource, NormalisedSnapshot, Snapshot } from "./model";
import { effectiveContext, normaliseSnapshot } from "./normalise";
import { container, deepEqual, isPlainObject, renderValue } from "./paths";
import { CONFIG_TYPE, parseJsonFile, type RuleSet } from "./rules";
import { ARCHIVE_SIG, ASSET_SIG, isSecret, SECRET_PLACEHOLDER, SECRET_SIG, SIG_KEY, UNKNOWN } from "./sentinels";

export const LOCK_VERSION = 1;
/** How a value unknown at preview is written in the lock. */
export const LOCK_UNKNOWN = "[unknown]";
export const PARENT_PATH = "$parent";
const IGNORE_CHANGES = "$ignoreChanges";

export const LOCK_RULES = {
  /** A property differs from the locked value (pack). */
  mismatch: "parity-lock-mismatch",
  /** A resource the lock does not expect here, or one it expects that is missing (pack). */
  inventory: "parity-lock-inventory",
  /** The environments now agree on something else than the lock (`parity check`). */
  stale: "parity-lock-stale",
} as const;

export interface LockedResource {
  readonly type: string;
  /** Environments the resource exists in, in the rule set's order. */
  readonly in: readonly string[];
  /** Leaf path → the normalised value every environment has. */
  readonly props: Readonly<Record<string, unknown>>;
  /** Leaf path → the value as read, for paths equal only before normalisation. */
  readonly exact?: Readonly<Record<string, unknown>>;
  /**
   * Leaf paths the environments do not agree on and no approval names (values only known after create, a
   * difference the rules allow elsewhere, e.g. through config): not pinned, and not "new" when a stack has them.
   */
  readonly varies?: readonly string[];
}

export interface ParityLock {
  readonly version: number;
  readonly project: string;
  /** Per environment, what normalisation needs that a policy pack cannot see (the suffix from stack config). */
  readonly environments: Readonly<Record<string, { readonly suffix?: string }>>;
  /** `sha256:<hex>` of the canonical content (everything but `hash`). */
  readonly hash: string;
  readonly resources: Readonly<Record<string, LockedResource>>;
}

// ---------------------------------------------------------------------------------------------- leaves

type Leaves = Map<string, { readonly segs: readonly string[]; readonly value: unknown }>;

function leafValue(v: unknown): unknown {
  if (v === UNKNOWN) return LOCK_UNKNOWN;
  if (typeof v === "number" && !Number.isFinite(v)) return LOCK_UNKNOWN;
  return v;
}

/** Assets and archives on the wire (`{<sig>: <asset sig>, …}`) or as the policy SDK hands them (Asset/Archive objects). */
function assetKind(v: unknown): string | undefined {
  if (v === null || typeof v !== "object") return undefined;
  const o = v as Record<string, unknown>;
  if (o[SIG_KEY] === ASSET_SIG || o.__pulumiAsset === true) return "[asset]";
  if (o[SIG_KEY] === ARCHIVE_SIG || o.__pulumiArchive === true) return "[archive]";
  return undefined;
}

function walk(v: unknown, segs: string[], out: Leaves, depth: number): void {
  if (v === null || v === undefined) return;
  if (isSecret(v)) {
    out.set(segs.join("."), { segs: [...segs], value: SECRET_PLACEHOLDER });
    return;
  }
  const asset = assetKind(v);
  if (asset) {
    out.set(segs.join("."), { segs: [...segs], value: asset });
    return;
  }
  const c = depth < 64 ? container(v) : undefined;
  const keys = c === undefined ? [] : Array.isArray(c) ? c.map((_, i) => String(i)) : Object.keys(c);
  if (c === undefined || keys.length === 0) {
    if (segs.length > 0) out.set(segs.join("."), { segs: [...segs], value: leafValue(v) });
    return;
  }
  for (const k of keys) {
    const x = Array.isArray(c) ? c[Number(k)] : (c as Record<string, unknown>)[k];
    segs.push(k);
    walk(x, segs, out, depth + 1);
    segs.pop();
  }
}

/** A resource's leaves as the lock sees them (props, `$parent`, `$ignoreChanges`). */
export function lockLeaves(
  props: unknown,
  parent: string | undefined,
  ignoreChanges: readonly string[] | undefined,
): Leaves {
  const out: Leaves = new Map();
  walk(props, [], out, 0);
  if (parent) out.set(PARENT_PATH, { segs: [PARENT_PATH], value: parent });
  if (ignoreChanges && ignoreChanges.length > 0) walk([...ignoreChanges].sort(), [IGNORE_CHANGES], out, 1);
  return out;
}

/** URN → identity (`type::logicalId`) of every resource of a normalised stack. */
function identities(snap: NormalisedSnapshot): Map<string, string> {
  const m = new Map<string, string>();
  for (const [key, r] of snap.resources) if (typeof r.original?.urn === "string") m.set(r.original.urn, key);
  return m;
}

function parentOf(r: NormalisedResource, ids: ReadonlyMap<string, string>): string | undefined {
  const p = r.original?.parent;
  if (typeof p !== "string" || !p) return undefined;
  return ids.get(p) ?? LOCK_UNKNOWN;
}

function resourceLeaves(r: NormalisedResource, ids: ReadonlyMap<string, string>): Leaves {
  return lockLeaves(r.props, parentOf(r, ids), r.ignoreChanges ?? r.original?.ignoreChanges);
}

function rawLeaves(r: NormalisedResource): Leaves {
  const out: Leaves = new Map();
  walk(isPlainObject(r.original?.props) ? r.original.props : {}, [], out, 0);
  return out;
}

// ---------------------------------------------------------------------------------------------- build

function envName(s: NormalisedSnapshot): string {
  return s.context?.env || s.context?.stack || s.origin;
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]]),
  );
}

/** sha256 of the canonical content (sorted keys, no `hash`). */
export function lockHash(lock: Omit<ParityLock, "hash"> & { hash?: string }): string {
  const { hash: _ignored, ...content } = lock;
  return contentDigest(content);
}

/**
 * The lock of a project from its normalised stacks (one per environment). `contexts` are the snapshots as read (for
 * the suffix each environment normalised with); omitted, no suffix is recorded.
 */
export function buildLock(
  snaps: readonly NormalisedSnapshot[],
  rules: RuleSet,
  contexts?: readonly Snapshot[],
): ParityLock {
  const order = (e: string) => rules.envNames.indexOf(e) + 1 || 1e6;
  const envs = snaps.map(envName);
  const environments: Record<string, { suffix?: string }> = {};
  snaps.forEach((s, i) => {
    const suffix = contexts?.[i] ? effectiveContext(contexts[i], rules).suffix : s.context?.suffix;
    environments[envs[i]] = suffix ? { suffix } : {};
  });
  const ids = snaps.map(identities);
  const keys = new Set<string>();
  for (const s of snaps) for (const k of s.resources.keys()) keys.add(k);
  const resources: Record<string, LockedResource> = {};
  for (const key of [...keys].sort()) {
    const rows = snaps
      .map((s, i) => ({ env: envs[i], r: s.resources.get(key), ids: ids[i] }))
      .filter((x): x is { env: string; r: NormalisedResource; ids: Map<string, string> } => x.r !== undefined);
    const { type, logicalId } = rows[0].r;
    if (type === CONFIG_TYPE) continue;
    const leaves = rows.map((x) => resourceLeaves(x.r, x.ids));
    let raws: Leaves[] | undefined;
    const props: Record<string, unknown> = {};
    const exact: Record<string, unknown> = {};
    const varies: string[] = [];
    const paths = new Set<string>();
    for (const l of leaves) for (const p of l.keys()) paths.add(p);
    for (const p of [...paths].sort()) {
      const first = leaves.find((l) => l.has(p))!.get(p)!;
      if (rules.approvalFor(type, logicalId, first.segs)) continue;
      const values = leaves.map((l) => l.get(p));
      if (values.every((v) => v !== undefined && deepEqual(v.value, first.value))) {
        props[p] = first.value;
        continue;
      }
      raws ??= rows.map((x) => rawLeaves(x.r));
      const rv = raws.map((l) => l.get(p));
      if (rv.every((v) => v !== undefined && deepEqual(v.value, rv[0]!.value))) exact[p] = rv[0]!.value;
      else varies.push(p);
    }
    resources[key] = {
      type,
      in: rows.map((x) => x.env).sort((a, b) => order(a) - order(b) || a.localeCompare(b)),
      props,
      ...(Object.keys(exact).length > 0 ? { exact } : {}),
      ...(varies.length > 0 ? { varies } : {}),
    };
  }
  const content = { version: LOCK_VERSION, project: rules.project, environments: sortKeys(environments), resources };
  return { ...content, hash: lockHash(content) };
}

/** The lock the stacks imply now (one snapshot per environment, as read): normalised once, then {@link buildLock}. */
export function lockFromSnapshots(snapshots: readonly Snapshot[], rules: RuleSet): ParityLock {
  const views = snapshots.map(packView);
  return buildLock(
    views.map((s) => normaliseSnapshot(s, rules)),
    rules,
    views,
  );
}

/**
 * A stack as a stack policy sees it: the engine sends AnalyzeStack each resource's outputs (a preview: inputs merged
 * with what the provider knows) with the engine's secret marks ({@link stackPolicyOutputs}), the inputs where a
 * source has no outputs. The lock is of this view.
 */
export function packView(snapshot: Snapshot): Snapshot {
  return {
    ...snapshot,
    resources: snapshot.resources.map((r) => (r.outputs ? { ...r, props: stackPolicyOutputs(r)! } : r)),
  };
}

function holdsSecretInside(v: unknown, depth = 0): boolean {
  if (isSecret(v)) return true;
  if (v === null || typeof v !== "object" || depth > 64) return false;
  for (const x of Array.isArray(v) ? v : Object.values(v)) if (holdsSecretInside(x, depth + 1)) return true;
  return false;
}

/** The engine's `annotateSecrets(outs, ins)` (provider_plugin.go): objects recursively, else the whole value. */
function annotateSecrets(out: unknown, ins: unknown, depth: number): unknown {
  if (!isPlainObject(out) || isSecret(out) || !isPlainObject(ins) || isSecret(ins) || depth > 64) return out;
  const res: Record<string, unknown> = { ...out };
  for (const [k, i] of Object.entries(ins)) {
    if (!Object.prototype.hasOwnProperty.call(out, k)) continue;
    const o = out[k];
    if (isPlainObject(o) && !isSecret(o) && isPlainObject(i) && !isSecret(i)) res[k] = annotateSecrets(o, i, depth + 1);
    else if (!isSecret(o) && holdsSecretInside(i)) res[k] = { [SIG_KEY]: SECRET_SIG, value: o };
  }
  return res;
}

/**
 * A resource's outputs with the secret marks the engine gives them (what AnalyzeStack receives, before the policy
 * SDK unwraps every secret to its plaintext). A provider that accepts no secrets (the AWS provider: its SDKv2 and
 * plugin-framework halves answer Configure without `acceptSecrets`) gets its outputs annotated from the inputs,
 * objects recursively, so an env var map with one secret variable stays a map with one secret. The SDK's mock
 * monitor instead lifts a nested secret to the whole top-level property (`deserializeProperty`: "push secretness up
 * to the top level") and echoes it as the output: such an output is put back in the engine's form — its value, or
 * the input (the mocks' state echoes its inputs) when the plan kept no value of the secret. A property secret as a
 * whole on the input, or named in `additionalSecretOutputs`, stays secret as a whole.
 */
export function stackPolicyOutputs(r: Snapshot["resources"][number]): Record<string, unknown> | undefined {
  const outs = r.outputs;
  if (!isPlainObject(outs)) return undefined;
  const ins = isPlainObject(r.props) ? r.props : {};
  const aso = new Set(Array.isArray(r.additionalSecretOutputs) ? r.additionalSecretOutputs : []);
  let res: Record<string, unknown> | undefined;
  for (const [k, o] of Object.entries(outs)) {
    const i = ins[k];
    if (!isSecret(o) || aso.has(k) || !isPlainObject(i) || isSecret(i) || !holdsSecretInside(i)) continue;
    const inner = (o as { value?: unknown }).value;
    (res ??= { ...outs })[k] = annotateSecrets(isPlainObject(inner) ? inner : i, i, 0);
  }
  return res ?? outs;
}

/** One snapshot per environment: the first stack of each (a lock describes environments). */
export function firstPerEnvironment<T extends { readonly context: { readonly env: string } }>(
  snapshots: readonly T[],
): T[] {
  const seen = new Set<string>();
  return snapshots.filter((s) => !seen.has(s.context.env) && seen.add(s.context.env));
}

/**
 * Policy config with the lock given to `parity-consistency-rules` (beside whatever config it already has); without a
 * lock, `lock: false`: a project directory with no lock file is checked without one, even by a pack that has a lock
 * of a project of the same name built in.
 */
export function withLockConfig<C extends Readonly<Record<string, unknown>>>(
  config: C,
  lock: ParityLock | false | undefined,
): C {
  const policy = "parity-consistency-rules";
  const prev = config[policy];
  const entry = typeof prev === "string" ? { enforcementLevel: prev } : isPlainObject(prev) ? prev : {};
  return { ...config, [policy]: { ...entry, lock: lock || false } };
}

/** The lock file's text: sorted keys, two-space indent, one leaf per line, a final newline. */
export function serialiseLock(lock: ParityLock): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (isPlainObject(v))
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sorted(v[k])]),
      );
    return v;
  };
  const { hash, ...rest } = lock;
  return `${JSON.stringify({ ...(sorted(rest) as object), hash }, null, 2)}\n`;
}

/** `<dir of rules>/<project>.parity-lock.json`. */
export function lockFileFor(rules: RuleSet): string {
  return path.join(path.dirname(rules.origin), `${rules.project}.parity-lock.json`);
}

// ---------------------------------------------------------------------------------------------- read

function fail(origin: string, where: string, what: string): never {
  throw new InputError(origin, where, what);
}

/**
 * Validates a lock object (from a file or policy config). Structure errors name the place; a hash that does not
 * match the content means the file was edited by hand (run `parity lock`).
 */
export function parseLock(obj: unknown, origin: string): ParityLock {
  if (!isPlainObject(obj)) fail(origin, "", "a parity lock must be a JSON object");
  const validateLock = schemaValidator("lock", lockSchema);
  if (!validateLock(obj)) {
    const [d] = describeAjvErrors(validateLock.errors, obj);
    if (d && d.path !== "version") fail(origin, d.path, d.message);
  }
  if (obj.version !== LOCK_VERSION)
    fail(origin, "version", `must be ${LOCK_VERSION} (got ${renderValue(obj.version)})`);
  if (typeof obj.project !== "string" || !obj.project) fail(origin, "project", "must be a non-empty string");
  if (typeof obj.hash !== "string" || !/^sha256:[0-9a-f]{64}$/.test(obj.hash))
    fail(origin, "hash", "must be sha256:<64 hex digits>");
  if (!isPlainObject(obj.environments)) fail(origin, "environments", "must be an object");
  for (const [e, v] of Object.entries(obj.environments)) {
    if (!isPlainObject(v) || (v.suffix !== undefined && typeof v.suffix !== "string"))
      fail(origin, `environments.${e}`, "must be an object with an optional string suffix");
  }
  if (!isPlainObject(obj.resources)) fail(origin, "resources", "must be an object");
  for (const [k, r] of Object.entries(obj.resources)) {
    const at = `resources["${k}"]`;
    if (!isPlainObject(r)) fail(origin, at, "must be an object");
    if (typeof r.type !== "string") fail(origin, `${at}.type`, "must be a string");
    if (!Array.isArray(r.in) || !r.in.every((e) => typeof e === "string"))
      fail(origin, `${at}.in`, "must be a list of environment names");
    if (!isPlainObject(r.props)) fail(origin, `${at}.props`, "must be an object");
    if (r.exact !== undefined && !isPlainObject(r.exact)) fail(origin, `${at}.exact`, "must be an object");
    if (r.varies !== undefined && (!Array.isArray(r.varies) || !r.varies.every((p) => typeof p === "string")))
      fail(origin, `${at}.varies`, "must be a list of paths");
  }
  const lock = obj as unknown as ParityLock;
  const actual = lockHash(lock);
  if (actual !== lock.hash)
    fail(
      origin,
      "hash",
      `does not match the content (${actual}): the lock was edited by hand; run \`parity lock\` to rewrite it`,
    );
  return lock;
}

export function loadLock(file: string): ParityLock {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new InputError(file, "", `cannot read (${(e as NodeJS.ErrnoException).code ?? "error"})`);
  }
  return parseLock(parseJsonFile(text, file), file);
}

const parsed = new Map<string, ParityLock | Error>();

/** {@link parseLock}, memoised by the lock's hash (policy config hands a fresh object per call). */
export function lockFromObject(obj: unknown, origin: string): ParityLock {
  const key = isPlainObject(obj) && typeof obj.hash === "string" ? `${origin}\u0000${obj.hash}` : undefined;
  let r = key ? parsed.get(key) : undefined;
  if (!r) {
    try {
      r = parseLock(obj, origin);
    } catch (e) {
      r = e instanceof Error ? e : new Error(String(e));
    }
    if (key) {
      if (parsed.size > 50) parsed.clear();
      parsed.set(key, r);
    }
  }
  if (r instanceof Error) throw r;
  return r;
}

// ---------------------------------------------------------------------------------------------- check one stack

function label(key: string): string {
  return key;
}

function isUnknownHere(leaves: Leaves, segs: readonly string[]): boolean {
  for (let i = segs.length - 1; i > 0; i--)
    if (leaves.get(segs.slice(0, i).join("."))?.value === LOCK_UNKNOWN) return true;
  return false;
}

/** Paths the lock records as `[secret]` (props and exact), or undefined when there are none. */
function lockedSecrets(locked: LockedResource): Set<string> | undefined {
  let out: Set<string> | undefined;
  for (const field of [locked.props, locked.exact ?? {}])
    for (const [p, v] of Object.entries(field)) if (v === SECRET_PLACEHOLDER) (out ??= new Set()).add(p);
  return out;
}

/** Every proper prefix of the leaves' paths (a locked secret is present when its plaintext here is an object). */
function leafPrefixes(leaves: Leaves): Set<string> {
  const out = new Set<string>();
  for (const { segs } of leaves.values()) for (let i = 1; i < segs.length; i++) out.add(segs.slice(0, i).join("."));
  return out;
}

function underSecret(secrets: ReadonlySet<string>, segs: readonly string[]): boolean {
  for (let i = segs.length - 1; i > 0; i--) if (secrets.has(segs.slice(0, i).join("."))) return true;
  return false;
}

/** The path of an ancestor that is `[secret]` here (the property secret as a whole), if any. */
function secretAncestorHere(leaves: Leaves, segs: readonly string[]): string | undefined {
  for (let i = segs.length - 1; i > 0; i--) {
    const p = segs.slice(0, i).join(".");
    if (leaves.get(p)?.value === SECRET_PLACEHOLDER) return p;
  }
  return undefined;
}

function hasLockedUnder(locked: LockedResource, p: string): boolean {
  const pre = `${p}.`;
  for (const field of [locked.props, locked.exact ?? {}])
    for (const k of Object.keys(field)) if (k.startsWith(pre)) return true;
  return false;
}

function underLockedUnknown(props: Readonly<Record<string, unknown>>, segs: readonly string[]): boolean {
  for (let i = segs.length - 1; i > 0; i--) if (props[segs.slice(0, i).join(".")] === LOCK_UNKNOWN) return true;
  return false;
}

/**
 * One stack against the lock (the pack's check). `snap` must be normalised with the lock's suffix for its
 * environment (see {@link lockContext}). Findings: `fail` for a property or inventory difference, `indeterminate` for
 * a locked value unknown here.
 */
export function checkAgainstLock(snap: NormalisedSnapshot, lock: ParityLock, rules: RuleSet): Finding[] {
  const env = envName(snap);
  const out: Finding[] = [];
  const file = snap.origin;
  const ids = identities(snap);
  const base = (key: string, r: NormalisedResource | undefined) => ({
    kind: "parity" as const,
    environments: [env],
    resource: key,
    ...(typeof r?.original?.urn === "string" ? { urn: r.original.urn } : {}),
    file,
  });
  for (const [key, r] of snap.resources) {
    if (r.type === CONFIG_TYPE) continue;
    const locked = lock.resources[key];
    if (!locked || !locked.in.includes(env)) {
      const where = locked ? `only in ${locked.in.join(", ")}` : "in no environment";
      out.push({
        ...base(key, r),
        ruleId: LOCK_RULES.inventory,
        status: "fail",
        severity: "high",
        path: "$present",
        values: { [env]: "present", lock: locked ? locked.in.join(", ") : "absent" },
        message: `${label(key)} exists in ${env}; the lock expects it ${where} (${LOCK_RULES.inventory})`,
      });
      continue;
    }
    const here = resourceLeaves(r, ids);
    const varies = locked.varies && locked.varies.length > 0 ? new Set(locked.varies) : undefined;
    // Leaves the lock records as `[secret]` are compared by presence only, and their value here is never compared,
    // walked into or shown. The pack reads the stack with its secrets wrapped again (policy-pack/lib/sdk/secrets.js:
    // the policy SDK unwraps them), so a secret here is `[secret]` too; a plaintext handed in without the marks (a
    // caller that has none) is still only checked for presence at a locked secret.
    const secrets = lockedSecrets(locked);
    const prefixes = secrets ? leafPrefixes(here) : undefined;
    // One lock mismatch finding of this resource at `p`; the message ends with the rule id.
    const report = (p: string, status: "fail" | "indeterminate", values: Record<string, unknown>, text: string) =>
      out.push({
        ...base(key, r),
        ruleId: LOCK_RULES.mismatch,
        status,
        severity: "high",
        path: p,
        values,
        message: `${text} (${LOCK_RULES.mismatch})`,
      });
    const mismatch = (p: string, lockedValue: unknown, value: unknown) => {
      if (lockedValue === LOCK_UNKNOWN) return;
      const segs = here.get(p)?.segs ?? p.split(".");
      const hidden = value === undefined ? secretAncestorHere(here, segs) : undefined;
      if (hidden !== undefined) {
        // the locked value is not shown: it may be what the secret holds here
        report(
          p,
          "indeterminate",
          { lock: SECRET_PLACEHOLDER, [env]: SECRET_PLACEHOLDER },
          `${label(key)}: ${p} is inside ${hidden}, secret as a whole in ${env}; the lock has a value there (not shown)`,
        );
        return;
      }
      if (lockedValue === SECRET_PLACEHOLDER) {
        if (value !== undefined || prefixes?.has(p)) return;
        report(
          p,
          "fail",
          { lock: SECRET_PLACEHOLDER, [env]: "<absent>" },
          `${label(key)}: ${p} is <absent> in ${env}; the lock says ${SECRET_PLACEHOLDER} (a secret in every other environment)`,
        );
        return;
      }
      if (value === undefined && isUnknownHere(here, segs)) value = LOCK_UNKNOWN;
      if (value === LOCK_UNKNOWN) {
        report(
          p,
          "indeterminate",
          { lock: lockedValue, [env]: LOCK_UNKNOWN },
          `${label(key)}: ${p} is unknown at preview in ${env}; the lock says ${renderValue(lockedValue)}`,
        );
        return;
      }
      if (value !== undefined && deepEqual(value, lockedValue)) return;
      if (value === SECRET_PLACEHOLDER) {
        // A secret here where every environment had a plain value: the locked value is not shown either (it may be
        // what the secret holds now).
        report(
          p,
          "fail",
          { lock: SECRET_PLACEHOLDER, [env]: SECRET_PLACEHOLDER },
          `${label(key)}: ${p} is ${SECRET_PLACEHOLDER} in ${env}; the lock has a plain value there (not shown: it is secret here)`,
        );
        return;
      }
      report(
        p,
        "fail",
        { lock: lockedValue, [env]: value },
        `${label(key)}: ${p} is ${renderValue(value)} in ${env}; the lock says ${renderValue(lockedValue)}`,
      );
    };
    for (const [p, v] of Object.entries(locked.props)) mismatch(p, v, here.get(p)?.value);
    if (locked.exact) {
      const raw = rawLeaves(r);
      for (const [p, v] of Object.entries(locked.exact)) mismatch(p, v, raw.get(p)?.value);
    }
    for (const [p, { segs, value }] of here) {
      if (p in locked.props || (locked.exact && p in locked.exact) || varies?.has(p)) continue;
      if (rules.approvalFor(r.type, r.logicalId, segs)) continue;
      if (underLockedUnknown(locked.props, segs)) continue;
      // inside a locked secret (its plaintext read as a JSON object), or a secret here hiding locked leaves (reported above)
      if (secrets && underSecret(secrets, segs)) continue;
      if (value === SECRET_PLACEHOLDER && hasLockedUnder(locked, p)) continue;
      out.push({
        ...base(key, r),
        ruleId: LOCK_RULES.mismatch,
        status: "fail",
        severity: "high",
        path: p,
        values: { lock: "<absent>", [env]: value },
        message: `${label(key)}: ${p} is ${renderValue(value)} in ${env}; the lock has no value there (not agreed by all environments) (${LOCK_RULES.mismatch})`,
      });
    }
  }
  for (const [key, locked] of Object.entries(lock.resources)) {
    if (!locked.in.includes(env) || snap.resources.has(key)) continue;
    out.push({
      kind: "parity",
      environments: [env],
      resource: key,
      file,
      ruleId: LOCK_RULES.inventory,
      status: "fail",
      severity: "high",
      path: "$present",
      values: { [env]: "absent", lock: locked.in.join(", ") },
      message: `${label(key)} is missing in ${env}; the lock expects it in ${locked.in.join(", ")} (${LOCK_RULES.inventory})`,
    });
  }
  return out;
}

/** The snapshot's context completed with what the lock knows about its environment (the suffix). */
export function lockContext(snapshot: Snapshot, lock: ParityLock): Snapshot {
  const suffix = lock.environments[snapshot.context.env]?.suffix;
  return suffix && !snapshot.context.suffix ? { ...snapshot, context: { ...snapshot.context, suffix } } : snapshot;
}

/** Normalises `snapshot` as the lock was built and checks it. */
export function checkSnapshotAgainstLock(snapshot: Snapshot, lock: ParityLock, rules: RuleSet): Finding[] {
  return checkAgainstLock(normaliseSnapshot(lockContext(snapshot, lock), rules), lock, rules);
}

// ---------------------------------------------------------------------------------------------- stale

/** What changed from `old` to `now`, one line per change (empty: the lock is current). */
export function diffLocks(old: ParityLock, now: ParityLock): string[] {
  if (old.hash === now.hash) return [];
  const lines: string[] = [];
  if (old.project !== now.project) lines.push(`project: ${old.project} → ${now.project}`);
  for (const e of new Set([...Object.keys(old.environments), ...Object.keys(now.environments)])) {
    if (!deepEqual(old.environments[e], now.environments[e]))
      lines.push(`environments.${e}: ${renderValue(old.environments[e])} → ${renderValue(now.environments[e])}`);
  }
  const keys = [...new Set([...Object.keys(old.resources), ...Object.keys(now.resources)])].sort();
  for (const k of keys) {
    const a = old.resources[k];
    const b = now.resources[k];
    if (!a) {
      lines.push(`${k}: new resource (in ${b.in.join(", ")})`);
      continue;
    }
    if (!b) {
      lines.push(`${k}: removed (was in ${a.in.join(", ")})`);
      continue;
    }
    if (a.in.join() !== b.in.join()) lines.push(`${k}: in ${a.in.join(", ")} → ${b.in.join(", ")}`);
    const va = new Set(a.varies ?? []);
    const vb = new Set(b.varies ?? []);
    for (const p of [...vb].filter((x) => !va.has(x) && !(x in a.props) && !(x in (a.exact ?? {}))).sort())
      lines.push(`${k}: ${p}: now differs between environments (was pinned or absent)`);
    for (const p of [...va].filter((x) => !vb.has(x) && !(x in b.props) && !(x in (b.exact ?? {}))).sort())
      lines.push(`${k}: ${p}: no longer differs between environments`);
    for (const field of ["props", "exact"] as const) {
      const pa = a[field] ?? {};
      const pb = b[field] ?? {};
      for (const p of [...new Set([...Object.keys(pa), ...Object.keys(pb)])].sort()) {
        const va = pa[p];
        const vb = pb[p];
        if (va !== undefined && vb !== undefined && deepEqual(va, vb)) continue;
        const where = field === "exact" ? `${p} (exact)` : p;
        if (vb === undefined)
          lines.push(`${k}: ${where}: ${renderValue(va)} → no longer agreed (environments differ or the path is gone)`);
        else if (va === undefined) lines.push(`${k}: ${where}: not locked → ${renderValue(vb)}`);
        else lines.push(`${k}: ${where}: ${renderValue(va)} → ${renderValue(vb)}`);
      }
    }
  }
  if (lines.length === 0) lines.push("content differs (hash)");
  return lines;
}

/** Stale-lock findings for `parity check`: one per change, failing. */
export function staleLockFindings(old: ParityLock, now: ParityLock, file: string): Finding[] {
  return diffLocks(old, now).map((line) => ({
    ruleId: LOCK_RULES.stale,
    status: "fail" as const,
    severity: "high" as const,
    kind: "parity" as const,
    message: `the lock is stale: ${line}; run \`parity lock\` and review the diff (${LOCK_RULES.stale})`,
    environments: Object.keys(now.environments),
    file,
  }));
}
