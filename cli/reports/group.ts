/**
 * One finding per cause, and where the cause is. The comparer reports leaves (one finding per differing property
 * path); a reviewer acts on causes. This groups the findings of one change, in linear time (maps keyed by cause):
 *
 * - a config key and the resource properties it feeds: a `config::config` finding and the findings of other resources
 *   with the same status and the same values per environment join the config key's entry;
 * - a policy document (or any list): the leaves under one property of one resource (`policy.Statement.8.Action`, …)
 *   are one entry on the property (`policy`), with a statement-level summary;
 * - one tag key differing the same way on many resources: one entry (`tags.Owner`), the resources named;
 * - the pack and the CLI reporting the same invariant: the pack's `parity-consistency-rules` finding that names a CLI
 *   rule id on the same resource joins that rule's entry, with both sources named.
 *
 * Locations: a finding about one environment's stack config points at that environment's own `Pulumi.<stack>.yaml`
 * and the key's line and column; paths stay relative.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as Yaml from "yaml";
import { yaml } from "../../consistency-rules/src/yaml";
import type { Finding, FindingStatus } from "../../consistency-rules/src/model";

export interface Location {
  readonly file?: string;
  /** 1-based. */
  readonly line?: number;
  /** 1-based. */
  readonly column?: number;
}

/** A cause: its lead finding (what is shown), the members it stands for, and where to look. */
export interface Cause {
  readonly lead: Finding;
  /** The lead's status, severity and environments widened over the members. */
  readonly status: FindingStatus;
  readonly severity: Finding["severity"];
  /** The path the cause is about (`policy`, `tags.Owner`, a config key), for fingerprints and display. */
  readonly causePath?: string;
  /** The resource the fingerprint is keyed by (the lead's; absent for a tag change on many resources). */
  readonly causeResource?: string;
  /** Every finding this cause stands for, the lead first. */
  readonly members: readonly Finding[];
  /** `cli`, `pack`, or both. */
  readonly sources: readonly string[];
  /** Extra lines for people (statement-level diff, resources fed by a config key). */
  readonly details: readonly string[];
  readonly location: Location;
}

const STATUS_RANK: Record<FindingStatus, number> = { fail: 0, indeterminate: 1, approved: 2, pass: 3 };
const SEVERITY_RANK: Record<Finding["severity"], number> = { critical: 0, high: 1, medium: 2, low: 3 };
const POLICY_PROPS =
  /^(policy|assumeRolePolicy|inlinePolicies|accessPolicies|resourcePolicy|queuePolicy|bucketPolicy|.*Policy)$/;

const CONFIG_RESOURCE = "config::config";

/** `…$aws:iam/rolePolicy:RolePolicy::name: policy.Statement.8.Action.0: …` → the resource key and the path it names. */
const REFERENCE = /([A-Za-z0-9_:/.-]+::[A-Za-z0-9_.-]+): ([A-Za-z0-9_.$-]+)/;

function sourceOf(f: Finding): string {
  return f.kind === "policy" ? "pack" : "cli";
}

function signature(f: Finding): string | undefined {
  if (!f.values) return undefined;
  const keys = Object.keys(f.values).sort();
  return `${f.status}\u0000${keys.map((k) => `${k}=${JSON.stringify(f.values![k]) ?? "undefined"}`).join("\u0001")}`;
}

/** `policy.Statement.8.Action` → `policy`; `rules.3.port` → `rules`; other paths unchanged. */
export function causePathOf(p: string): string {
  const segs = p.split(".");
  if (POLICY_PROPS.test(segs[0]) && segs.length > 1) return segs[0];
  const i = segs.findIndex((s) => /^\d+$/.test(s));
  return i > 0 ? segs.slice(0, i).join(".") : p;
}

const short = (v: unknown): string =>
  v === undefined || v === null ? "(absent)" : typeof v === "string" ? v : JSON.stringify(v);

/** `Statement 8: Action dev=(absent) staging=s3:*` lines for a policy-document cause. */
function statementDiff(members: readonly Finding[], causePath: string): string[] {
  const out: string[] = [];
  for (const m of members) {
    if (!m.path || m.path === causePath) continue;
    const rest = m.path.slice(causePath.length + 1).replace(/^Statement\.(\d+)\./, "Statement $1: ");
    const shown = m.rawValues ?? m.values;
    const vals = shown
      ? Object.entries(shown)
          .map(([env, v]) => `${env}=${short(v)}`)
          .join(" ")
      : m.message;
    out.push(`${rest} ${vals}`);
  }
  return out;
}

/** The environment whose value differs from the others (the majority; of two, the later one). */
export function oddEnvironment(f: Finding): string | undefined {
  if (!f.values) return undefined;
  const entries = Object.entries(f.values).map(([env, v]) => [env, JSON.stringify(v) ?? "undefined"] as const);
  if (entries.length < 2) return entries[0]?.[0];
  const count = new Map<string, number>();
  for (const [, v] of entries) count.set(v, (count.get(v) ?? 0) + 1);
  const odd = entries.filter(([, v]) => count.get(v) === 1);
  if (odd.length === 1 && entries.length > 2) return odd[0][0];
  if (entries.length === 2) return entries[1][0];
  return undefined;
}

/** Where a YAML config key is: `config` → `<project>:<key>` (or `<key>`), 1-based line and column. */
export class YamlLocator {
  private readonly cache = new Map<
    string,
    { doc: ReturnType<typeof Yaml.parseDocument>; lc: Yaml.LineCounter } | null
  >();
  constructor(private readonly cwd: string) {}

  find(file: string, key: string): { line: number; column: number } | undefined {
    let entry = this.cache.get(file);
    if (entry === undefined) {
      entry = null;
      try {
        const text = fs.readFileSync(path.resolve(this.cwd, file), "utf8");
        if (text.length <= 1_000_000) {
          const { LineCounter, parseDocument } = yaml();
          const lc = new LineCounter();
          entry = { doc: parseDocument(text, { lineCounter: lc }), lc };
        }
      } catch {
        entry = null;
      }
      this.cache.set(file, entry);
    }
    if (!entry) return undefined;
    const { isMap, isScalar } = yaml();
    const config = entry.doc.get("config", true);
    if (!isMap(config)) return undefined;
    for (const item of config.items) {
      if (!isScalar(item.key)) continue;
      const k = String(item.key.value);
      if (k === key || k.endsWith(`:${key}`)) {
        const offset = item.key.range?.[0];
        if (offset === undefined) return undefined;
        const pos = entry.lc.linePos(offset);
        return { line: pos.line, column: pos.col };
      }
    }
    return undefined;
  }
}

/** `dir/Pulumi.dev.yaml` → `dir/Pulumi.<env>.yaml` if that file exists, else undefined. */
function envFile(file: string | undefined, env: string, cwd: string): string | undefined {
  if (!file) return undefined;
  const m = /^(.*?)Pulumi\.[^/\\]+\.ya?ml$/.exec(file);
  if (!m) return undefined;
  const candidate = `${m[1]}Pulumi.${env}.yaml`;
  return fs.existsSync(path.resolve(cwd, candidate)) ? candidate : undefined;
}

function locate(
  lead: Finding,
  members: readonly Finding[],
  cwd: string,
  yaml: YamlLocator,
  positions?: ReadonlyMap<string, Location>,
): Location {
  // a resource finding: where the program registers the resource, when the planner recorded it
  if (positions && lead.resource !== CONFIG_RESOURCE) {
    for (const m of members) {
      const pos = m.urn ? positions.get(m.urn) : undefined;
      if (pos)
        return { file: pos.file, ...(pos.line && { line: pos.line }), ...(pos.column && { column: pos.column }) };
    }
  }
  const rel = (f: string | undefined) => (f && path.isAbsolute(f) ? path.relative(cwd, f) : f);
  const file = rel(lead.file);
  const odd =
    oddEnvironment(lead) ??
    (lead.kind !== "parity" && lead.environments.length === 1 ? lead.environments[0] : undefined);
  const own = odd ? envFile(file, odd, cwd) : undefined;
  const target = own ?? file;
  if (target && lead.resource === CONFIG_RESOURCE && lead.path) {
    const pos = yaml.find(target, lead.path.split(".")[0]);
    if (pos) return { file: target, ...pos };
  }
  return target ? { file: target } : {};
}

const worse = (a: FindingStatus, b: FindingStatus): FindingStatus => (STATUS_RANK[a] <= STATUS_RANK[b] ? a : b);

/**
 * Groups findings into causes (linear in findings). Passing findings are never grouped. The order of causes follows
 * the order of their lead findings in `findings` (sort first).
 */
export function groupFindings(
  findings: readonly Finding[],
  cwd: string,
  positions?: ReadonlyMap<string, Location>,
): Cause[] {
  interface Draft {
    lead: Finding;
    members: Finding[];
    causePath?: string;
    causeResource?: string;
    kind: "single" | "doc" | "tag" | "config";
  }
  const drafts: Draft[] = [];
  const byDoc = new Map<string, Draft>();
  const byTag = new Map<string, Draft>();
  const bySignature = new Map<string, Draft>();
  const byRuleResource = new Map<string, Draft>();
  /** `resource \0 cause path` → the first parity cause about it (for findings that name it only in their message). */
  const byResourcePath = new Map<string, Draft>();
  const packFindings: Finding[] = [];
  const referring: { f: Finding; key: string }[] = [];
  const remember = (d: Draft) => {
    const r = d.causeResource;
    if (r && d.causePath !== undefined) {
      const k = `${r}\u0000${d.causePath}`;
      if (!byResourcePath.has(k)) byResourcePath.set(k, d);
    }
  };

  // pass 1: config keys first, so the resources they feed can join them whatever the order
  for (const f of findings) {
    if (f.status === "pass" || f.resource !== CONFIG_RESOURCE || f.kind !== "parity") continue;
    const d: Draft = { lead: f, members: [f], causePath: f.path, causeResource: f.resource, kind: "config" };
    const sig = signature(f);
    if (sig && !bySignature.has(sig)) bySignature.set(sig, d);
    remember(d);
    drafts.push(d);
  }
  for (const f of findings) {
    if (f.resource === CONFIG_RESOURCE && f.kind === "parity" && f.status !== "pass") continue;
    if (f.status === "pass") {
      drafts.push({ lead: f, members: [f], causePath: f.path, causeResource: f.resource, kind: "single" });
      continue;
    }
    // a parity rule (the pack's consistency policy, the lock) that names the resource and path in its message only
    if (!f.path && f.ruleId.startsWith("parity-")) {
      const m = REFERENCE.exec(f.message);
      if (m) {
        const resource = f.resource ?? m[1];
        referring.push({ f, key: `${resource}\u0000${causePathOf(m[2])}` });
        continue;
      }
    }
    if (f.kind === "policy" && f.ruleId === "parity-consistency-rules") {
      packFindings.push(f);
      continue;
    }
    const sig = f.kind === "parity" ? signature(f) : undefined;
    const cfg = sig ? bySignature.get(sig) : undefined;
    if (cfg && f.environments.length === cfg.lead.environments.length) {
      cfg.members.push(f);
      continue;
    }
    if (f.kind === "parity" && f.path && f.resource) {
      const cp = causePathOf(f.path);
      if (cp !== f.path) {
        const key = `${f.ruleId}\u0000${f.status}\u0000${f.resource}\u0000${cp}`;
        const d = byDoc.get(key);
        if (d) {
          d.members.push(f);
          continue;
        }
        const nd: Draft = { lead: f, members: [f], causePath: cp, causeResource: f.resource, kind: "doc" };
        byDoc.set(key, nd);
        remember(nd);
        drafts.push(nd);
        continue;
      }
      if (/^(tags|tagsAll)\./.test(f.path) && sig) {
        const key = `${f.ruleId}\u0000${f.path.replace(/^tagsAll\./, "tags.")}\u0000${sig}`;
        const d = byTag.get(key);
        if (d) {
          d.members.push(f);
          continue;
        }
        const nd: Draft = { lead: f, members: [f], causePath: f.path.replace(/^tagsAll\./, "tags."), kind: "tag" };
        byTag.set(key, nd);
        drafts.push(nd);
        continue;
      }
    }
    const nd: Draft = { lead: f, members: [f], causePath: f.path, causeResource: f.resource, kind: "single" };
    if (f.kind === "parity") remember(nd);
    if (f.resource) {
      const k = `${f.ruleId}\u0000${f.resource}`;
      if (!byRuleResource.has(k)) byRuleResource.set(k, nd);
    }
    drafts.push(nd);
  }
  for (const { f, key } of referring) {
    const target = byResourcePath.get(key);
    if (target) target.members.push(f);
    else if (f.kind === "policy" && f.ruleId === "parity-consistency-rules") packFindings.push(f);
    else drafts.push({ lead: f, members: [f], causePath: f.path, causeResource: f.resource, kind: "single" });
  }
  // the pack's consistency policy, reporting an invariant the CLI reports too: one entry, both sources
  for (const f of packFindings) {
    const ids = (f.message.match(/parity-[a-z0-9-]+/g) ?? []).filter((id) => id !== f.ruleId);
    const target = f.resource
      ? ids.map((id) => byRuleResource.get(`${id}\u0000${f.resource}`)).find(Boolean)
      : undefined;
    if (target) target.members.push(f);
    else drafts.push({ lead: f, members: [f], causePath: f.path, causeResource: f.resource, kind: "single" });
  }

  const yaml = new YamlLocator(cwd);
  return drafts.map((d) => {
    const lead = d.lead;
    // A cause of one finding (every passing finding: ~10k in a 10k-resource diff) is that finding's status, severity
    // and source, with no details: what the loops below would compute, without their sets and lists.
    const alone = d.members.length === 1 && d.kind === "single";
    let status = lead.status;
    let severity = lead.severity;
    let sources: string[];
    const details: string[] = [];
    if (alone) sources = [sourceOf(lead)];
    else {
      const seen = new Set<string>();
      for (const m of d.members) {
        status = worse(status, m.status);
        if (SEVERITY_RANK[m.severity] < SEVERITY_RANK[severity]) severity = m.severity;
        seen.add(sourceOf(m));
      }
      sources = [...seen].sort();
      if (d.kind === "doc") details.push(...statementDiff(d.members, d.causePath!));
      if (d.kind === "config" && d.members.length > 1) {
        details.push(
          `feeds: ${d.members
            .slice(1)
            .map((m) => `${m.resource?.split("::").pop() ?? "(stack)"} ${m.path ?? ""} (${m.ruleId})`)
            .join("; ")}`,
        );
      }
      if (d.kind === "tag" && d.members.length > 1)
        details.push(
          `on ${d.members.length} resources: ${d.members.map((m) => m.resource?.split("::").pop()).join(", ")}`,
        );
    }
    // Field by field, in the order (and with the same absent fields) of the literal with conditional spreads.
    const cause: { -readonly [K in keyof Cause]: Cause[K] } = { lead, status, severity } as Cause;
    if (d.causePath !== undefined) cause.causePath = d.causePath;
    if (d.causeResource !== undefined) cause.causeResource = d.causeResource;
    cause.members = d.members;
    cause.sources = sources;
    cause.details = details;
    cause.location =
      status === "pass" ? (lead.file ? { file: lead.file } : {}) : locate(lead, d.members, cwd, yaml, positions);
    return cause;
  });
}
