/**
 * One row per policy: how to break it (fail) and how to make its input unknown at preview (indeterminate).
 * Each row targets the resource whose name ends with `target`. Used by the harness tests and as the mutation suite.
 */
import type { SnapshotResource, Snapshot } from "../../consistency-rules/src/model";
import { drop, mutate, RULES, UNKNOWN, type Env } from "./fixtures";

type Props = Record<string, unknown>;
export interface Mutation {
  readonly target: string;
  readonly apply: (props: Props, r: SnapshotResource, env: Env) => void | Partial<SnapshotResource>;
}
export interface PolicyCase {
  readonly policy: string;
  readonly fail: Mutation | ((s: Snapshot, env: Env) => Snapshot);
  /** undefined: the policy's inputs can never be unknown (explained in `why`). */
  readonly unknown?: Mutation | ((s: Snapshot, env: Env) => Snapshot);
  readonly why?: string;
}

const other = (env: Env): Env => (env === "prod" ? "dev" : "prod");
const setDoc = (statement: Record<string, unknown>) => (p: Props) => {
  p.policy = JSON.stringify({ Version: "2012-10-17", Statement: [statement] });
};

export const CASES: readonly PolicyCase[] = [
  { policy: "s3-bucket-versioning-enabled", fail: { target: "raw-bucket-versioning", apply: (p) => void (p.versioningConfiguration = { status: "Suspended" }) }, unknown: { target: "raw-bucket-versioning", apply: (p) => void (p.versioningConfiguration = { status: UNKNOWN }) } },
  { policy: "s3-bucket-sse-configured", fail: { target: "raw-bucket-sse", apply: (p) => void (p.rules = [{ bucketKeyEnabled: true }]) }, unknown: { target: "raw-bucket-sse", apply: (p) => void (p.rules = UNKNOWN) } },
  { policy: "s3-bucket-noncurrent-expiry", fail: { target: "raw-bucket-lifecycle", apply: (p) => void (p.rules = [{ id: "x", status: "Enabled", noncurrentVersionExpiration: { noncurrentDays: 90 } }]) }, unknown: { target: "raw-bucket-lifecycle", apply: (p) => void (p.rules = [{ id: "x", status: "Enabled", noncurrentVersionExpiration: { noncurrentDays: UNKNOWN } }]) } },
  { policy: "s3-bucket-public-access-blocked", fail: { target: "raw-bucket-public-access", apply: (p) => void (p.blockPublicPolicy = false) }, unknown: { target: "raw-bucket-public-access", apply: (p) => void (p.restrictPublicBuckets = UNKNOWN) } },
  {
    policy: "s3-bucket-companions-present",
    fail: (s) => drop(s, "raw-bucket-versioning"),
    // bucket name unknown at preview and the companion records no dependency: cannot link them
    unknown: (s) => mutate(mutate(s, "raw-bucket", (p) => void (p.bucket = UNKNOWN)), "raw-bucket-versioning", (p) => {
      p.bucket = UNKNOWN;
      return { dependencies: [] };
    }),
  },
  { policy: "lambda-function-runtime-allowed", fail: { target: "validator-function", apply: (p) => void (p.runtime = "nodejs20.x") }, unknown: { target: "validator-function", apply: (p) => void (p.runtime = UNKNOWN) } },
  { policy: "lambda-functions-same-runtime", fail: { target: "transformer-function", apply: (p) => void (p.runtime = "python3.12") }, unknown: { target: "transformer-function", apply: (p) => void (p.runtime = UNKNOWN) } },
  { policy: "lambda-function-timeout-max", fail: { target: "validator-function", apply: (p) => void (p.timeout = 900) }, unknown: { target: "validator-function", apply: (p) => void (p.timeout = UNKNOWN) } },
  {
    policy: "lambda-function-xray-tracing",
    fail: { target: "validator-function", apply: (p, _r, env) => void (p.tracingConfig = { mode: RULES.expectation(env, "aws:lambda/function:Function", "ingest-validator-function", "tracingConfig.mode") === "Active" ? "PassThrough" : "Active" }) },
    unknown: { target: "validator-function", apply: (p) => void (p.tracingConfig = { mode: UNKNOWN }) },
  },
  { policy: "lambda-function-log-group", fail: { target: "validator-function", apply: (_p: Props, r: SnapshotResource) => ({ dependencies: r.dependencies.filter((d: string) => !d.endsWith("-logs")) }) }, unknown: { target: "validator-function", apply: (p) => void (p.name = UNKNOWN) } },
  { policy: "dynamodb-table-pitr-enabled", fail: { target: "events-table", apply: (p) => void (p.pointInTimeRecovery = { enabled: false }) }, unknown: { target: "events-table", apply: (p) => void (p.pointInTimeRecovery = { enabled: UNKNOWN }) } },
  { policy: "dynamodb-table-billing-mode", fail: { target: "events-table", apply: (p) => void (p.billingMode = "PROVISIONED") }, unknown: { target: "events-table", apply: (p) => void (p.billingMode = UNKNOWN) } },
  { policy: "dynamodb-table-timestamp-index", fail: { target: "events-table", apply: (p) => void (p.globalSecondaryIndexes = [{ name: "by-time", hashKey: "source", projectionType: "ALL" }]) }, unknown: { target: "events-table", apply: (p) => void (p.globalSecondaryIndexes = UNKNOWN) } },
  { policy: "sqs-queue-retention", fail: { target: "work-queue", apply: (p) => void (p.messageRetentionSeconds = 345600) }, unknown: { target: "work-queue", apply: (p) => void (p.messageRetentionSeconds = UNKNOWN) } },
  {
    policy: "sqs-queue-redrive",
    fail: { target: "work-queue", apply: (p) => void (p.redrivePolicy = JSON.stringify({ deadLetterTargetArn: "arn:aws:sqs:us-east-1:111111111111:x", maxReceiveCount: 5 })) },
    unknown: { target: "work-queue", apply: (p) => void (p.redrivePolicy = UNKNOWN) },
  },
  { policy: "sns-subscription-protocol-allowed", fail: { target: "alerts-email-0", apply: (p) => void (p.protocol = "http") }, unknown: { target: "alerts-email-0", apply: (p) => void (p.protocol = UNKNOWN) } },
  { policy: "iam-policy-no-wildcard-actions", fail: { target: "validator-policy", apply: setDoc({ Effect: "Allow", Action: "dynamodb:*", Resource: "arn:aws:dynamodb:us-east-1:111111111111:table/t" }) }, unknown: { target: "validator-policy", apply: (p) => void (p.policy = UNKNOWN) } },
  {
    policy: "iam-policy-no-wildcard-resources",
    fail: { target: "validator-policy", apply: setDoc({ Effect: "Allow", Action: ["dynamodb:PutItem"], Resource: "*" }) },
    // an ARN interpolated from an output: the JSON string contains the unknown sentinel
    unknown: { target: "validator-policy", apply: setDoc({ Effect: "Allow", Action: ["dynamodb:PutItem"], Resource: UNKNOWN }) },
  },
  {
    policy: "iam-policy-no-cross-environment",
    fail: { target: "validator-policy", apply: (p, _r, env) => setDoc({ Effect: "Allow", Action: ["sqs:SendMessage"], Resource: `arn:aws:sqs:us-east-1:${RULES.environments[other(env)].accountId}:q` })(p) },
    unknown: { target: "validator-role", apply: (p) => void (p.assumeRolePolicy = UNKNOWN) },
  },
  { policy: "cloudwatch-log-group-retention", fail: { target: "validator-logs", apply: (p) => void (p.retentionInDays = 14) }, unknown: { target: "validator-logs", apply: (p) => void (p.retentionInDays = UNKNOWN) } },
  { policy: "tags-required", fail: { target: "events-table", apply: (p) => void delete (p.tags as Props).Team }, unknown: { target: "events-table", apply: (p) => void (p.tags = UNKNOWN) } },
  { policy: "tags-environment-matches-stack", fail: { target: "work-queue", apply: (p, _r, env) => void ((p.tags as Props).Environment = other(env)) }, unknown: { target: "work-queue", apply: (p) => void ((p.tags as Props).Environment = UNKNOWN) } },
  { policy: "naming-resource-convention", fail: { target: "alerts-topic", apply: (p) => void (p.name = "alerts") }, unknown: { target: "alerts-topic", apply: (p) => void (p.name = UNKNOWN) } },
  { policy: "lifecycle-resource-not-protected", fail: { target: "events-table", apply: () => ({ protect: true }) }, why: "`protect` is a resource option the engine always knows; it is never unknown at preview" },
  { policy: "lifecycle-no-deletion-protection", fail: { target: "events-table", apply: (p) => void (p.deletionProtectionEnabled = true) }, unknown: { target: "events-table", apply: (p) => void (p.deletionProtectionEnabled = UNKNOWN) } },
  { policy: "lifecycle-s3-bucket-force-destroy", fail: { target: "raw-bucket", apply: (p) => void (p.forceDestroy = false) }, unknown: { target: "raw-bucket", apply: (p) => void (p.forceDestroy = UNKNOWN) } },
  { policy: "parity-consistency-rules", fail: { target: "validator-function", apply: (p) => void (p.memorySize = 2048) }, unknown: { target: "validator-function", apply: (p) => void (p.memorySize = UNKNOWN) } },
];

export function applyCase(m: Mutation | ((s: Snapshot, env: Env) => Snapshot), s: Snapshot, env: Env): Snapshot {
  return typeof m === "function" ? m(s, env) : mutate(s, m.target, (p, r) => m.apply(p, r, env));
}
