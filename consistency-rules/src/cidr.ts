/**
 * IPv4 CIDR arithmetic and the gate check "no two environments' networks overlap".
 *
 * Overlapping VPC ranges are not a per-stack problem (each stack is fine on its own), so this is a gate check over all
 * environments, run by the CLI next to the comparer — not a policy in the pack, which only ever sees one stack.
 * Pure functions only: no Pulumi imports (see docs/DESIGN.md, dependencies point down).
 */
import { IPV4_CIDR } from "./ajv";
import { InputError } from "./errors";
import { isPlainObject } from "./paths";
import type { Finding, NormalisedSnapshot, Snapshot } from "./model";
import { containsUnknown, isSecret } from "./sentinels";

/** Stable rule id of the gate check (never renamed: reports, SARIF fingerprints and approvals refer to it). */
export const CIDR_OVERLAP_RULE_ID = "parity-network-cidr-overlap";

/** An IPv4 range as 32-bit unsigned numbers: `first` = network address, `last` = broadcast address. */
export interface Ipv4Range {
  readonly cidr: string;
  readonly prefix: number;
  readonly first: number;
  readonly last: number;
}

/** Parses `a.b.c.d/n`; throws a `RangeError` naming the text if it is not an IPv4 CIDR or has host bits set. */
export function parseIpv4Cidr(cidr: string): Ipv4Range {
  if (!IPV4_CIDR.test(cidr)) throw new RangeError(`"${cidr}" is not an IPv4 CIDR block (a.b.c.d/n)`);
  const [addr, bits] = cidr.split("/");
  const prefix = Number(bits);
  const ip = addr.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
  const size = 2 ** (32 - prefix);
  if (ip % size !== 0)
    throw new RangeError(`"${cidr}" has host bits set (network address is ${formatIpv4(ip - (ip % size))}/${prefix})`);
  return { cidr, prefix, first: ip, last: ip + size - 1 };
}

export function formatIpv4(ip: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(ip / 2 ** shift) % 256).join(".");
}

/**
 * The `index`-th block of prefix length `newPrefix` inside `parent` (like Terraform's `cidrsubnet`, with the new prefix
 * given absolutely). `subnetCidr("10.2.0.0/16", 20, 1)` = `10.2.16.0/20`.
 */
export function subnetCidr(parent: string, newPrefix: number, index: number): string {
  const p = parseIpv4Cidr(parent);
  if (!Number.isInteger(newPrefix) || newPrefix < p.prefix || newPrefix > 32) {
    throw new RangeError(`cannot carve /${newPrefix} blocks out of ${parent}`);
  }
  const count = 2 ** (newPrefix - p.prefix);
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`${parent} has ${count} /${newPrefix} blocks; index ${index} is out of range`);
  }
  return `${formatIpv4(p.first + index * 2 ** (32 - newPrefix))}/${newPrefix}`;
}

export function cidrsOverlap(a: string, b: string): boolean {
  const x = parseIpv4Cidr(a);
  const y = parseIpv4Cidr(b);
  return x.first <= y.last && y.first <= x.last;
}

/** True if `inner` lies entirely inside `outer`. */
export function cidrContains(outer: string, inner: string): boolean {
  const o = parseIpv4Cidr(outer);
  const i = parseIpv4Cidr(inner);
  return o.first <= i.first && i.last <= o.last;
}

/** A network range owned by one environment, with where it came from (for messages and SARIF locations). */
export interface EnvironmentCidr {
  readonly env: string;
  readonly cidr: string;
  /** Environment-neutral resource identity (`type::logicalId`) or a config key. */
  readonly resource?: string;
  readonly urn?: string;
  readonly file?: string;
}

/**
 * Every pair of ranges from *different* environments that overlap (a pair is reported once, in input order).
 * Sorted by start address and swept: the cost is n log n plus the pairs found, not n².
 */
export function findCidrOverlaps(ranges: readonly EnvironmentCidr[]): [EnvironmentCidr, EnvironmentCidr][] {
  const parsed = ranges.map((r, i) => ({ r, i, range: parseIpv4Cidr(r.cidr) }));
  const sorted = [...parsed].sort((a, b) => a.range.first - b.range.first || a.i - b.i);
  const pairs: [number, number][] = [];
  for (let x = 0; x < sorted.length; x++) {
    const a = sorted[x];
    for (let y = x + 1; y < sorted.length && sorted[y].range.first <= a.range.last; y++) {
      const b = sorted[y];
      if (a.r.env !== b.r.env) pairs.push(a.i < b.i ? [a.i, b.i] : [b.i, a.i]);
    }
  }
  pairs.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  return pairs.map(([i, j]) => [ranges[i], ranges[j]]);
}

/** One overlap per pair of environments: the first example (by address) and how many ranges of each take part. */
export interface EnvironmentPairOverlap {
  readonly a: EnvironmentCidr;
  readonly b: EnvironmentCidr;
  /** Ranges of `a.env` / `b.env` that overlap some range of the other. */
  readonly countA: number;
  readonly countB: number;
}

/**
 * Overlaps grouped by environment pair, in O(n log n + n × environments): sorted by start address, each range is
 * checked against the furthest-reaching earlier range of every other environment.
 */
export function findEnvironmentOverlaps(ranges: readonly EnvironmentCidr[]): EnvironmentPairOverlap[] {
  const parsed = ranges.map((r, i) => ({ r, i, range: parseIpv4Cidr(r.cidr) }));
  parsed.sort((a, b) => a.range.first - b.range.first || a.i - b.i);
  const reach = new Map<string, (typeof parsed)[number]>();
  const pairs = new Map<string, { a: EnvironmentCidr; b: EnvironmentCidr; inA: Set<number>; inB: Set<number> }>();
  for (const cur of parsed) {
    for (const [env, best] of reach) {
      if (env === cur.r.env || best.range.last < cur.range.first) continue;
      const [first, second] = env < cur.r.env ? [best, cur] : [cur, best];
      const key = `${first.r.env}\u0000${second.r.env}`;
      let p = pairs.get(key);
      if (!p) pairs.set(key, (p = { a: first.r, b: second.r, inA: new Set(), inB: new Set() }));
      p.inA.add(first.i);
      p.inB.add(second.i);
    }
    const prev = reach.get(cur.r.env);
    if (!prev || prev.range.last < cur.range.last) reach.set(cur.r.env, cur);
  }
  return [...pairs.values()].map((p) => ({ a: p.a, b: p.b, countA: p.inA.size, countB: p.inB.size }));
}

/** The approval path that allows two environments' VPC ranges to overlap (on a VPC type, both envs in `values`). */
export const CIDR_OVERLAP_PATH = "$cidrOverlap";

/** What the overlap check needs of the rules (kept structural: this module does not import rules.ts). */
interface OverlapApprovals {
  approvalsFor(
    type: string,
    logicalId: string,
  ): readonly {
    readonly id: string;
    readonly path: string;
    readonly values: Readonly<Record<string, unknown>>;
    readonly reason: string;
    readonly owner: string;
    readonly expires?: string;
  }[];
}

/** Resource types whose `cidrBlock` input is a range of the VPC address space. */
export const VPC_CIDR_TYPES: readonly string[] = [
  "aws:ec2/vpc:Vpc",
  "aws:ec2/vpcIpv4CidrBlockAssociation:VpcIpv4CidrBlockAssociation",
];

/** One VPC range as read from a stack, before it is checked (value as the source has it). */
interface CidrCandidate {
  readonly env: string;
  readonly value: unknown;
  readonly urn: string;
  readonly resource: string;
  /** The snapshot's origin (file). */
  readonly file: string;
}

/** A candidate's value, checked: a range, unknown, secret, or a problem (one line, never the value of a secret). */
function classify(
  c: CidrCandidate,
): { cidr: EnvironmentCidr } | { unknown: true } | { secret: true } | { problem: string } {
  const v = c.value;
  if (containsUnknown(v)) return { unknown: true };
  if (isSecret(v)) return { secret: true };
  if (typeof v !== "string") {
    // Never print an object: it may hold a secret somewhere inside.
    const got = typeof v === "object" ? (Array.isArray(v) ? "an array" : "an object") : (JSON.stringify(v) ?? typeof v);
    return { problem: `must be an IPv4 CIDR string, got ${got}` };
  }
  try {
    parseIpv4Cidr(v);
  } catch (e) {
    return { problem: (e as Error).message };
  }
  return { cidr: { env: c.env, cidr: v, urn: c.urn, resource: c.resource, file: c.file } };
}

function rawCandidates(snapshot: Snapshot): CidrCandidate[] {
  const out: CidrCandidate[] = [];
  for (const r of snapshot.resources) {
    if (!VPC_CIDR_TYPES.includes(r.type)) continue;
    const v = r.props.cidrBlock;
    if (v === undefined || v === null) continue;
    out.push({
      env: snapshot.context.env,
      value: v,
      urn: r.urn,
      resource: `${r.type}::${r.name}`,
      file: snapshot.origin,
    });
  }
  return out;
}

/**
 * The VPC ranges of one stack, read from a (raw, not normalised) snapshot. Unknown values are returned as
 * `unknown` entries so the check can say *indeterminate* instead of pretending they do not overlap.
 * Throws {@link InputError} (file = snapshot origin, pointer = URN) for a value that is not an IPv4 CIDR.
 */
export function vpcCidrsOf(snapshot: Snapshot): { known: EnvironmentCidr[]; unknown: { urn: string; env: string }[] } {
  const known: EnvironmentCidr[] = [];
  const unknown: { urn: string; env: string }[] = [];
  for (const c of rawCandidates(snapshot)) {
    const k = classify(c);
    if ("cidr" in k) known.push(k.cidr);
    else if ("problem" in k) throw new InputError(snapshot.origin, `${c.urn}.cidrBlock`, k.problem);
    else if ("secret" in k)
      throw new InputError(snapshot.origin, `${c.urn}.cidrBlock`, "is a secret; a VPC range must be plain text");
    else unknown.push({ urn: c.urn, env: c.env });
  }
  return { known, unknown };
}

function finding(
  f: Omit<Finding, "ruleId" | "severity" | "kind" | "path"> & { severity?: Finding["severity"] },
): Finding {
  return { ruleId: CIDR_OVERLAP_RULE_ID, severity: "high", kind: "parity", path: "cidrBlock", ...f };
}

function splitResource(resource: string | undefined): [string, string] | undefined {
  const i = resource ? resource.indexOf("::") : -1;
  return resource && i > 0 ? [resource.slice(0, i), resource.slice(i + 2)] : undefined;
}

function overlapApproval(o: EnvironmentPairOverlap, rules: OverlapApprovals | undefined) {
  if (!rules || typeof rules.approvalsFor !== "function") return undefined;
  for (const c of [o.a, o.b]) {
    const tr = splitResource(c.resource);
    if (!tr) continue;
    const hit = rules
      .approvalsFor(tr[0], tr[1])
      .find((a) => a.path === CIDR_OVERLAP_PATH && o.a.env in a.values && o.b.env in a.values);
    if (hit) return hit;
  }
  return undefined;
}

function isExpiredOn(expires: string | undefined, now: Date): boolean {
  return !!expires && now.getTime() >= Date.parse(`${expires}T00:00:00Z`) + 86_400_000;
}

/** Overlap (once per environment pair), indeterminate and pass findings from already classified ranges. */
function overlapFindings(
  known: readonly EnvironmentCidr[],
  findings: Finding[],
  rules?: OverlapApprovals,
  now: Date = new Date(),
): Finding[] {
  const overlaps = findEnvironmentOverlaps(known);
  let failed = false;
  for (const o of overlaps) {
    const { a, b } = o;
    const more =
      o.countA + o.countB > 2 ? ` (${o.countA} ${a.env} and ${o.countB} ${b.env} ranges overlap in all)` : "";
    const what = `${a.env} ${a.cidr} overlaps ${b.env} ${b.cidr}${more}`;
    const approval = overlapApproval(o, rules);
    const live = approval && !isExpiredOn(approval.expires, now);
    if (!live) failed = true;
    findings.push(
      finding({
        status: live ? "approved" : "fail",
        ...(live ? { severity: "low" as const } : {}),
        message: live
          ? `${what}, as approved by ${approval.id} (${approval.reason})`
          : `${what}: environments must use disjoint VPC ranges (peering, VPN and Transit Gateway routing need them)${approval ? `; approval ${approval.id} expired on ${approval.expires}` : ""}`,
        environments: [a.env, b.env],
        ...(a.resource ? { resource: a.resource } : {}),
        urn: a.urn,
        values: { [a.env]: a.cidr, [b.env]: b.cidr },
        file: a.file,
        ...(approval
          ? {
              approval: {
                id: approval.id,
                reason: approval.reason,
                owner: approval.owner,
                ...(approval.expires ? { expires: approval.expires } : {}),
              },
            }
          : {}),
      }),
    );
  }
  if (!failed && overlaps.length === 0 && findings.length === 0 && known.length > 0) {
    const byEnv = new Map<string, string[]>();
    for (const k of known) {
      const l = byEnv.get(k.env);
      if (l) l.push(k.cidr);
      else byEnv.set(k.env, [k.cidr]);
    }
    const envs = [...byEnv.keys()];
    findings.push(
      finding({
        status: "pass",
        message: `VPC ranges of ${envs.join(", ")} are disjoint`,
        environments: envs,
        values: Object.fromEntries(
          [...byEnv].map(([env, l]) => [
            env,
            l.length > 10 ? `${l.slice(0, 10).join(", ")} … ${l.length - 10} more` : l.join(", "),
          ]),
        ),
      }),
    );
  }
  return findings;
}

function unknownFinding(u: { urn: string; env: string; resource?: string; file?: string }, why: string): Finding {
  return finding({
    status: "indeterminate",
    message: `VPC range of ${u.urn} ${why}; cannot check it against the other environments`,
    environments: [u.env],
    ...(u.resource ? { resource: u.resource } : {}),
    urn: u.urn,
    ...(u.file ? { file: u.file } : {}),
  });
}

/**
 * The gate check: one `fail` finding per overlapping pair of VPC ranges across environments, one `indeterminate` per
 * range that is unknown at preview, and a single `pass` when all ranges are known and disjoint.
 * Call it with one snapshot per environment (raw snapshots, before normalisation, because the normaliser may rewrite
 * values: a numeric environment suffix such as `0` would be replaced inside `10.0.0.0/16`).
 * Throws {@link InputError} for a range that is not an IPv4 CIDR.
 */
export function checkCidrOverlaps(snapshots: readonly Snapshot[], rules?: OverlapApprovals, now?: Date): Finding[] {
  const known: EnvironmentCidr[] = [];
  const findings: Finding[] = [];
  for (const s of snapshots) {
    const got = vpcCidrsOf(s);
    for (const k of got.known) known.push(k);
    for (const u of got.unknown) findings.push(unknownFinding(u, "is unknown at preview"));
  }
  return overlapFindings(known, findings, rules, now);
}

/**
 * The same check on normalised snapshots, as `compareSnapshots` runs it: it reads each resource's *original* (not
 * normalised) `cidrBlock`, names resources by their environment-neutral identity, and never throws — a value that is
 * not an IPv4 CIDR is a `fail` finding naming the file and the URN, a secret one is indeterminate (never printed).
 */
export function checkNormalisedCidrOverlaps(
  snapshots: readonly NormalisedSnapshot[],
  rules?: OverlapApprovals,
  now?: Date,
): Finding[] {
  const known: EnvironmentCidr[] = [];
  const findings: Finding[] = [];
  for (const s of snapshots) {
    if (!(s?.resources instanceof Map)) continue;
    const env = isPlainObject(s.context) && typeof s.context.env === "string" ? s.context.env : "";
    const file = typeof s.origin === "string" ? s.origin : "";
    for (const r of s.resources.values()) {
      if (!isPlainObject(r) || !VPC_CIDR_TYPES.includes(String(r.type))) continue;
      const original: unknown = r.original;
      const props: unknown = isPlainObject(original) ? original.props : undefined;
      const value =
        typeof props === "object" && props !== null ? (props as Record<string, unknown>).cidrBlock : undefined;
      if (value === undefined || value === null) continue;
      const urn =
        isPlainObject(original) && typeof original.urn === "string" ? original.urn : `${r.type}::${r.logicalId}`;
      const c: CidrCandidate = { env, value, urn, resource: `${r.type}::${r.logicalId}`, file };
      const k = classify(c);
      if ("cidr" in k) known.push(k.cidr);
      else if ("unknown" in k) findings.push(unknownFinding(c, "is unknown at preview"));
      else if ("secret" in k) findings.push(unknownFinding(c, "is a secret"));
      else {
        findings.push(
          finding({
            status: "fail",
            message: `${file}: ${urn}.cidrBlock ${k.problem}`,
            environments: [env],
            resource: c.resource,
            urn,
            file,
          }),
        );
      }
    }
  }
  return overlapFindings(known, findings, rules, now);
}
