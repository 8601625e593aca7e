/**
 * The one comparer. Compares normalised stacks under a rule set and says what differs, what is approved and what
 * cannot be decided yet. `compareSnapshots` compares environments with each other; `checkStack` is the single-stack
 * form the policy pack uses (pinned `expect` values and each approval's value for this environment).
 *
 * Paths are compared leaf by leaf (objects by key, arrays by index, JSON-object strings by key; see paths.ts);
 * an invariant or approval on a path covers every leaf below it, and its value spec is checked on the value at its own
 * path. Stack config is compared as the pseudo-resource `config::config` (keys without the project namespace).
 */
import type { Finding, NormalisedSnapshot, Severity } from "./model";
import { normaliseValue, stringNormaliser } from "./normalise";
import {
  deepEqual,
  describeSpec,
  expandPath,
  getAt,
  isPlainObject,
  joinPath,
  leaves,
  mapSpecLiterals,
  renderValue,
  satisfies,
  specKind,
  splitPath,
  type ValueSpec,
} from "./paths";
import { type Approval, CONFIG_TYPE, type Invariant, isExpired, PRESENT_PATH, type RuleSet } from "./rules";
import { containsUnknown, isSecret, SECRET_PLACEHOLDER } from "./sentinels";

export const PARITY_RULES = {
  unapproved: "parity-unapproved-difference",
  inventory: "parity-resource-inventory",
  expired: "parity-approval-expired",
  unknownEnvironment: "parity-unknown-environment",
} as const;

const SEVERITY: Record<"unapproved" | "inventory" | "expired" | "approved", Severity> = {
  unapproved: "high",
  inventory: "high",
  expired: "medium",
  approved: "low",
};

/** One environment's view of one resource (or of the config). */
interface Row {
  readonly env: string;
  readonly props: unknown;
  readonly urn?: string;
  readonly file: string;
  readonly snap: NormalisedSnapshot;
}

interface Subject {
  readonly type: string;
  readonly logicalId: string;
  /** Aligned with the snapshots; undefined where the resource is absent. */
  readonly rows: readonly (Row | undefined)[];
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
  if (type === CONFIG_TYPE) return "config";
  if (type.startsWith("pulumi:providers:")) return "provider";
  const [, mod = "", name = type] = type.split(":");
  const words = name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
  return `${mod.split("/")[0]} ${words}`.trim();
}

function valuesOf(rows: readonly Row[], get: (r: Row) => unknown): Record<string, unknown> {
  return Object.fromEntries(rows.map((r) => [r.env, redact(get(r))]));
}

function renderValues(values: Record<string, unknown>): string {
  return Object.entries(values)
    .map(([env, v]) => `${env}=${renderValue(v)}`)
    .join(", ");
}

/** A spec written in raw terms (`"dev"`, `"arn:aws:…:111111111111:…"`) normalised like the env's values. */
function specFor(spec: ValueSpec, row: Row): ValueSpec {
  let norm = normalisers.get(row.snap);
  if (!norm) normalisers.set(row.snap, (norm = stringNormaliser(isPlainObject(row.snap.context) ? row.snap.context : {})));
  return mapSpecLiterals(spec, (v) => normaliseValue(v, norm));
}
const normalisers = new WeakMap<object, ReturnType<typeof stringNormaliser>>();

function judge(spec: ValueSpec, value: unknown): Verdict {
  if (containsUnknown(value)) return "unknown";
  if (satisfies(spec, value)) return "ok";
  if (value === SECRET_PLACEHOLDER && specKind(spec) !== "any") return "unknown";
  return "bad";
}

interface Base {
  readonly subject: Subject;
  readonly rows: readonly Row[];
  readonly path: string;
}

function finding(b: Base, f: Omit<Finding, "kind" | "environments" | "resource" | "urn" | "path" | "file"> & { environments?: string[] }): Finding {
  const first = b.rows[0];
  return {
    kind: "parity",
    environments: f.environments ?? b.rows.map((r) => r.env),
    resource: `${b.subject.type}::${b.subject.logicalId}`,
    ...(first?.urn ? { urn: first.urn } : {}),
    path: b.path,
    file: first?.file,
    ...f,
  };
}

function head(b: Base): string {
  return `${labelOf(b.subject.type)} ${b.subject.logicalId}: ${b.path}`;
}

function approvalInfo(a: Approval): NonNullable<Finding["approval"]> {
  return { id: a.id, reason: a.reason, owner: a.owner, ...(a.expires ? { expires: a.expires } : {}) };
}

// ---------------------------------------------------------------------------------------------- subjects

function configRows(snap: NormalisedSnapshot, project: string): Record<string, unknown> {
  const prefix = `${project}:`;
  return Object.fromEntries(Object.entries(snap.config ?? {}).map(([k, v]) => [k.startsWith(prefix) ? k.slice(prefix.length) : k, v]));
}

function collectSubjects(snaps: readonly NormalisedSnapshot[], rules: RuleSet): Subject[] {
  const byKey = new Map<string, { type: string; logicalId: string; rows: (Row | undefined)[] }>();
  const add = (i: number, type: string, logicalId: string, row: Row) => {
    const key = `${type}::${logicalId}`;
    let s = byKey.get(key);
    if (!s) byKey.set(key, (s = { type, logicalId, rows: snaps.map(() => undefined) }));
    s.rows[i] = row;
  };
  snaps.forEach((snap, i) => {
    const env = envOf(snap);
    const file = String(snap?.origin ?? "");
    const resources = snap?.resources instanceof Map ? snap.resources : new Map();
    for (const r of resources.values()) {
      add(i, String(r.type), String(r.logicalId), { env, props: r.props, urn: typeof r.original?.urn === "string" ? r.original.urn : undefined, file, snap });
    }
    if (isPlainObject(snap?.config)) add(i, CONFIG_TYPE, CONFIG_TYPE, { env, props: configRows(snap, rules.project), file, snap });
  });
  return [...byKey.values()];
}

// ---------------------------------------------------------------------------------------------- checks

function expiredFindings(rules: RuleSet, now: Date): Finding[] {
  return rules.approvals
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
}

/** Invariants of a subject: equal across the rows and, with `expect`, equal to it. */
function invariantFindings(subject: Subject, rows: readonly Row[], inv: Invariant): Finding[] {
  if (inv.path === PRESENT_PATH || (!inv.hasExpect && rows.length < 2)) return [];
  const pattern = splitPath(inv.path);
  const expanded = pattern.includes("*") ? expandPath(rows.map((r) => r.props), pattern) : [pattern];
  const concrete = expanded.length > 0 ? expanded : [pattern];
  return concrete.flatMap((segs) => {
    const b: Base = { subject, rows, path: joinPath(segs) };
    const values = valuesOf(rows, (r) => getAt(r.props, segs));
    if (!inv.hasExpect && Object.values(values).every((v) => v === undefined)) return [];
    const base = { ruleId: inv.id, severity: inv.severity, values };
    if (Object.values(values).some(containsUnknown)) {
      return [finding(b, { ...base, status: "indeterminate", message: `${head(b)} is unknown until apply in ${unknownEnvs(values)}; cannot check (${inv.id})` })];
    }
    const verdicts = inv.hasExpect ? rows.map((r) => judge(specFor(inv.expect, r), values[r.env])) : [];
    const differs = !Object.values(values).every((v) => deepEqual(v, Object.values(values)[0]));
    const bad = verdicts.includes("bad");
    if (!differs && !bad && verdicts.includes("unknown")) {
      return [finding(b, { ...base, status: "indeterminate", message: `${head(b)} is secret; cannot check against ${describeSpec(inv.expect)} (${inv.id})` })];
    }
    if (!differs && !bad) {
      return [finding(b, { ...base, status: "pass", message: `${head(b)} is ${renderValue(Object.values(values)[0])} in ${rows.map((r) => r.env).join(", ")} (${inv.id})` })];
    }
    const what = differs ? `differs: ${renderValues(values)}` : `is ${renderValue(Object.values(values)[0])} in ${rows.map((r) => r.env).join(", ")}`;
    const expected = inv.hasExpect ? `; expected ${describeSpec(inv.expect)}` : "";
    return [finding(b, { ...base, status: "fail", message: `${head(b)} ${what}${expected} (${inv.id})` })];
  });
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
  const verdicts = b.rows.map((r) => (r.env in a.values ? judge(specFor(a.values[r.env], r), values[r.env]) : "bad"));
  const expired = isExpired(a, now);
  if (!expired && verdicts.includes("unknown") && !verdicts.includes("bad")) {
    return finding(b, { ...base, severity: SEVERITY.unapproved, status: "indeterminate", message: `${head(b)} is unknown until apply in ${unknownEnvs(values) || "some environment"}; cannot check approval ${a.id} (${PARITY_RULES.unapproved})` });
  }
  if (!expired && verdicts.every((v) => v === "ok")) {
    return finding(b, { ...base, severity: SEVERITY.approved, status: "approved", approval: approvalInfo(a), message: `${head(b)} differs as approved by ${a.id}: ${renderValues(values)} (${a.reason})` });
  }
  const why = expired
    ? `approval ${a.id} expired on ${a.expires}`
    : `approval ${a.id} allows ${b.rows
        .filter((_, i) => verdicts[i] !== "ok")
        .map((r) => `${r.env}=${r.env in a.values ? describeSpec(a.values[r.env]) : "nothing"}`)
        .join(", ")}`;
  return finding(b, { ...base, severity: SEVERITY.unapproved, status: "fail", message: `${head(b)} differs: ${renderValues(values)}; ${why} (${PARITY_RULES.unapproved})` });
}

/** Leaf-by-leaf differences of a subject present in two or more environments. */
function differenceFindings(subject: Subject, rows: readonly Row[], rules: RuleSet, now: Date): Finding[] {
  const paths = new Map<string, string[]>();
  for (const r of rows) for (const [segs] of leaves(r.props)) paths.set(JSON.stringify(segs), segs);
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const segs of paths.values()) {
    const vals = rows.map((r) => getAt(r.props, segs));
    if (vals.every((v) => deepEqual(v, vals[0]))) continue;
    const path = joinPath(segs);
    if (rules.invariantFor(subject.type, subject.logicalId, path)) continue;
    const a = rules.approvalFor(subject.type, subject.logicalId, path);
    const covered = a ? segs.slice(0, splitPath(a.path).length) : segs;
    const key = `${a?.id ?? ""}|${JSON.stringify(covered)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const b: Base = { subject, rows, path: joinPath(covered) };
    if (a) {
      out.push(approvalVerdict(b, a, covered, now));
      continue;
    }
    const values = valuesOf(rows, (r) => getAt(r.props, segs));
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
  }
  return out;
}

/** A resource missing from some environments, unless a live `$present` approval allows each env's presence. */
function inventoryFinding(subject: Subject, envs: readonly string[], rules: RuleSet, now: Date): Finding {
  const present = subject.rows.map((r) => r !== undefined);
  const rows = subject.rows.filter((r): r is Row => r !== undefined);
  const values = Object.fromEntries(envs.map((e, i) => [e, present[i] ? "present" : "absent"]));
  const b: Base = { subject, rows, path: PRESENT_PATH };
  const where = `present in ${envs.filter((_, i) => present[i]).join(", ")} only; absent in ${envs.filter((_, i) => !present[i]).join(", ")}`;
  const a = rules.approvalFor(subject.type, subject.logicalId, PRESENT_PATH);
  const ok = a && !isExpired(a, now) && envs.every((e, i) => e in a.values && satisfies(a.values[e], present[i]));
  const common = { ruleId: PARITY_RULES.inventory, values, environments: [...envs] };
  if (a && ok) {
    return finding(b, { ...common, severity: SEVERITY.approved, status: "approved", approval: approvalInfo(a), message: `${labelOf(subject.type)} ${subject.logicalId}: ${where}, as approved by ${a.id} (${a.reason})` });
  }
  const why = a ? (isExpired(a, now) ? `; approval ${a.id} expired on ${a.expires}` : `; approval ${a.id} does not allow this`) : "";
  return finding(b, { ...common, severity: SEVERITY.inventory, status: "fail", message: `${labelOf(subject.type)} ${subject.logicalId}: ${where}${why} (${PARITY_RULES.inventory})` });
}

function safeSnaps(snaps: readonly NormalisedSnapshot[]): NormalisedSnapshot[] {
  return (Array.isArray(snaps) ? snaps : []).filter((s): s is NormalisedSnapshot => isPlainObject(s));
}

/**
 * Compares environments: inventory, invariants (equality and `expect`), every differing leaf path against the
 * approvals, expired approvals. Config snapshots compare their config maps as `config::config`.
 */
export function compareSnapshots(snapshots: readonly NormalisedSnapshot[], rules: RuleSet, now: Date = new Date()): Finding[] {
  const snaps = safeSnaps(snapshots);
  const envs = snaps.map(envOf);
  const findings = expiredFindings(rules, now);
  for (const subject of collectSubjects(snaps, rules)) {
    const rows = subject.rows.filter((r): r is Row => r !== undefined);
    if (subject.type !== CONFIG_TYPE && rows.length < snaps.length) findings.push(inventoryFinding(subject, envs, rules, now));
    for (const inv of rules.invariantsFor(subject.type, subject.logicalId)) findings.push(...invariantFindings(subject, rows, inv));
    if (rows.length >= 2) findings.push(...differenceFindings(subject, rows, rules, now));
  }
  return findings;
}

/** One approval's value spec for this stack's environment, on every concrete path it names. */
function approvalStackFindings(subject: Subject, row: Row, a: Approval, rules: RuleSet): Finding[] {
  if (!(row.env in a.values)) return [];
  const spec = a.values[row.env];
  if (a.path === PRESENT_PATH) {
    if (satisfies(spec, true)) return [];
    const b: Base = { subject, rows: [row], path: PRESENT_PATH };
    return [finding(b, { ruleId: PARITY_RULES.inventory, severity: SEVERITY.inventory, status: "fail", values: { [row.env]: "present" }, message: `${labelOf(subject.type)} ${subject.logicalId}: present in ${row.env}; approval ${a.id} allows ${describeSpec(spec)} (${PARITY_RULES.inventory})` })];
  }
  const pattern = splitPath(a.path);
  const concrete = pattern.includes("*") ? expandPath([row.props], pattern) : [pattern];
  return concrete.flatMap((segs) => {
    const value = getAt(row.props, segs);
    const path = joinPath(segs);
    const governs = !rules.invariantFor(subject.type, subject.logicalId, path) && rules.approvalFor(subject.type, subject.logicalId, path) === a;
    if (value === undefined || !governs) return [];
    const b: Base = { subject, rows: [row], path };
    const values = { [row.env]: redact(value) };
    const base = { ruleId: PARITY_RULES.unapproved, values, approval: approvalInfo(a) };
    const verdict = judge(specFor(spec, row), value);
    if (verdict === "unknown") return [finding(b, { ...base, severity: SEVERITY.unapproved, status: "indeterminate", message: `${head(b)} is not known in ${row.env}; cannot check approval ${a.id} (${PARITY_RULES.unapproved})` })];
    if (verdict === "ok") return [finding(b, { ...base, severity: SEVERITY.approved, status: "pass", message: `${head(b)} is ${renderValue(values[row.env])} in ${row.env} as approved by ${a.id} (${PARITY_RULES.unapproved})` })];
    return [finding(b, { ...base, severity: SEVERITY.unapproved, status: "fail", message: `${head(b)} is ${renderValue(values[row.env])} in ${row.env}; approval ${a.id} allows ${describeSpec(spec)} (${PARITY_RULES.unapproved})` })];
  });
}

/**
 * The single-stack check (policy pack): invariants' `expect` and each live approval's value spec for this stack's
 * environment; expired approvals fail; an environment the rules do not know is indeterminate.
 */
export function checkStack(snap: NormalisedSnapshot, rules: RuleSet, now: Date = new Date()): Finding[] {
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
    const row = subject.rows[0];
    if (!row) continue;
    for (const inv of rules.invariantsFor(subject.type, subject.logicalId)) findings.push(...invariantFindings(subject, [row], inv));
    if (!known) continue;
    for (const a of rules.approvalsFor(subject.type, subject.logicalId)) {
      if (!isExpired(a, now)) findings.push(...approvalStackFindings(subject, row, a, rules));
    }
  }
  return findings;
}
