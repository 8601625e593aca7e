/**
 * S3 guardrails. In aws v7 a bucket's versioning, encryption, lifecycle and public access block are separate
 * companion resources, so each is checked twice: its *contents* per resource (early, at Analyze), and *that every
 * bucket has one* over the whole stack (`s3-bucket-companions-present`, at AnalyzeStack).
 */
import { resourcePolicy, stackPolicy, type PolicyInput, type Outcome } from "../lib/define";
import { describeSpec, envExpectation, known, matchesSpec } from "../lib/expect";
import { asArray, at, show, UNKNOWN } from "../lib/values";

export const BUCKET_TYPES = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"] as const;
const VERSIONING = ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"];
const SSE = [
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
];
const LIFECYCLE = [
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
];
const PAB = ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"];

export const s3BucketVersioningEnabled = resourcePolicy({
  name: "s3-bucket-versioning-enabled",
  description: "A bucket's BucketVersioning resource sets status Enabled.",
  why: "Versioning keeps overwritten and deleted objects recoverable; without it a bad deploy or a bug loses data for good.",
  severity: "high",
  remediationSteps:
    'Set `versioningConfiguration: { status: "Enabled" }` on the aws.s3.BucketVersioning of the bucket.',
  types: VERSIONING,
  check(r, _ctx, out) {
    const status = at(r.props, "versioningConfiguration.status");
    if (!known(out, r, "versioningConfiguration.status", status)) return;
    if (status !== "Enabled")
      out.fail(`${r.name}: versioningConfiguration.status is ${show(status)}, expected "Enabled".`, r.urn);
  },
});

export const s3BucketSseConfigured = resourcePolicy<{ allowedAlgorithms: string[] }>({
  name: "s3-bucket-sse-configured",
  description: "A bucket's server-side encryption configuration applies a default algorithm (AES256 or aws:kms).",
  why: "Default encryption guarantees every object is encrypted at rest, whatever the writer sends.",
  severity: "high",
  remediationSteps:
    'Give the aws.s3.BucketServerSideEncryptionConfiguration a rule with `applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }` (or AES256).',
  config: {
    allowedAlgorithms: { type: "array", items: { type: "string" }, default: ["AES256", "aws:kms", "aws:kms:dsse"] },
  },
  defaults: { allowedAlgorithms: ["AES256", "aws:kms", "aws:kms:dsse"] },
  types: SSE,
  check(r, ctx, out) {
    const rules = at(r.props, "rules");
    if (!known(out, r, "rules", rules)) return;
    const algorithms = asArray(rules).map((x) => at(x, "applyServerSideEncryptionByDefault.sseAlgorithm"));
    if (algorithms.length === 0 || algorithms.every((a) => a === undefined)) {
      out.fail(`${r.name}: no rule sets applyServerSideEncryptionByDefault.sseAlgorithm.`, r.urn);
      return;
    }
    for (const a of algorithms) {
      if (a !== undefined && !ctx.config.allowedAlgorithms.includes(a as string)) {
        out.fail(`${r.name}: sseAlgorithm ${show(a)} is not one of ${ctx.config.allowedAlgorithms.join(", ")}.`, r.urn);
      }
    }
  },
});

export const s3BucketNoncurrentExpiry = resourcePolicy<{ maxNoncurrentDays?: number }>({
  name: "s3-bucket-noncurrent-expiry",
  description:
    "A bucket's lifecycle configuration has an enabled rule expiring noncurrent versions after the days the consistency rules expect in the stack's environment (else within 30 days; `maxNoncurrentDays` in config overrides).",
  why: "With versioning on, old versions accumulate forever and cost money unless a lifecycle rule expires them.",
  severity: "medium",
  remediationSteps:
    'Add a rule `{ id: "expire-noncurrent", status: "Enabled", noncurrentVersionExpiration: { noncurrentDays: 30 } }` (or the environment\'s value from the rules) to the aws.s3.BucketLifecycleConfiguration.',
  config: {
    maxNoncurrentDays: {
      type: "integer",
      minimum: 1,
      description:
        "Override: noncurrent versions expire within this many days (default: the rules' expectation, else 30).",
    },
  },
  types: LIFECYCLE,
  check(r, ctx, out) {
    const rules = at(r.props, "rules");
    if (!known(out, r, "rules", rules)) return;
    const override = ctx.config.maxNoncurrentDays === undefined ? undefined : { max: ctx.config.maxNoncurrentDays };
    const exp = envExpectation(ctx, r, out, "rules.0.noncurrentVersionExpiration.noncurrentDays", {
      override,
      fallback: { max: 30 },
      envFree: true,
    });
    if (!exp) return;
    let unknownSeen = false;
    const days: number[] = [];
    for (const rule of asArray(rules)) {
      const status = at(rule, "status");
      const expiries = asArray(at(rule, "noncurrentVersionExpiration")).map((e) => at(e, "noncurrentDays"));
      if (status === UNKNOWN || expiries.includes(UNKNOWN)) unknownSeen = true;
      if (status === "Enabled") for (const d of expiries) if (typeof d === "number") days.push(d);
    }
    if (days.some((d) => matchesSpec(exp.spec, d))) return;
    if (unknownSeen) return void known(out, r, "a rule's status or noncurrentDays", UNKNOWN);
    out.fail(
      days.length
        ? `${r.name}: noncurrent versions expire after ${days.join(", ")} days, expected ${describeSpec(exp.spec)} (${exp.source}).`
        : `${r.name}: no enabled rule sets noncurrentVersionExpiration.noncurrentDays (expected ${describeSpec(exp.spec)}, ${exp.source}).`,
      r.urn,
    );
  },
});

const PAB_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

export const s3BucketPublicAccessBlocked = resourcePolicy({
  name: "s3-bucket-public-access-blocked",
  description: "A bucket's public access block sets all four flags true.",
  why: "One flag left false is enough for an ACL or bucket policy to expose data publicly.",
  severity: "critical",
  remediationSteps: `Set ${PAB_FLAGS.map((f) => `\`${f}: true\``).join(", ")} on the aws.s3.BucketPublicAccessBlock.`,
  types: PAB,
  check(r, _ctx, out) {
    for (const f of PAB_FLAGS) {
      const v = r.props[f];
      if (!known(out, r, f, v)) continue;
      if (v !== true) out.fail(`${r.name}: ${f} is ${show(v)}, expected true.`, r.urn);
    }
  },
});

const COMPANIONS: readonly { what: string; types: readonly string[] }[] = [
  { what: "aws.s3.BucketVersioning", types: VERSIONING },
  { what: "aws.s3.BucketServerSideEncryptionConfiguration", types: SSE },
  { what: "aws.s3.BucketLifecycleConfiguration", types: LIFECYCLE },
  { what: "aws.s3.BucketPublicAccessBlock", types: PAB },
];

const isName = (v: unknown): v is string => typeof v === "string" && v !== UNKNOWN;

/*
 * A companion `c` belongs to a bucket `b` by `bucket` name when both are known, else by a dependency of `c` on `b`;
 * when neither decides and either name is unknown, it may belong ("unknown"). Per bucket this counts the companions
 * that belong and tells whether one may, from indexes built once per companion kind (linear in the stack):
 *  - b's name known: those named b's name, plus those without a known name that depend on b; "may" if a companion
 *    with an unknown name does not depend on b;
 *  - b's name unknown: those that depend on b; "may" if any other companion exists;
 *  - b's name absent (neither): those that depend on b; "may" if a companion with an unknown name does not depend on b.
 */
function countsFor(candidates: readonly PolicyInput[]) {
  const byName = new Map<string, number>();
  const byDep = new Map<string, Set<PolicyInput>>();
  let unknownNamed = 0;
  for (const c of candidates) {
    const target = c.props.bucket;
    if (isName(target)) byName.set(target, (byName.get(target) ?? 0) + 1);
    else if (target === UNKNOWN) unknownNamed++;
    for (const d of c.dependencies) {
      const set = byDep.get(d);
      if (set) set.add(c);
      else byDep.set(d, new Set([c]));
    }
  }
  return (b: PolicyInput): { n: number; maybe: boolean } => {
    const name = b.props.bucket;
    const deps = byDep.get(b.urn);
    let depUnresolved = 0;
    let depUnknown = 0;
    for (const c of deps ?? []) {
      if (!isName(c.props.bucket)) depUnresolved++;
      if (c.props.bucket === UNKNOWN) depUnknown++;
    }
    if (isName(name)) return { n: (byName.get(name) ?? 0) + depUnresolved, maybe: unknownNamed > depUnknown };
    const n = deps?.size ?? 0;
    return { n, maybe: name === UNKNOWN ? candidates.length > n : unknownNamed > depUnknown };
  };
}

export const s3BucketCompanionsPresent = stackPolicy({
  name: "s3-bucket-companions-present",
  description: "Every bucket has exactly one versioning, encryption, lifecycle and public access block resource.",
  why: "In aws v7 these settings are separate resources: a bucket without them silently gets AWS defaults (no versioning, no expiry, public access possible).",
  severity: "high",
  remediationSteps:
    "Create the missing companion resource for the bucket (e.g. aws.s3.BucketVersioning with `bucket: bucket.id`), as the platform's bucket component does.",
  types: [...BUCKET_TYPES, ...VERSIONING, ...SSE, ...LIFECYCLE, ...PAB],
  check(resources, _ctx, out: Outcome) {
    const buckets = resources.filter((r) => (BUCKET_TYPES as readonly string[]).includes(r.type));
    for (const { what, types } of COMPANIONS) {
      const countOf = countsFor(resources.filter((r) => types.includes(r.type)));
      for (const b of buckets) {
        const { n, maybe } = countOf(b);
        if (n === 1) continue;
        if (n > 1) out.fail(`${b.name}: ${n} ${what} resources target this bucket, expected exactly one.`, b.urn);
        else if (maybe)
          out.unknown(
            `${b.name}: cannot tell whether a ${what} targets this bucket (bucket name unknown at preview, no dependency recorded).`,
            b.urn,
          );
        else out.fail(`${b.name}: no ${what} targets this bucket.`, b.urn);
      }
    }
  },
});

export const s3Policies = [
  s3BucketVersioningEnabled,
  s3BucketSseConfigured,
  s3BucketNoncurrentExpiry,
  s3BucketPublicAccessBlocked,
  s3BucketCompanionsPresent,
];
