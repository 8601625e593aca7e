/**
 * One row per policy: how to break it (fail) and how to make its input unknown at preview (indeterminate).
 * Each row targets the resource whose name ends with `target`. Used by the harness tests and as the mutation suite.
 */
import type { SnapshotResource, Snapshot } from "../../consistency-rules/src/model";
import { drop, mutate, PAYMENTS_RULES, paymentsStack, referenceStack, RULES, UNKNOWN, type Env } from "./fixtures";

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
  /** The compliant stack the mutations start from (default: the reference stack). */
  readonly base?: "payments";
}

export function baseStack(c: PolicyCase, env: Env): Snapshot {
  return c.base === "payments" ? paymentsStack(env) : referenceStack(env);
}

/** Adds a resource `{env}-<project service>-<resource>` of `type` (a copy of the stack's first resource's shape). */
export function addResource(s: Snapshot, type: string, resource: string, props: Props): Snapshot {
  const { stack, project, env } = s.context;
  const service = project === "payments" ? "payments" : "ingest";
  const name = `${env}-${service}-${resource}`;
  const provider = s.resources.find((r) => r.provider)?.provider;
  return { ...s, resources: [...s.resources, { urn: `urn:pulumi:${stack}::${project}::${type}::${name}`, type, name, custom: true, dependencies: [], provider, props }] };
}

const tagsOf = (s: Snapshot) => ({ ...(s.resources.find((r) => r.name.endsWith("-vpc") || r.name.endsWith("-events-table"))?.props.tags as Props) });
const expectedIn = (env: Env, type: string, lid: string, path: string) => PAYMENTS_RULES.expectation(env, type, lid, path);
const OLD_AMI = "resolve:ssm:/aws/service/ami-amazon-linux-latest/amzn-ami-hvm-x86_64-gp2";
/** The dev NAT instance, or (staging/prod, which have none) an added forwarding instance. */
const natInstance = (ami: unknown) => (s: Snapshot, env: Env) =>
  env === "dev"
    ? mutate(s, "nat-instance", (p) => void (p.ami = ami))
    : addResource(s, "aws:ec2/instance:Instance", "forwarder-instance", { ami, instanceType: "t3.micro", sourceDestCheck: false, tags: tagsOf(s) });
const trust = (principal: unknown) => (p: Props) => void (p.assumeRolePolicy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: principal }, Action: "sts:AssumeRole" }] }));

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
  { policy: "lifecycle-rds-skip-final-snapshot", base: "payments", fail: { target: "db-cluster", apply: (p) => void (p.skipFinalSnapshot = false) }, unknown: { target: "db-cluster", apply: (p) => void (p.skipFinalSnapshot = UNKNOWN) } },
  { policy: "rds-cluster-storage-encrypted", base: "payments", fail: { target: "db-cluster", apply: (p) => void (p.storageEncrypted = false) }, unknown: { target: "db-cluster", apply: (p) => void (p.storageEncrypted = UNKNOWN) } },
  {
    policy: "rds-cluster-backup-retention",
    base: "payments",
    fail: { target: "db-cluster", apply: (p, _r, env) => void (p.backupRetentionPeriod = expectedIn(env, "aws:rds/cluster:Cluster", "payments-db-cluster", "backupRetentionPeriod") === 1 ? 3 : 1) },
    unknown: { target: "db-cluster", apply: (p) => void (p.backupRetentionPeriod = UNKNOWN) },
  },
  { policy: "rds-instance-not-public", base: "payments", fail: { target: "db-instance-1", apply: (p) => void (p.publiclyAccessible = true) }, unknown: { target: "db-instance-1", apply: (p) => void (p.publiclyAccessible = UNKNOWN) } },
  {
    policy: "rds-cluster-managed-master-password",
    base: "payments",
    fail: { target: "db-cluster", apply: (p) => void Object.assign(p, { manageMasterUserPassword: false, masterPassword: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "hunter22" } }) },
    unknown: { target: "db-cluster", apply: (p) => void (p.manageMasterUserPassword = UNKNOWN) },
  },
  {
    policy: "ec2-security-group-no-public-ingress",
    base: "payments",
    fail: { target: "db-sg-postgres-in", apply: (p) => void Object.assign(p, { cidrIpv4: "0.0.0.0/0", referencedSecurityGroupId: undefined }) },
    unknown: { target: "db-sg-postgres-in", apply: (p) => void (p.cidrIpv4 = UNKNOWN) },
  },
  {
    policy: "ec2-nat-per-environment",
    base: "payments",
    // dev: a NAT gateway where the rules approve only the instance; staging/prod: the approved gateway missing
    fail: (s, env) => (env === "dev" ? addResource(s, "aws:ec2/natGateway:NatGateway", "nat-gateway-1", { subnetId: "subnet-1", connectivityType: "public", tags: tagsOf(s) }) : drop(s, "nat-gateway-1")),
    // an unapproved instance whose sourceDestCheck is unknown: it may or may not be a NAT instance
    unknown: (s) => addResource(s, "aws:ec2/instance:Instance", "worker-instance", { ami: "ami-0123456789abcdef0", sourceDestCheck: UNKNOWN, tags: tagsOf(s) }),
  },
  { policy: "ec2-nat-instance-al2023", base: "payments", fail: natInstance(OLD_AMI), unknown: natInstance(UNKNOWN) },
  {
    policy: "cloudwatch-alarm-cpu-threshold",
    base: "payments",
    // staging/prod: 95 % (above both approved thresholds); dev: a CPU alarm where the rules approve none
    fail: (s, env) =>
      env === "dev"
        ? addResource(s, "aws:cloudwatch/metricAlarm:MetricAlarm", "db-cpu-alarm", { namespace: "AWS/RDS", metricName: "CPUUtilization", threshold: 80, tags: tagsOf(s) })
        : mutate(s, "db-cpu-alarm", (p) => void (p.threshold = 95)),
    unknown: (s, env) =>
      env === "dev"
        ? addResource(s, "aws:cloudwatch/metricAlarm:MetricAlarm", "db-cpu-alarm", { namespace: "AWS/RDS", metricName: UNKNOWN, threshold: 80, tags: tagsOf(s) })
        : mutate(s, "db-cpu-alarm", (p) => void (p.threshold = UNKNOWN)),
  },
  {
    policy: "iam-role-cross-account-trust",
    // dev/staging: the replica role trusts prod's whole account; prod: the function role trusts dev's account root
    fail: (s, env) =>
      env === "prod"
        ? mutate(s, "validator-role", trust(`arn:aws:iam::${RULES.environments.dev.accountId}:root`))
        : mutate(s, "config-replica-role", trust(`arn:aws:iam::${RULES.environments.prod.accountId}:root`)),
    unknown: { target: "validator-role", apply: trust(UNKNOWN) },
  },
  { policy: "parity-consistency-rules", fail: { target: "validator-function", apply: (p) => void (p.memorySize = 2048) }, unknown: { target: "validator-function", apply: (p) => void (p.memorySize = UNKNOWN) } },
];

export function applyCase(m: Mutation | ((s: Snapshot, env: Env) => Snapshot), s: Snapshot, env: Env): Snapshot {
  return typeof m === "function" ? m(s, env) : mutate(s, m.target, (p, r) => m.apply(p, r, env));
}
