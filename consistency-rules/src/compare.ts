/**
 * The one comparer. Compares normalised stacks under a rule set and says what differs, what is approved and what
 * cannot be decided yet. `compareSnapshots` compares environments with each other; `checkStack` is the single-stack
 * form the policy pack uses (pinned `expect` values and each approval's value for this environment).
 *
 * Paths are compared leaf by leaf (objects by key, arrays by index, JSON-object strings by key; see paths.ts);
 * an invariant or approval on a path covers every leaf below it, and its value spec is checked on the value at its own
 * path. Stack config is compared as the pseudo-resource `config::config` (keys without the project namespace).
 */
import { checkNormalisedCidrOverlaps, CIDR_OVERLAP_RULE_ID } from "./cidr";
import type { Finding, NormalisedResource, NormalisedSnapshot, Severity } from "./model";
import { normaliserOf, normaliseValue, setsAt, stringNormaliser } from "./normalise";
import {
  container,
  deepEqual,
  describeSpec,
  expandPath,
  getAt,
  isPlainObject,
  joinPath,
  mapSpecLiterals,
  renderValue,
  satisfies,
  specKind,
  splitPath,
  type ValueSpec,
} from "./paths";
import { type Approval, CONFIG_TYPE, type Invariant, isExpired, PRESENT_PATH, type RuleSet } from "./rules";
import { containsUnknown, isSecret, SECRET_PLACEHOLDER, UNKNOWN } from "./sentinels";

export const PARITY_RULES = {
  unapproved: "parity-unapproved-difference",
  inventory: "parity-resource-inventory",
  expired: "parity-approval-expired",
  unknownEnvironment: "parity-unknown-environment",
  destroyable: "parity-resource-destroyable",
  cidrOverlap: CIDR_OVERLAP_RULE_ID,
  sharedSecret: "parity-shared-secret-ciphertext",
} as const;

const SEVERITY: Record<"unapproved" | "inventory" | "expired" | "approved" | "destroyable", Severity> = {
  unapproved: "high",
  inventory: "high",
  expired: "medium",
  approved: "low",
  destroyable: "high",
};

/** The pseudo-path under which the `ignoreChanges` resource option is compared (a sorted list, compared whole). */
export const IGNORE_CHANGES_PATH = "$ignoreChanges";

/** One environment's view of one resource (or of the config). */
interface Row {
  readonly env: string;
  readonly props: unknown;
  readonly urn?: string;
  readonly file: string;
  readonly snap: NormalisedSnapshot;
  /** The resource (absent for the config pseudo-resource). */
  readonly resource?: NormalisedResource;
  /** The same values before normalisation: a subtree identical here is never a difference. */
  readonly raw: unknown;
  /** The values as the source has them (sets in the normalised order), to show in findings; never compared. */
  readonly display?: unknown;
}

interface Subject {
  readonly type: string;
  readonly logicalId: string;
  /**
   * Aligned with the snapshots; undefined where the resource is absent: the resource (its row is built by
   * {@link rowsOf} when the subject is compared) or the config pseudo-resource's row.
   */
  readonly slots: (Row | NormalisedResource | undefined)[];
  readonly places: readonly SnapshotPlace[];
}

type Verdict = "ok" | "bad" | "unknown";

// ---------------------------------------------------------------------------------------------- helpers

function envOf(s: NormalisedSnapshot): string {
  const c = isPlainObject(s?.context) ? s.context : ({} as Partial<NormalisedSnapshot["context"]>);
  return (typeof c.env === "string" && c.env) || (typeof c.stack === "string" && c.stack) || String(s?.origin ?? "?");
}

/** Deep redaction: no secret marker survives into a finding, whatever the input. */
export function redact(v: unknown, depth = 0): unknown {
  if (isSecret(v)) return SECRET_PLACEHOLDER;
  if (depth > 100 || v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map((x) => redact(x, depth + 1));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redact(x, depth + 1)]));
}

/** `aws:sqs/queue:Queue` → `sqs queue`; `aws:s3/bucketVersioning:BucketVersioning` → `s3 bucket versioning`. */
export function labelOf(type: string): string {
  let label = labels.get(type);
  if (label === undefined) labels.set(type, (label = labelOfType(type)));
  return label;
}
const labels = new Map<string, string>();
function labelOfType(type: string): string {
  if (type === CONFIG_TYPE) return "config";
  if (type.startsWith("pulumi:providers:")) return "provider";
  const [, mod = "", name = type] = type.split(":");
  const words = name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
  return `${mod.split("/")[0]} ${words}`.trim();
}

/** How a finding names its subject: `lambda function ingest-validator-function`, or `stack config` for config keys. */
function subjectLabel(subject: { readonly type: string; readonly logicalId: string }): string {
  return subject.type === CONFIG_TYPE ? "stack config" : `${labelOf(subject.type)} ${subject.logicalId}`;
}

/** Values per env, redacted; a value secret in one environment is `[secret]` in every environment. */
function valuesOf(rows: readonly Row[], get: (r: Row) => unknown): Record<string, unknown> {
  // `Object.fromEntries(rows.map(…))` as a loop (one per invariant per resource): own data properties, in order, a
  // repeated environment's last value at its first place; `__proto__` (a stack may be named so) stays a key.
  const out: Record<string, unknown> = {};
  let secret = false;
  for (let i = 0; i < rows.length; i++) {
    const v = redact(get(rows[i]));
    if (v === SECRET_PLACEHOLDER) secret = true;
    const env = rows[i].env;
    if (env === "__proto__")
      Object.defineProperty(out, env, { value: v, enumerable: true, writable: true, configurable: true });
    else out[env] = v;
  }
  return secret ? secretEverywhere(out) : out;
}

function secretEverywhere(values: Record<string, unknown>): Record<string, unknown> {
  const vs = Object.values(values);
  if (!vs.includes(SECRET_PLACEHOLDER)) return values;
  return Object.fromEntries(
    Object.keys(values).map((k) => [k, values[k] === undefined ? undefined : SECRET_PLACEHOLDER]),
  );
}

function renderValues(values: Record<string, unknown>): string {
  return Object.entries(values)
    .map(([env, v]) => `${env}=${renderValue(v)}`)
    .join(", ");
}

/** A spec written in raw terms (`"dev"`, `"arn:aws:…:111111111111:…"`) normalised like the env's values. */
function specFor(
  spec: ValueSpec,
  row: Row,
  at?: { readonly type: string; readonly segs: readonly string[] },
): ValueSpec {
  const norm = normaliserFor(row);
  // The same spec on the same path of the same type, normalised by the same normaliser, is the same value: an
  // invariant is checked on every resource of its type, so it is normalised once per environment, not once per resource.
  let bySpec = specCache.get(norm);
  if (!bySpec) specCache.set(norm, (bySpec = new Map()));
  let node = bySpec.get(spec);
  if (!node) bySpec.set(spec, (node = { next: new Map() }));
  // A trie on the type and then each segment: no key string to build per check.
  if (at) {
    node = node.next.get(at.type) ?? setNode(node, at.type);
    for (const k of at.segs) node = node.next.get(k) ?? setNode(node, k);
  }
  if (node.done) return node.value;
  const out = mapSpecLiterals(spec, (v) =>
    at ? setsAt(at.type, at.segs, normaliseValue(v, norm)) : normaliseValue(v, norm),
  );
  node.done = true;
  node.value = out;
  return out;
}
interface SpecNode {
  done?: boolean;
  value?: ValueSpec;
  readonly next: Map<string, SpecNode>;
}
function setNode(parent: SpecNode, k: string): SpecNode {
  const n: SpecNode = { next: new Map() };
  parent.next.set(k, n);
  return n;
}
const specCache = new WeakMap<object, Map<ValueSpec, SpecNode>>();
const normalisers = new WeakMap<object, ReturnType<typeof stringNormaliser>>();

function normaliserFor(row: Row): ReturnType<typeof stringNormaliser> {
  let norm = normaliserOf(row.snap) ?? normalisers.get(row.snap);
  if (!norm)
    normalisers.set(row.snap, (norm = stringNormaliser(isPlainObject(row.snap.context) ? row.snap.context : {})));
  return norm;
}

function judge(spec: ValueSpec, value: unknown): Verdict {
  // `{ any: true }` approves whatever the value is, including one not known until apply.
  if (specKind(spec) === "any") return "ok";
  if (containsUnknown(value)) return "unknown";
  if (satisfies(spec, value)) return "ok";
  if (value === SECRET_PLACEHOLDER && specKind(spec) !== "any") return "unknown";
  return "bad";
}

interface Base {
  readonly subject: Subject;
  readonly rows: readonly Row[];
  readonly path: string;
  /** The path's segments, where the finding's values are the rows' values there (for {@link rawValuesOf}). */
  readonly segs?: readonly string[];
}

/**
 * Each environment's value at `b.segs` as the source has it, redacted, where it normalises to the compared value
 * (anything else — a secret, a renamed key, an option pseudo-path — shows the normalised value). Undefined when no
 * environment's raw value differs from its normalised one.
 */
function rawValuesOf(b: Base, values: Readonly<Record<string, unknown>>): Record<string, unknown> | undefined {
  if (!b.segs) return undefined;
  let out: Record<string, unknown> | undefined;
  for (const r of b.rows) {
    const v = values[r.env];
    if (v === undefined || v === SECRET_PLACEHOLDER || r.display === undefined) continue;
    const raw = getAt(r.display, b.segs);
    if (raw === undefined || raw === v) continue;
    if (!deepEqual(normaliseValue(raw, normaliserFor(r)), v)) continue;
    const shown = redact(raw);
    if (deepEqual(shown, v)) continue;
    (out ??= { ...values })[r.env] = shown;
  }
  return out;
}

function finding(
  b: Base,
  f: Omit<Finding, "kind" | "environments" | "resource" | "urn" | "path" | "file"> & { environments?: string[] },
): Finding {
  const first = b.rows[0];
  const rawValues = f.values ? rawValuesOf(b, f.values) : undefined;
  // Field by field, in the order (and with the overrides) of `{ kind, …, ...(urn && { urn }), …, ...f, ...raw }`.
  const out: Record<string, unknown> = {
    kind: "parity",
    environments: f.environments ?? b.rows.map((r) => r.env),
    resource: `${b.subject.type}::${b.subject.logicalId}`,
  };
  if (first?.urn) out.urn = first.urn;
  out.path = b.path;
  out.file = first?.file;
  for (const k of Object.keys(f)) out[k] = (f as Record<string, unknown>)[k];
  if (rawValues) {
    out.rawValues = rawValues;
    out.message = rawMessage(f.message, f.values!, rawValues);
  }
  return out as unknown as Finding;
}

/** The message with the values as the source has them where it quotes the compared (normalised) ones. */
function rawMessage(message: string, values: Readonly<Record<string, unknown>>, raw: Record<string, unknown>): string {
  const envs = Object.keys(values);
  if (envs.length === 1) {
    const [e] = envs;
    const from = ` is ${renderValue(values[e])} in ${e}`;
    return message.replace(from, () => ` is ${renderValue(raw[e])} in ${e}`);
  }
  // `differs: dev=…, staging=…`, `differs as approved by <id>: dev=…, …`
  if (message.includes(renderValues(values))) return message.replace(renderValues(values), () => renderValues(raw));
  // `is "{env}-x" in dev, staging, prod` (equal as compared) → `is dev="dev-x", staging="staging-x", prod="prod-x"`
  const same = ` is ${renderValue(values[envs[0]])} in ${envs.join(", ")}`;
  return message.replace(same, () => ` is ${renderValues(raw)}`);
}

function head(b: Base): string {
  return `${subjectLabel(b.subject)}: ${b.path}`;
}

function approvalInfo(a: {
  readonly id: string;
  readonly reason: string;
  readonly owner: string;
  readonly expires?: string;
}): NonNullable<Finding["approval"]> {
  return { id: a.id, reason: a.reason, owner: a.owner, ...(a.expires ? { expires: a.expires } : {}) };
}

// ---------------------------------------------------------------------------------------------- subjects

function configRows(snap: NormalisedSnapshot, project: string): Record<string, unknown> {
  const prefix = `${project}:`;
  return Object.fromEntries(
    Object.entries(snap.config ?? {}).map(([k, v]) => [k.startsWith(prefix) ? k.slice(prefix.length) : k, v]),
  );
}

/**
 * The subjects of the snapshots, paired by key. A resource's row (its props with the options beside them) is built
 * only when its subject is compared ({@link rowsOf}), so rows live as long as one subject's comparison, not the
 * whole run's.
 */
function collectSubjects(snaps: readonly NormalisedSnapshot[], rules: RuleSet): Subject[] {
  const byKey = new Map<string, Subject>();
  const add = (i: number, type: string, logicalId: string, slot: Row | NormalisedResource, pairKey?: string) => {
    const key = pairKey ?? `${type}::${logicalId}`;
    let s = byKey.get(key);
    if (!s) byKey.set(key, (s = { type, logicalId, slots: snaps.map(() => undefined), places }));
    s.slots[i] = slot;
  };
  const places: SnapshotPlace[] = snaps.map((snap) => ({ env: envOf(snap), file: String(snap?.origin ?? ""), snap }));
  snaps.forEach((snap, i) => {
    const { env, file } = places[i];
    const resources = snap?.resources instanceof Map ? snap.resources : new Map();
    // normaliseSnapshot keys its map by the pairing key (`key`, else `type::logicalId`): the key it already hashed is
    // used as it is, not rebuilt per resource. Snapshots made otherwise are paired by the key their resources state.
    const keyed = normaliserOf(snap) !== undefined;
    for (const [mapKey, r] of resources) {
      const pairKey = keyed ? (mapKey as string) : typeof r.key === "string" ? r.key : undefined;
      add(i, String(r.type), String(r.logicalId), r as NormalisedResource, pairKey);
    }
    if (isPlainObject(snap?.config)) {
      const raw =
        isPlainObject(snap.rawConfig) && snap.configCrossEnvironment !== true
          ? configRows({ ...snap, config: snap.rawConfig }, rules.project)
          : undefined;
      const display =
        raw ??
        (isPlainObject(snap.rawConfig) ? configRows({ ...snap, config: snap.rawConfig }, rules.project) : undefined);
      add(
        i,
        CONFIG_TYPE,
        CONFIG_TYPE,
        configRow({ env, props: configRows(snap, rules.project), file, snap, raw, display }),
      );
    }
  });
  return [...byKey.values()];
}

/** Where a snapshot's rows come from: its environment, file and the snapshot. */
interface SnapshotPlace {
  readonly env: string;
  readonly file: string;
  readonly snap: NormalisedSnapshot;
}

/** Config rows are built up front (one per snapshot) and told apart from the resources waiting for their rows. */
const configRowSet = new WeakSet<Row>();
function configRow(row: Row): Row {
  configRowSet.add(row);
  return row;
}

/** The rows of a subject, aligned with the snapshots (undefined where it is absent), built now. */
function rowsOf(subject: Subject): (Row | undefined)[] {
  return subject.slots.map((slot, i) =>
    slot === undefined
      ? undefined
      : // only the config subject holds config rows (a resource of that type and id would pair with it)
        subject.type === CONFIG_TYPE && configRowSet.has(slot as Row)
        ? (slot as Row)
        : resourceRow(subject.places[i], slot as NormalisedResource),
  );
}

/** One environment's row of a resource: its props with the resource options beside them (`$parent`, …). */
function resourceRow(place: SnapshotPlace, r: NormalisedResource): Row {
  const ic = Array.isArray(r.ignoreChanges) ? r.ignoreChanges : undefined;
  const opts = isPlainObject(r.options) ? r.options : undefined;
  // Only read (spread into the props below): the options themselves when there is no `ignoreChanges`.
  const extra = ic ? { ...opts, [IGNORE_CHANGES_PATH]: ic } : opts;
  const props = extra && isPlainObject(r.props) ? { ...r.props, ...extra } : r.props;
  const rawProps =
    r.crossEnvironment === true
      ? undefined
      : isPlainObject(r.rawProps)
        ? r.rawProps
        : isPlainObject(r.original?.props)
          ? r.original.props
          : undefined;
  const raw = rawProps && extra ? { ...rawProps, ...extra } : rawProps;
  return {
    env: place.env,
    props,
    urn: typeof r.original?.urn === "string" ? r.original.urn : undefined,
    file: place.file,
    snap: place.snap,
    resource: r,
    raw,
    display: isPlainObject(r.rawProps) ? r.rawProps : r.original?.props,
  };
}

// ---------------------------------------------------------------------------------------------- checks

function expiredFindings(rules: RuleSet, now: Date): Finding[] {
  const approvals = rules.approvals
    .filter((a) => isExpired(a, now))
    .map((a) => ({
      ruleId: PARITY_RULES.expired,
      status: "fail" as const,
      severity: SEVERITY.expired,
      kind: "parity" as const,
      message: `approval ${a.id} (${a.type} ${a.resource} ${a.path}) expired on ${a.expires}; renew or remove it (${PARITY_RULES.expired})`,
      environments: Object.keys(a.values),
      path: a.path,
      approval: approvalInfo(a),
      file: rules.origin,
    }));
  const exceptions = rules.iamExceptions
    .filter((e) => isExpired(e, now))
    .map((e) => ({
      ruleId: PARITY_RULES.expired,
      status: "fail" as const,
      severity: SEVERITY.expired,
      kind: "parity" as const,
      message: `IAM exception ${e.id} (${e.actions.join(", ")} on ${e.resource}) expired on ${e.expires}; its statements are no longer allowed: renew or remove it (${PARITY_RULES.expired})`,
      environments: rules.envNames,
      approval: approvalInfo(e),
      file: rules.origin,
    }));
  return [...approvals, ...exceptions];
}

/** `protect` / `retainOnDelete` on a resource: the environment cannot be destroyed (once per resource per env). */
function destroyableFindings(subject: Subject, rows: readonly Row[]): Finding[] {
  const out: Finding[] = [];
  for (const row of rows) {
    const o = row.resource?.original;
    if (o?.protect !== true && o?.retainOnDelete !== true) continue;
    const opts = [o?.protect === true ? "protect" : "", o?.retainOnDelete === true ? "retainOnDelete" : ""].filter(
      Boolean,
    );
    if (opts.length === 0) continue;
    out.push({
      ruleId: PARITY_RULES.destroyable,
      status: "fail",
      severity: SEVERITY.destroyable,
      kind: "parity",
      message: `${subjectLabel(subject)} has ${opts.join(" and ")} in ${row.env}: \`pulumi destroy\` cannot remove it; remove the option (${PARITY_RULES.destroyable})`,
      environments: [row.env],
      resource: `${subject.type}::${subject.logicalId}`,
      ...(row.urn ? { urn: row.urn } : {}),
      values: { [row.env]: opts.join(", ") },
      file: row.file,
    });
  }
  return out;
}

/** Invariants of a subject: equal across the rows and, with `expect`, equal to it. */
function invariantFindings(subject: Subject, rows: readonly Row[], inv: Invariant, passes = true): Finding[] {
  if (inv.path === PRESENT_PATH || (!inv.hasExpect && rows.length < 2)) return [];
  const pattern = splitPath(inv.path);
  // A path without `*` is its one concrete path (checked once per resource of the type: no list to expand and flatten).
  if (!pattern.includes("*")) return invariantAt(subject, rows, inv, pattern, inv.path, passes);
  const expanded = expandPath(
    rows.map((r) => r.props),
    pattern,
  );
  const concrete = expanded.length > 0 ? expanded : [pattern];
  return concrete.flatMap((segs) => invariantAt(subject, rows, inv, segs, joinPath(segs), passes));
}

/** One invariant on one concrete path (`path` is `segs` joined). */
function invariantAt(
  subject: Subject,
  rows: readonly Row[],
  inv: Invariant,
  segs: readonly string[],
  path: string,
  passes: boolean,
): Finding[] {
  const b: Base = { subject, rows, path, segs };
  const values = valuesOf(rows, (r) => getAt(r.props, segs));
  const vals = Object.values(values);
  if (!inv.hasExpect && vals.every((v) => v === undefined)) return [];
  const base = { ruleId: inv.id, severity: inv.severity, values };
  if (vals.some(containsUnknown)) {
    return [
      finding(b, {
        ...base,
        status: "indeterminate",
        message: `${head(b)} is unknown until apply in ${unknownEnvs(values)}; cannot check (${inv.id})`,
      }),
    ];
  }
  const verdicts = inv.hasExpect
    ? rows.map((r) => judge(specFor(inv.expect, r, { type: subject.type, segs }), values[r.env]))
    : [];
  const differs = !vals.every((v) => deepEqual(v, vals[0]));
  const bad = verdicts.includes("bad");
  if (!differs && !bad && verdicts.includes("unknown")) {
    return [
      finding(b, {
        ...base,
        status: "indeterminate",
        message: `${head(b)} is secret; cannot check against ${describeSpec(inv.expect)} (${inv.id})`,
      }),
    ];
  }
  if (!differs && !bad) {
    if (!passes) return NO_FINDINGS;
    // `{ ...base, status, message }` written out (one finding per resource of the type: the common case)
    return [
      finding(b, {
        ruleId: inv.id,
        severity: inv.severity,
        values,
        status: "pass",
        message: `${head(b)} is ${renderValue(vals[0])} in ${rows.map((r) => r.env).join(", ")} (${inv.id})`,
      }),
    ];
  }
  const what = differs
    ? `differs: ${renderValues(values)}`
    : `is ${renderValue(vals[0])} in ${rows.map((r) => r.env).join(", ")}`;
  const expected = inv.hasExpect ? `; expected ${describeSpec(inv.expect)}` : "";
  return [finding(b, { ...base, status: "fail", message: `${head(b)} ${what}${expected} (${inv.id})` })];
}

function unknownEnvs(values: Record<string, unknown>): string {
  return Object.entries(values)
    .filter(([, v]) => containsUnknown(v))
    .map(([e]) => e)
    .join(", ");
}

/** One differing path under an approval: approved if every env satisfies its spec and the approval is live. */
function approvalVerdict(b: Base, a: Approval, segs: readonly string[], now: Date): Finding {
  const values = valuesOf(b.rows, (r) => getAt(r.props, segs));
  const base = { ruleId: PARITY_RULES.unapproved, values };
  const verdicts = b.rows.map((r) =>
    r.env in a.values ? judge(specFor(a.values[r.env], r, { type: b.subject.type, segs }), values[r.env]) : "bad",
  );
  const expired = isExpired(a, now);
  if (!expired && verdicts.includes("unknown") && !verdicts.includes("bad")) {
    return finding(b, {
      ...base,
      severity: SEVERITY.unapproved,
      status: "indeterminate",
      message: `${head(b)} is unknown until apply in ${unknownEnvs(values) || "some environment"}; cannot check approval ${a.id} (${PARITY_RULES.unapproved})`,
    });
  }
  if (!expired && verdicts.every((v) => v === "ok")) {
    return finding(b, {
      ...base,
      severity: SEVERITY.approved,
      status: "approved",
      approval: approvalInfo(a),
      message: `${head(b)} differs as approved by ${a.id}: ${renderValues(values)} (${a.reason})`,
    });
  }
  const why = expired
    ? `approval ${a.id} expired on ${a.expires}`
    : `approval ${a.id} allows ${b.rows
        .filter((_, i) => verdicts[i] !== "ok")
        .map((r) => `${r.env}=${r.env in a.values ? describeSpec(a.values[r.env]) : "nothing"}`)
        .join(", ")}`;
  return finding(b, {
    ...base,
    severity: SEVERITY.unapproved,
    status: "fail",
    message: `${head(b)} differs: ${renderValues(values)}; ${why} (${PARITY_RULES.unapproved})`,
  });
}

/** Marks "no value at this path" in a walk (distinct from a value that is `undefined`). */
const ABSENT: unique symbol = Symbol("absent");
type Slot = unknown;
const MAX_WALK_DEPTH = 64;

function childSlot(c: unknown[] | Record<string, unknown> | undefined, key: string): Slot {
  if (c === undefined) return ABSENT;
  if (Array.isArray(c)) {
    const i = Number(key);
    return i >= 0 && i < c.length && String(i) === key ? c[i] : ABSENT;
  }
  return Object.prototype.hasOwnProperty.call(c, key) ? c[key] : ABSENT;
}

/** Deep equality that is false wherever an unknown value is met (unknown is never known to be equal). */
function sameKnown(a: unknown, b: unknown, depth = 0): boolean {
  if (a === UNKNOWN || b === UNKNOWN) return false;
  if (a === b) return typeof a !== "object" || a === null ? true : !containsUnknown(a);
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || depth > 200)
    return deepEqual(a, b) && !containsUnknown(a);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameKnown(a[i], b[i], depth + 1)) return false;
    return true;
  }
  if (Array.isArray(b) || !isPlainObject(a) || !isPlainObject(b)) return deepEqual(a, b) && !containsUnknown(a);
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka)
    if (!Object.prototype.hasOwnProperty.call(b, k) || !sameKnown(a[k], b[k], depth + 1)) return false;
  return true;
}

/**
 * `values.every((v) => sameKnown(v, values[0]))` without comparing the first value with itself (a whole walk for
 * unknowns): from two values on, the others being the same known value as the first implies the first is known.
 */
function allSameKnown(values: readonly unknown[]): boolean {
  if (values.length < 2) return values.every((v) => sameKnown(v, values[0]));
  for (let i = 1; i < values.length; i++) if (!sameKnown(values[i], values[0])) return false;
  return true;
}

/** Keys of all containers, first-seen order; the common case (same keys everywhere) allocates one array. */
function unionKeys(cs: readonly (unknown[] | Record<string, unknown> | undefined)[]): string[] {
  let keys: string[] | undefined;
  let set: Set<string> | undefined;
  for (const c of cs) {
    if (c === undefined) continue;
    const ks = Array.isArray(c) ? c.map((_, i) => String(i)) : Object.keys(c);
    if (keys === undefined) {
      keys = ks;
      continue;
    }
    if (ks.length === keys.length && ks.every((k, i) => k === keys![i])) continue;
    set ??= new Set(keys);
    for (const k of ks) set.add(k);
  }
  return set ? [...set] : (keys ?? []);
}

/**
 * Walks the rows' values at one path together and calls `onLeaf` for every leaf path (a path that is a leaf in at
 * least one row: a scalar, an empty object/array, or depth 64) whose values are not all equal. Objects are walked
 * by key, arrays by index, JSON-object strings by key; identical values (same reference or same string) are skipped
 * whole. `$ignoreChanges` is compared as a whole list.
 */
export function walkDifferences(
  slots: Slot[],
  segs: string[],
  onLeaf: (segs: string[], values: unknown[]) => void,
  raws?: Slot[],
): void {
  const n = slots.length;
  let same = true;
  for (let i = 1; i < n && same; i++) same = slots[i] === slots[0];
  if (same) {
    // Unknown in every environment is not "equal": it cannot be decided yet (indeterminate, fails under --strict).
    if (slots[0] === UNKNOWN && segs.length > 0) onLeaf(segs, slots.slice());
    return;
  }
  // A value secret in any environment compares as `[secret]` in every one: never walked, never printed.
  if (slots.includes(SECRET_PLACEHOLDER)) {
    if (slots.includes(ABSENT) && segs.length > 0)
      onLeaf(
        segs,
        slots.map((v) => (v === ABSENT ? undefined : SECRET_PLACEHOLDER)),
      );
    return;
  }
  // Identical before normalisation is identical, whatever normalisation did to each environment's copy (e.g. a stack
  // name inside a value that names all stacks, which becomes `{env}` in that stack only) — unless it holds an unknown.
  if (raws && !raws.includes(ABSENT) && allSameKnown(raws)) return;
  // Equal (and known) after normalisation in every environment: the walk below would find no leaf that differs, so the
  // subtree is compared once here instead of leaf by leaf (the common case: a resource identical in every environment).
  if (!slots.includes(ABSENT) && allSameKnown(slots)) return;
  const depth = segs.length;
  const atomic = depth >= MAX_WALK_DEPTH || (depth === 1 && segs[0] === IGNORE_CHANGES_PATH);
  const cs = new Array<unknown[] | Record<string, unknown> | undefined>(n);
  let leafSomewhere = false;
  let containers = 0;
  for (let i = 0; i < n; i++) {
    const v = slots[i];
    if (v === ABSENT) continue;
    const c = atomic ? undefined : container(v);
    const empty = c === undefined || (Array.isArray(c) ? c.length === 0 : Object.keys(c).length === 0);
    if (empty) leafSomewhere = true;
    else {
      cs[i] = c;
      containers++;
    }
  }
  if (leafSomewhere && depth > 0) {
    const values = slots.map((v) => (v === ABSENT ? undefined : v));
    let equal = true;
    for (let i = 1; i < n && equal; i++) equal = deepEqual(values[i], values[0]);
    if (!equal) onLeaf(segs, values);
  }
  if (containers === 0) return;
  const rawCs = raws?.map((r) => (r === ABSENT ? undefined : container(r)));
  for (const k of unionKeys(cs)) {
    const next = new Array<Slot>(n);
    for (let i = 0; i < n; i++) next[i] = childSlot(cs[i], k);
    // Raw values follow only while their keys are the normalised keys (a key normalisation renamed drops them).
    const rawNext = rawCs?.map((c) => childSlot(c, k));
    segs.push(k);
    walkDifferences(next, segs, onLeaf, rawNext && !rawNext.includes(ABSENT) ? rawNext : undefined);
    segs.pop();
  }
}

/** Leaf-by-leaf differences of a subject present in two or more environments. */
function differenceFindings(subject: Subject, rows: readonly Row[], rules: RuleSet, now: Date): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  walkDifferences(
    rows.map((r) => r.props),
    [],
    (leafSegs, leafValues) => {
      const segs = [...leafSegs];
      if (rules.invariantFor(subject.type, subject.logicalId, segs)) return;
      const a = rules.approvalFor(subject.type, subject.logicalId, segs);
      const covered = a ? segs.slice(0, splitPath(a.path).length) : segs;
      const key = `${a?.id ?? ""}|${covered.join("\u0000")}`;
      if (seen.has(key)) return;
      seen.add(key);
      const b: Base = { subject, rows, path: joinPath(covered), segs: covered };
      // Unknown in every environment is undecided: only an approval that allows anything in each of these
      // environments (`{ "any": true }`, "whatever it turns out to be") decides it; any narrower approval cannot.
      const unknownEverywhere = leafValues.every((v) => v === UNKNOWN);
      const allowsAnything =
        a !== undefined && rows.every((r) => a.values[r.env] !== undefined && specKind(a.values[r.env]) === "any");
      if (a && (!unknownEverywhere || allowsAnything)) {
        out.push(approvalVerdict(b, a, covered, now));
        return;
      }
      const values = secretEverywhere(Object.fromEntries(rows.map((r, i) => [r.env, redact(leafValues[i])])));
      const unknown = Object.values(values).some(containsUnknown);
      out.push(
        finding(b, {
          ruleId: PARITY_RULES.unapproved,
          severity: SEVERITY.unapproved,
          values,
          status: unknown ? "indeterminate" : "fail",
          message: unknown
            ? `${head(b)} is unknown until apply in ${unknownEnvs(values)}; cannot compare (${PARITY_RULES.unapproved})`
            : `${head(b)} differs: ${renderValues(values)} (${PARITY_RULES.unapproved})`,
        }),
      );
    },
    rows.every((r) => r.raw !== undefined) ? rows.map((r) => r.raw) : undefined,
  );
  return out;
}

/** A resource missing from some environments, unless a live `$present` approval allows each env's presence. */
function inventoryFinding(
  subject: Subject,
  all: readonly (Row | undefined)[],
  envs: readonly string[],
  rules: RuleSet,
  now: Date,
): Finding {
  const present = all.map((r) => r !== undefined);
  const rows = all.filter((r): r is Row => r !== undefined);
  const values = Object.fromEntries(envs.map((e, i) => [e, present[i] ? "present" : "absent"]));
  const b: Base = { subject, rows, path: PRESENT_PATH };
  const where = `present in ${envs.filter((_, i) => present[i]).join(", ")} only; absent in ${envs.filter((_, i) => !present[i]).join(", ")}`;
  const a = rules.approvalFor(subject.type, subject.logicalId, PRESENT_PATH);
  const ok = a && !isExpired(a, now) && envs.every((e, i) => e in a.values && satisfies(a.values[e], present[i]));
  const common = { ruleId: PARITY_RULES.inventory, values, environments: [...envs] };
  if (a && ok) {
    return finding(b, {
      ...common,
      severity: SEVERITY.approved,
      status: "approved",
      approval: approvalInfo(a),
      message: `${subjectLabel(subject)}: ${where}, as approved by ${a.id} (${a.reason})`,
    });
  }
  const why = a
    ? isExpired(a, now)
      ? `; approval ${a.id} expired on ${a.expires}`
      : `; approval ${a.id} does not allow this`
    : "";
  return finding(b, {
    ...common,
    severity: SEVERITY.inventory,
    status: "fail",
    message: `${subjectLabel(subject)}: ${where}${why} (${PARITY_RULES.inventory})`,
  });
}

function safeSnaps(snaps: readonly NormalisedSnapshot[]): NormalisedSnapshot[] {
  return (Array.isArray(snaps) ? snaps : []).filter((s): s is NormalisedSnapshot => isPlainObject(s));
}

/**
 * Compares environments: inventory, invariants (equality and `expect`), every differing leaf path against the
 * approvals, expired approvals. Config snapshots compare their config maps as `config::config`.
 */
export function compareSnapshots(
  snapshots: readonly NormalisedSnapshot[],
  rules: RuleSet,
  now: Date = new Date(),
): Finding[] {
  const snaps = safeSnaps(snapshots);
  const envs = snaps.map(envOf);
  const findings = expiredFindings(rules, now);
  const add = (fs: readonly Finding[]) => {
    for (const f of fs) findings.push(f);
  };
  for (const subject of collectSubjects(snaps, rules)) {
    const all = rowsOf(subject);
    const rows = withIgnoreChanges(all.filter((r): r is Row => r !== undefined));
    if (subject.type !== CONFIG_TYPE && rows.length < snaps.length)
      findings.push(inventoryFinding(subject, all, envs, rules, now));
    if (subject.type !== CONFIG_TYPE) add(destroyableFindings(subject, rows));
    for (const inv of rules.invariantsFor(subject.type, subject.logicalId)) add(invariantFindings(subject, rows, inv));
    if (rows.length >= 2) add(differenceFindings(subject, rows, rules, now));
  }
  add(sharedCiphertextFindings(snaps, rules));
  add(checkNormalisedCidrOverlaps(snaps, rules, now));
  return findings;
}

/**
 * The same ciphertext in two environments' stack configs: either one credential shared between environments, or a
 * value copied from another stack's file that this stack cannot decrypt (each stack has its own key). Never prints it.
 */
function sharedCiphertextFindings(snaps: readonly NormalisedSnapshot[], rules: RuleSet): Finding[] {
  const seen = new Map<string, { env: string; key: string; file: string }[]>();
  const prefix = `${rules.project}:`;
  for (const snap of snaps) {
    if (!isPlainObject(snap.rawConfig)) continue;
    const env = envOf(snap);
    for (const [k, v] of Object.entries(snap.rawConfig)) {
      const ct =
        isSecret(v) && typeof v.ciphertext === "string" && v.ciphertext
          ? v.ciphertext
          : isPlainObject(v) && typeof v.secure === "string"
            ? v.secure
            : undefined;
      if (!ct) continue;
      const key = k.startsWith(prefix) ? k.slice(prefix.length) : k;
      const list = seen.get(ct);
      const at = { env, key, file: String(snap.origin ?? "") };
      if (list) list.push(at);
      else seen.set(ct, [at]);
    }
  }
  const out: Finding[] = [];
  for (const list of seen.values()) {
    const envs = [...new Set(list.map((x) => x.env))];
    if (envs.length < 2) continue;
    const keys = [...new Set(list.map((x) => x.key))].join(", ");
    out.push({
      ruleId: PARITY_RULES.sharedSecret,
      status: "fail",
      severity: "high",
      kind: "parity",
      message: `stack config ${keys}: ${envs.join(" and ")} hold the same secret ciphertext — a credential shared between environments, or a value one stack cannot decrypt (each stack has its own key); set it per stack with \`pulumi config set --secret\` (${PARITY_RULES.sharedSecret})`,
      environments: envs,
      resource: `${CONFIG_TYPE}::${CONFIG_TYPE}`,
      path: list[0].key,
      values: Object.fromEntries(envs.map((e) => [e, SECRET_PLACEHOLDER])),
      file: list[0].file,
    });
  }
  return out;
}

/** When some environment has `ignoreChanges` on a resource, the others compare as `[]` (none), not as absent. */
function withIgnoreChanges(rows: Row[]): Row[] {
  if (!rows.some((r) => r.resource?.ignoreChanges)) return rows;
  return rows.map((r) =>
    r.resource?.ignoreChanges || !isPlainObject(r.props)
      ? r
      : { ...r, props: { ...r.props, [IGNORE_CHANGES_PATH]: [] } },
  );
}

/** What a check that finds nothing returns (shared: read only). */
const NO_FINDINGS = Object.freeze([]) as unknown as Finding[];

/**
 * One approval's value spec for this stack's environment, on every concrete path it names. Runs for every resource
 * and approval of a stack (10k resources: ~16k passing findings), so: no finding lists per path, the absent value
 * decided before the rule lookups, findings built field by field (in the order the spreads gave them).
 */
function approvalStackFindings(subject: Subject, row: Row, a: Approval, rules: RuleSet, passes: boolean): Finding[] {
  if (!(row.env in a.values)) return NO_FINDINGS;
  const spec = a.values[row.env];
  if (a.path === PRESENT_PATH) {
    // The same matching as compareSnapshots: only the most specific `$present` approval of the resource governs.
    if (rules.approvalFor(subject.type, subject.logicalId, PRESENT_PATH) !== a || satisfies(spec, true))
      return NO_FINDINGS;
    const b: Base = { subject, rows: [row], path: PRESENT_PATH };
    return [
      finding(b, {
        ruleId: PARITY_RULES.inventory,
        severity: SEVERITY.inventory,
        status: "fail",
        values: { [row.env]: "present" },
        message: `${subjectLabel(subject)}: present in ${row.env}; approval ${a.id} allows ${describeSpec(spec)} (${PARITY_RULES.inventory})`,
      }),
    ];
  }
  const pattern = splitPath(a.path);
  const concrete = pattern.includes("*") ? expandPath([row.props], pattern) : [pattern];
  let out: Finding[] | undefined;
  for (const segs of concrete) {
    const value = getAt(row.props, segs);
    if (value === undefined) continue;
    if (
      rules.invariantFor(subject.type, subject.logicalId, segs) ||
      rules.approvalFor(subject.type, subject.logicalId, segs) !== a
    )
      continue;
    const verdict = judge(specFor(spec, row, { type: subject.type, segs }), value);
    if (verdict === "ok" && !passes) continue;
    const b: Base = { subject, rows: [row], path: joinPath(segs), segs };
    const values = { [row.env]: redact(value) };
    const ruleId = PARITY_RULES.unapproved;
    const approval = approvalInfo(a);
    const f =
      verdict === "unknown"
        ? finding(b, {
            ruleId,
            values,
            approval,
            severity: SEVERITY.unapproved,
            status: "indeterminate",
            message: `${head(b)} is not known in ${row.env}; cannot check approval ${a.id} (${ruleId})`,
          })
        : verdict === "ok"
          ? finding(b, {
              ruleId,
              values,
              approval,
              severity: SEVERITY.approved,
              status: "pass",
              message: `${head(b)} is ${renderValue(values[row.env])} in ${row.env} as approved by ${a.id} (${ruleId})`,
            })
          : finding(b, {
              ruleId,
              values,
              approval,
              severity: SEVERITY.unapproved,
              status: "fail",
              message: `${head(b)} is ${renderValue(values[row.env])} in ${row.env}; approval ${a.id} allows ${describeSpec(spec)} (${ruleId})`,
            });
    (out ??= []).push(f);
  }
  return out ?? NO_FINDINGS;
}

/** Options of {@link checkStack}. */
export interface CheckStackOptions {
  /** `false`: passing findings are not built (the pack reads only failures and indeterminates). Default `true`. */
  readonly passes?: boolean;
}

/**
 * The single-stack check (policy pack): invariants' `expect` and each live approval's value spec for this stack's
 * environment; expired approvals fail; an environment the rules do not know is indeterminate.
 */
export function checkStack(
  snap: NormalisedSnapshot,
  rules: RuleSet,
  now: Date = new Date(),
  opts: CheckStackOptions = {},
): Finding[] {
  const passes = opts.passes !== false;
  const [s] = safeSnaps([snap]);
  const findings = expiredFindings(rules, now);
  if (!s) return findings;
  const env = envOf(s);
  const known = env in rules.environments;
  if (!known) {
    findings.push({
      ruleId: PARITY_RULES.unknownEnvironment,
      status: "indeterminate",
      severity: SEVERITY.unapproved,
      kind: "parity",
      message: `stack ${s.context?.stack ?? env} maps to no environment of ${rules.origin} (known: ${rules.envNames.join(", ")}); approvals not checked (${PARITY_RULES.unknownEnvironment})`,
      environments: [env],
      file: rules.origin,
    });
  }
  for (const subject of collectSubjects([s], rules)) {
    const row = rowsOf(subject)[0];
    if (!row) continue;
    if (subject.type !== CONFIG_TYPE) for (const f of destroyableFindings(subject, [row])) findings.push(f);
    for (const inv of rules.invariantsFor(subject.type, subject.logicalId))
      for (const f of invariantFindings(subject, [row], inv, passes)) findings.push(f);
    if (!known) continue;
    for (const a of rules.approvalsFor(subject.type, subject.logicalId)) {
      if (!isExpired(a, now)) for (const f of approvalStackFindings(subject, row, a, rules, passes)) findings.push(f);
    }
  }
  return findings;
}
