/**
 * One row per policy: how to break it (fail) and how to make its input unknown at preview (indeterminate).
 * Each row targets the resource whose name ends with `target`. Used by the harness tests and as the mutation suite.
 */
import type { SnapshotResource, Snapshot } from "../../consistency-rules/src/model";
import { drop, mutate, PAYMENTS_RULES, paymentsStack, referenceStack, RULES, UNKNOWN, type Env } from "./fixtures";
import RULES_JSON from "../../consistency-rules/data-platform.rules.json";

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
  /** The policy's default enforcement (default: mandatory). */
  readonly enforcement?: "advisory";
  /** Further cases: a named stack change and what the policy must decide on it (pass: no violation, no indeterminate). */
  readonly more?: readonly MoreCase[];
}
export interface MoreCase {
  readonly name: string;
  readonly expect: "pass" | "fail" | "unknown";
  readonly apply: (s: Snapshot, env: Env) => Snapshot;
  /** Pack config for this case (then reset). */
  readonly config?: Record<string, unknown>;
  /** Environments the case applies to (default: all). */
  readonly envs?: readonly Env[];
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
  return {
    ...s,
    resources: [
      ...s.resources,
      {
        urn: `urn:pulumi:${stack}::${project}::${type}::${name}`,
        type,
        name,
        custom: true,
        dependencies: [],
        provider,
        props,
      },
    ],
  };
}

const tagsOf = (s: Snapshot) => ({
  ...(s.resources.find((r) => r.name.endsWith("-vpc") || r.name.endsWith("-events-table"))?.props.tags as Props),
});
const expectedIn = (env: Env, type: string, lid: string, path: string) =>
  PAYMENTS_RULES.expectation(env, type, lid, path);
const OLD_AMI = "resolve:ssm:/aws/service/ami-amazon-linux-latest/amzn-ami-hvm-x86_64-gp2";
/** The dev NAT instance, or (staging/prod, which have none) an added forwarding instance. */
const natInstance = (ami: unknown) => (s: Snapshot, env: Env) =>
  env === "dev"
    ? mutate(s, "nat-instance", (p) => void (p.ami = ami))
    : addResource(s, "aws:ec2/instance:Instance", "forwarder-instance", {
        ami,
        instanceType: "t3.micro",
        sourceDestCheck: false,
        tags: tagsOf(s),
      });
const trust = (principal: unknown) => (p: Props) =>
  void (p.assumeRolePolicy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: principal }, Action: "sts:AssumeRole" }],
  }));

const other = (env: Env): Env => (env === "prod" ? "dev" : "prod");
const setDoc = (statement: Record<string, unknown>) => (p: Props) => {
  p.policy = JSON.stringify({ Version: "2012-10-17", Statement: [statement] });
};

const acct = (env: Env) => RULES.environments[env].accountId!;
const region = (env: Env) => RULES.environments[env].region!;
const attach =
  (type: string, resource: string, arn: unknown, extra: Props = {}) =>
  (s: Snapshot, env: Env) =>
    addResource(s, type, resource, {
      policyArn: arn,
      ...extra,
      ...(type.endsWith("RolePolicyAttachment") ? { role: `${env}-ingest-validator-role-x1` } : {}),
    });
const managed = (name: string) => `arn:aws:iam::aws:policy/${name}`;
const ROLE_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const QUEUE = "aws:sqs/queue:Queue";
const queueArn = (env: Env, name: string) => `arn:aws:sqs:${region(env)}:${acct(env)}:${name}`;
/** Removes the queue's own redrive and adds an aws.sqs.RedrivePolicy for it (queueUrl and redrive as given). */
const redriveResource = (queueUrl: (env: Env) => unknown, redrive: (env: Env) => unknown) => (s: Snapshot, env: Env) =>
  addResource(
    mutate(s, "work-queue", (p) => void delete p.redrivePolicy),
    "aws:sqs/redrivePolicy:RedrivePolicy",
    "work-queue-redrive",
    { queueUrl: queueUrl(env), redrivePolicy: redrive(env) },
  );
const workQueueUrl = (env: Env) => `https://sqs.${region(env)}.amazonaws.com/${acct(env)}/${env}-ingest-work-queue-x1`;
const dlqRedrive = (env: Env) =>
  JSON.stringify({ deadLetterTargetArn: queueArn(env, `${env}-ingest-work-dlq-x1`), maxReceiveCount: 3 });
/** Config giving `policy` the data-platform rules (inline) with `approval` added and the invariants `drop` removed. */
const rulesWith = (policy: string, approval: Record<string, unknown>, drop: string[] = []) => {
  const raw = JSON.parse(JSON.stringify(RULES_JSON)) as { invariants: { id: string }[]; approvals: unknown[] };
  raw.invariants = raw.invariants.filter((i) => !drop.includes(i.id));
  raw.approvals.push({ reason: "an approved per-environment difference", owner: "platform-team", ...approval });
  return { [policy]: { rules: raw } };
};
/** Queue retention an approved per-environment difference (dev keeps 4 days). */
const retentionApproved = rulesWith(
  "sqs-queue-retention",
  {
    id: "sqs-retention-dev",
    type: QUEUE,
    resource: "ingest-work-queue",
    path: "messageRetentionSeconds",
    values: { dev: 345600, staging: 1209600, prod: 1209600 },
  },
  ["parity-sqs-queue-retention"],
);
const noncurrentApproved = rulesWith(
  "s3-bucket-noncurrent-expiry",
  {
    id: "noncurrent-prod-90",
    type: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    resource: "*",
    path: "rules.*.noncurrentVersionExpiration.noncurrentDays",
    values: { dev: 30, staging: 30, prod: 90 },
  },
  ["parity-s3-noncurrent-expiry"],
);
const noncurrent = (days: number) => (p: Props) =>
  void (p.rules = [
    { id: "expire-noncurrent", status: "Enabled", noncurrentVersionExpiration: { noncurrentDays: days } },
  ]);
const protectedInProd = rulesWith("lifecycle-no-deletion-protection", {
  id: "events-table-protected-in-prod",
  type: "aws:dynamodb/table:Table",
  resource: "ingest-events-table",
  path: "deletionProtectionEnabled",
  values: { dev: false, staging: false, prod: true },
});
const imageFunction = (packageType: unknown) => (p: Props) => {
  delete p.runtime;
  delete p.handler;
  Object.assign(p, { packageType, imageUri: "111111111111.dkr.ecr.us-east-2.amazonaws.com/validator:1" });
};
const providerDefaultTags = (encode: (tags: Props) => unknown) => (s: Snapshot) => {
  const tags = tagsOf(s);
  const copy = mutate(s, "events-table", (p) => void delete p.tags);
  return {
    ...copy,
    resources: copy.resources.map((r) =>
      r.type === "pulumi:providers:aws" ? { ...r, props: { ...r.props, defaultTags: encode(tags) } } : r,
    ),
  };
};
const replicatorArn = (env: Env) => `arn:aws:iam::${acct(env)}:role/${env}-ingest-config-replicator-role-x1`;

export const CASES: readonly PolicyCase[] = [
  {
    policy: "s3-bucket-versioning-enabled",
    fail: { target: "raw-bucket-versioning", apply: (p) => void (p.versioningConfiguration = { status: "Suspended" }) },
    unknown: { target: "raw-bucket-versioning", apply: (p) => void (p.versioningConfiguration = { status: UNKNOWN }) },
  },
  {
    policy: "s3-bucket-sse-configured",
    fail: { target: "raw-bucket-sse", apply: (p) => void (p.rules = [{ bucketKeyEnabled: true }]) },
    unknown: { target: "raw-bucket-sse", apply: (p) => void (p.rules = UNKNOWN) },
  },
  {
    policy: "s3-bucket-noncurrent-expiry",
    fail: {
      target: "raw-bucket-lifecycle",
      apply: (p) =>
        void (p.rules = [{ id: "x", status: "Enabled", noncurrentVersionExpiration: { noncurrentDays: 90 } }]),
    },
    unknown: {
      target: "raw-bucket-lifecycle",
      apply: (p) =>
        void (p.rules = [{ id: "x", status: "Enabled", noncurrentVersionExpiration: { noncurrentDays: UNKNOWN } }]),
    },
    more: [
      {
        name: "prod keeping noncurrent versions 90 days, as the rules approve, passes",
        expect: "pass",
        envs: ["prod"],
        config: noncurrentApproved,
        apply: (s) => mutate(s, "raw-bucket-lifecycle", noncurrent(90)),
      },
      {
        name: "dev keeping them 90 days where the rules approve 30 fails",
        expect: "fail",
        envs: ["dev"],
        config: noncurrentApproved,
        apply: (s) => mutate(s, "raw-bucket-lifecycle", noncurrent(90)),
      },
    ],
  },
  {
    policy: "s3-bucket-public-access-blocked",
    fail: { target: "raw-bucket-public-access", apply: (p) => void (p.blockPublicPolicy = false) },
    unknown: { target: "raw-bucket-public-access", apply: (p) => void (p.restrictPublicBuckets = UNKNOWN) },
  },
  {
    policy: "s3-bucket-companions-present",
    fail: (s) => drop(s, "raw-bucket-versioning"),
    // bucket name unknown at preview and the companion records no dependency: cannot link them
    unknown: (s) =>
      mutate(
        mutate(s, "raw-bucket", (p) => void (p.bucket = UNKNOWN)),
        "raw-bucket-versioning",
        (p) => {
          p.bucket = UNKNOWN;
          return { dependencies: [] };
        },
      ),
  },
  {
    policy: "lambda-function-runtime-allowed",
    fail: { target: "validator-function", apply: (p) => void (p.runtime = "nodejs20.x") },
    unknown: { target: "validator-function", apply: (p) => void (p.runtime = UNKNOWN) },
    more: [
      {
        name: "a container-image function (packageType Image, no runtime) passes",
        expect: "pass",
        apply: (s) => mutate(s, "validator-function", imageFunction("Image")),
      },
      {
        name: "a function whose packageType is unknown and has no runtime is indeterminate",
        expect: "unknown",
        apply: (s) => mutate(s, "validator-function", imageFunction(UNKNOWN)),
      },
      {
        name: "a Zip function without runtime fails",
        expect: "fail",
        apply: (s) => mutate(s, "validator-function", imageFunction("Zip")),
      },
    ],
  },
  {
    policy: "lambda-functions-same-runtime",
    fail: { target: "transformer-function", apply: (p) => void (p.runtime = "python3.12") },
    unknown: { target: "transformer-function", apply: (p) => void (p.runtime = UNKNOWN) },
    more: [
      {
        name: "a container-image function next to a nodejs22.x one passes (it has no runtime)",
        expect: "pass",
        apply: (s) => mutate(s, "validator-function", imageFunction("Image")),
      },
    ],
  },
  {
    policy: "lambda-function-timeout-max",
    fail: { target: "validator-function", apply: (p) => void (p.timeout = 900) },
    unknown: { target: "validator-function", apply: (p) => void (p.timeout = UNKNOWN) },
  },
  {
    policy: "lambda-function-xray-tracing",
    fail: {
      target: "validator-function",
      apply: (p, _r, env) =>
        void (p.tracingConfig = {
          mode:
            RULES.expectation(
              env,
              "aws:lambda/function:Function",
              "ingest-validator-function",
              "tracingConfig.mode",
            ) === "Active"
              ? "PassThrough"
              : "Active",
        }),
    },
    unknown: { target: "validator-function", apply: (p) => void (p.tracingConfig = { mode: UNKNOWN }) },
  },
  {
    policy: "lambda-function-log-group",
    fail: {
      target: "validator-function",
      apply: (_p: Props, r: SnapshotResource) => ({
        dependencies: r.dependencies.filter((d: string) => !d.endsWith("-logs")),
      }),
    },
    unknown: { target: "validator-function", apply: (p) => void (p.name = UNKNOWN) },
  },
  {
    policy: "dynamodb-table-pitr-enabled",
    fail: { target: "events-table", apply: (p) => void (p.pointInTimeRecovery = { enabled: false }) },
    unknown: { target: "events-table", apply: (p) => void (p.pointInTimeRecovery = { enabled: UNKNOWN }) },
  },
  {
    policy: "dynamodb-table-billing-mode",
    fail: { target: "events-table", apply: (p) => void (p.billingMode = "PROVISIONED") },
    unknown: { target: "events-table", apply: (p) => void (p.billingMode = UNKNOWN) },
  },
  {
    policy: "dynamodb-table-timestamp-index",
    fail: {
      target: "events-table",
      apply: (p) => void (p.globalSecondaryIndexes = [{ name: "by-time", hashKey: "source", projectionType: "ALL" }]),
    },
    unknown: { target: "events-table", apply: (p) => void (p.globalSecondaryIndexes = UNKNOWN) },
  },
  {
    policy: "sqs-queue-retention",
    fail: { target: "work-queue", apply: (p) => void (p.messageRetentionSeconds = 345600) },
    unknown: { target: "work-queue", apply: (p) => void (p.messageRetentionSeconds = UNKNOWN) },
    more: [
      {
        name: "an approved dev retention (4 days, approved in the rules) passes",
        expect: "pass",
        envs: ["dev"],
        config: retentionApproved,
        apply: (s) => mutate(s, "work-queue", (p) => void (p.messageRetentionSeconds = 345600)),
      },
      {
        name: "dev keeping 14 days where the rules approve 4 fails",
        expect: "fail",
        envs: ["dev"],
        config: retentionApproved,
        apply: (s) => s,
      },
      {
        name: "prod keeping the dev value fails",
        expect: "fail",
        envs: ["prod"],
        config: retentionApproved,
        apply: (s) => mutate(s, "work-queue", (p) => void (p.messageRetentionSeconds = 345600)),
      },
    ],
  },
  {
    policy: "sqs-queue-redrive",
    fail: {
      target: "work-queue",
      apply: (p) =>
        void (p.redrivePolicy = JSON.stringify({
          deadLetterTargetArn: "arn:aws:sqs:us-east-1:111111111111:x",
          maxReceiveCount: 5,
        })),
    },
    unknown: { target: "work-queue", apply: (p) => void (p.redrivePolicy = UNKNOWN) },
    more: [
      {
        name: "a dead-letter queue not named -dlq (another queue's redrive targets it) passes",
        expect: "pass",
        apply: (s, env) =>
          addResource(
            addResource(s, QUEUE, "orders-failed", {
              name: `${env}-ingest-orders-failed-x1`,
              messageRetentionSeconds: 1209600,
            }),
            QUEUE,
            "orders-queue",
            {
              name: `${env}-ingest-orders-queue-x1`,
              messageRetentionSeconds: 1209600,
              redrivePolicy: JSON.stringify({
                deadLetterTargetArn: queueArn(env, `${env}-ingest-orders-failed-x1`),
                maxReceiveCount: 3,
              }),
            },
          ),
      },
      {
        name: "a queue named -dlq that nothing targets has no redrive: fails",
        expect: "fail",
        apply: (s, env) =>
          addResource(s, QUEUE, "stray-dlq", { name: `${env}-ingest-stray-dlq-x1`, messageRetentionSeconds: 1209600 }),
      },
      {
        name: "an aws.sqs.RedrivePolicy resource counts as the queue's redrive",
        expect: "pass",
        apply: redriveResource(workQueueUrl, dlqRedrive),
      },
      {
        name: "an aws.sqs.RedrivePolicy with maxReceiveCount 7 fails",
        expect: "fail",
        apply: redriveResource(workQueueUrl, (env) =>
          JSON.stringify({ deadLetterTargetArn: queueArn(env, `${env}-ingest-work-dlq-x1`), maxReceiveCount: 7 }),
        ),
      },
      {
        name: "an aws.sqs.RedrivePolicy whose redrive is unknown at preview is indeterminate",
        expect: "unknown",
        apply: redriveResource(
          () => UNKNOWN,
          () => UNKNOWN,
        ),
      },
      {
        name: "a queue that is a Lambda function's dead-letter target is a DLQ",
        expect: "pass",
        apply: (s, env) =>
          mutate(
            addResource(s, QUEUE, "fn-failures", {
              name: `${env}-ingest-fn-failures-x1`,
              messageRetentionSeconds: 1209600,
            }),
            "validator-function",
            (p) => void (p.deadLetterConfig = { targetArn: queueArn(env, `${env}-ingest-fn-failures-x1`) }),
          ),
      },
    ],
  },
  {
    policy: "sns-subscription-protocol-allowed",
    fail: { target: "alerts-email-0", apply: (p) => void (p.protocol = "http") },
    unknown: { target: "alerts-email-0", apply: (p) => void (p.protocol = UNKNOWN) },
  },
  {
    policy: "iam-policy-no-wildcard-actions",
    fail: {
      target: "validator-policy",
      apply: setDoc({
        Effect: "Allow",
        Action: "dynamodb:*",
        Resource: "arn:aws:dynamodb:us-east-1:111111111111:table/t",
      }),
    },
    unknown: { target: "validator-policy", apply: (p) => void (p.policy = UNKNOWN) },
    more: [
      {
        name: "a `?` wildcard action fails",
        expect: "fail",
        apply: (s) =>
          mutate(
            s,
            "validator-policy",
            setDoc({ Effect: "Allow", Action: "s3:?etObject", Resource: "arn:aws:s3:::b/k" }),
          ),
      },
      {
        name: "an aws.iam.UserPolicy with s3:* fails",
        expect: "fail",
        apply: (s) =>
          addResource(s, "aws:iam/userPolicy:UserPolicy", "ci-user-policy", {
            user: "ci",
            policy: JSON.stringify({
              Version: "2012-10-17",
              Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::b" }],
            }),
          }),
      },
      {
        name: "an aws.iam.GroupPolicy with iam:* fails",
        expect: "fail",
        apply: (s) =>
          addResource(s, "aws:iam/groupPolicy:GroupPolicy", "ops-group-policy", {
            group: "ops",
            policy: JSON.stringify({
              Version: "2012-10-17",
              Statement: [{ Effect: "Allow", Action: ["iam:*"], Resource: "arn:aws:iam::111111111111:role/x" }],
            }),
          }),
      },
      {
        name: "an aws.iam.UserPolicy whose document is unknown is indeterminate",
        expect: "unknown",
        apply: (s) =>
          addResource(s, "aws:iam/userPolicy:UserPolicy", "ci-user-policy", { user: "ci", policy: UNKNOWN }),
      },
    ],
  },
  {
    policy: "iam-policy-no-wildcard-resources",
    fail: {
      target: "validator-policy",
      apply: setDoc({ Effect: "Allow", Action: ["dynamodb:PutItem"], Resource: "*" }),
    },
    // an ARN interpolated from an output: the JSON string contains the unknown sentinel
    unknown: {
      target: "validator-policy",
      apply: setDoc({ Effect: "Allow", Action: ["dynamodb:PutItem"], Resource: UNKNOWN }),
    },
    more: [
      {
        name: "a `?` wildcard in a Resource fails",
        expect: "fail",
        apply: (s, env) =>
          mutate(
            s,
            "validator-policy",
            setDoc({
              Effect: "Allow",
              Action: ["dynamodb:PutItem"],
              Resource: `arn:aws:dynamodb:${region(env)}:${acct(env)}:table/t?`,
            }),
          ),
      },
    ],
  },
  {
    policy: "iam-policy-no-cross-environment",
    fail: {
      target: "validator-policy",
      apply: (p, _r, env) =>
        setDoc({
          Effect: "Allow",
          Action: ["sqs:SendMessage"],
          Resource: `arn:aws:sqs:us-east-1:${RULES.environments[other(env)].accountId}:q`,
        })(p),
    },
    unknown: { target: "validator-role", apply: (p) => void (p.assumeRolePolicy = UNKNOWN) },
    more: [
      {
        name: "dev's replicator policy assuming prod's replica role (against the declared direction prod → dev, staging) fails",
        expect: "fail",
        envs: ["dev"],
        apply: (s) =>
          mutate(
            s,
            "validator-policy",
            setDoc({
              Effect: "Allow",
              Action: ["sts:AssumeRole"],
              Resource: `arn:aws:iam::${acct("prod")}:role/prod-ingest-config-replica-role-x1`,
            }),
          ),
      },
    ],
  },
  {
    policy: "cloudwatch-log-group-retention",
    fail: { target: "validator-logs", apply: (p) => void (p.retentionInDays = 14) },
    unknown: { target: "validator-logs", apply: (p) => void (p.retentionInDays = UNKNOWN) },
  },
  {
    policy: "tags-required",
    fail: { target: "events-table", apply: (p) => void delete (p.tags as Props).Team },
    unknown: { target: "events-table", apply: (p) => void (p.tags = UNKNOWN) },
    more: [
      {
        name: "tags from the provider's defaultTags, JSON-encoded as the provider's inputs send them, pass",
        expect: "pass",
        apply: providerDefaultTags((tags) => JSON.stringify({ tags })),
      },
      {
        name: "tags from the provider's defaultTags as an object pass",
        expect: "pass",
        apply: providerDefaultTags((tags) => ({ tags })),
      },
      {
        name: "the provider's defaultTags unknown at preview is indeterminate",
        expect: "unknown",
        apply: providerDefaultTags(() => UNKNOWN),
      },
      {
        name: "JSON-encoded defaultTags lacking Team fail",
        expect: "fail",
        apply: providerDefaultTags((tags) => JSON.stringify({ tags: { ...tags, Team: undefined } })),
      },
      {
        name: "an untagged type outside the old fixed list (aws.vpc.SecurityGroupEgressRule, taggable in the provider schema) fails",
        expect: "fail",
        apply: (s) =>
          addResource(s, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "app-sg-https-out", {
            securityGroupId: "sg-1",
            ipProtocol: "tcp",
            fromPort: 443,
            toPort: 443,
            cidrIpv4: "10.0.0.0/16",
          }),
      },
    ],
  },
  {
    policy: "tags-environment-matches-stack",
    fail: { target: "work-queue", apply: (p, _r, env) => void ((p.tags as Props).Environment = other(env)) },
    unknown: { target: "work-queue", apply: (p) => void ((p.tags as Props).Environment = UNKNOWN) },
  },
  {
    policy: "naming-resource-convention",
    fail: { target: "alerts-topic", apply: (p) => void (p.name = "alerts") },
    unknown: { target: "alerts-topic", apply: (p) => void (p.name = UNKNOWN) },
  },
  {
    policy: "lifecycle-resource-not-protected",
    fail: { target: "events-table", apply: () => ({ protect: true }) },
    why: "`protect` is a resource option the engine always knows; it is never unknown at preview",
  },
  {
    policy: "lifecycle-no-deletion-protection",
    fail: { target: "events-table", apply: (p) => void (p.deletionProtectionEnabled = true) },
    unknown: { target: "events-table", apply: (p) => void (p.deletionProtectionEnabled = UNKNOWN) },
    more: [
      {
        name: "deletion protection the rules approve in prod passes",
        expect: "pass",
        envs: ["prod"],
        config: protectedInProd,
        apply: (s) => mutate(s, "events-table", (p) => void (p.deletionProtectionEnabled = true)),
      },
      {
        name: "deletion protection in dev, where the rules approve none, fails",
        expect: "fail",
        envs: ["dev"],
        config: protectedInProd,
        apply: (s) => mutate(s, "events-table", (p) => void (p.deletionProtectionEnabled = true)),
      },
    ],
  },
  {
    policy: "lifecycle-s3-bucket-force-destroy",
    fail: { target: "raw-bucket", apply: (p) => void (p.forceDestroy = false) },
    unknown: { target: "raw-bucket", apply: (p) => void (p.forceDestroy = UNKNOWN) },
  },
  {
    policy: "lifecycle-rds-skip-final-snapshot",
    base: "payments",
    fail: { target: "db-cluster", apply: (p) => void (p.skipFinalSnapshot = false) },
    unknown: { target: "db-cluster", apply: (p) => void (p.skipFinalSnapshot = UNKNOWN) },
  },
  {
    policy: "rds-cluster-storage-encrypted",
    base: "payments",
    fail: { target: "db-cluster", apply: (p) => void (p.storageEncrypted = false) },
    unknown: { target: "db-cluster", apply: (p) => void (p.storageEncrypted = UNKNOWN) },
  },
  {
    policy: "rds-cluster-backup-retention",
    base: "payments",
    fail: {
      target: "db-cluster",
      apply: (p, _r, env) =>
        void (p.backupRetentionPeriod =
          expectedIn(env, "aws:rds/cluster:Cluster", "payments-db-cluster", "backupRetentionPeriod") === 1 ? 3 : 1),
    },
    unknown: { target: "db-cluster", apply: (p) => void (p.backupRetentionPeriod = UNKNOWN) },
  },
  {
    policy: "rds-instance-not-public",
    base: "payments",
    fail: { target: "db-instance-1", apply: (p) => void (p.publiclyAccessible = true) },
    unknown: { target: "db-instance-1", apply: (p) => void (p.publiclyAccessible = UNKNOWN) },
  },
  {
    policy: "rds-cluster-managed-master-password",
    base: "payments",
    fail: {
      target: "db-cluster",
      apply: (p) =>
        void Object.assign(p, {
          manageMasterUserPassword: false,
          masterPassword: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "hunter22" },
        }),
    },
    unknown: { target: "db-cluster", apply: (p) => void (p.manageMasterUserPassword = UNKNOWN) },
  },
  {
    policy: "ec2-security-group-no-public-ingress",
    base: "payments",
    fail: {
      target: "db-sg-postgres-in",
      apply: (p) => void Object.assign(p, { cidrIpv4: "0.0.0.0/0", referencedSecurityGroupId: undefined }),
    },
    unknown: { target: "db-sg-postgres-in", apply: (p) => void (p.cidrIpv4 = UNKNOWN) },
  },
  {
    policy: "ec2-nat-per-environment",
    base: "payments",
    // dev: a NAT gateway where the rules approve only the instance; staging/prod: the approved gateway missing
    fail: (s, env) =>
      env === "dev"
        ? addResource(s, "aws:ec2/natGateway:NatGateway", "nat-gateway-1", {
            subnetId: "subnet-1",
            connectivityType: "public",
            tags: tagsOf(s),
          })
        : drop(s, "nat-gateway-1"),
    // an unapproved instance whose sourceDestCheck is unknown: it may or may not be a NAT instance
    unknown: (s) =>
      addResource(s, "aws:ec2/instance:Instance", "worker-instance", {
        ami: "ami-0123456789abcdef0",
        sourceDestCheck: UNKNOWN,
        tags: tagsOf(s),
      }),
  },
  { policy: "ec2-nat-instance-al2023", base: "payments", fail: natInstance(OLD_AMI), unknown: natInstance(UNKNOWN) },
  {
    policy: "cloudwatch-alarm-cpu-threshold",
    base: "payments",
    // staging/prod: 95 % (above both approved thresholds); dev: a CPU alarm where the rules approve none
    fail: (s, env) =>
      env === "dev"
        ? addResource(s, "aws:cloudwatch/metricAlarm:MetricAlarm", "db-cpu-alarm", {
            namespace: "AWS/RDS",
            metricName: "CPUUtilization",
            threshold: 80,
            tags: tagsOf(s),
          })
        : mutate(s, "db-cpu-alarm", (p) => void (p.threshold = 95)),
    unknown: (s, env) =>
      env === "dev"
        ? addResource(s, "aws:cloudwatch/metricAlarm:MetricAlarm", "db-cpu-alarm", {
            namespace: "AWS/RDS",
            metricName: UNKNOWN,
            threshold: 80,
            tags: tagsOf(s),
          })
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
    more: [
      {
        name: "a prod role trusting dev's replicator (the wrong direction) fails",
        expect: "fail",
        envs: ["prod"],
        apply: (s) => mutate(s, "validator-role", trust(replicatorArn("dev"))),
      },
      {
        name: "staging's replica role trusting dev's replicator (dev is no replication source) fails",
        expect: "fail",
        envs: ["staging"],
        apply: (s) => mutate(s, "config-replica-role", trust(replicatorArn("dev"))),
      },
      {
        name: "dev's replica role trusting prod's replicator (the declared direction) passes",
        expect: "pass",
        envs: ["dev"],
        apply: (s) => s,
      },
    ],
  },
  {
    policy: "iam-managed-policy-not-admin",
    fail: attach(ROLE_ATTACHMENT, "validator-lambda-access", managed("AWSLambda_FullAccess")),
    unknown: attach(ROLE_ATTACHMENT, "validator-lambda-access", UNKNOWN),
    more: [
      {
        name: "Role.managedPolicyArns with AdministratorAccess fails",
        expect: "fail",
        apply: (s) => mutate(s, "validator-role", (p) => void (p.managedPolicyArns = [managed("AdministratorAccess")])),
      },
      {
        name: "a PolicyAttachment of AmazonS3FullAccess fails",
        expect: "fail",
        apply: attach("aws:iam/policyAttachment:PolicyAttachment", "s3-access", managed("AmazonS3FullAccess"), {
          roles: ["r"],
        }),
      },
      {
        name: "a UserPolicyAttachment of IAMFullAccess fails",
        expect: "fail",
        apply: attach("aws:iam/userPolicyAttachment:UserPolicyAttachment", "ci-iam", managed("IAMFullAccess"), {
          user: "ci",
        }),
      },
      {
        name: "a GroupPolicyAttachment of PowerUserAccess fails",
        expect: "fail",
        apply: attach("aws:iam/groupPolicyAttachment:GroupPolicyAttachment", "ops-power", managed("PowerUserAccess"), {
          group: "ops",
        }),
      },
      // what aws.lambda.CallbackFunction attaches by default (lambdaMixins.js): every one of them is full access
      {
        name: "CloudWatchFullAccessV2 (a CallbackFunction default) fails",
        expect: "fail",
        apply: attach(ROLE_ATTACHMENT, "validator-cw", managed("CloudWatchFullAccessV2")),
      },
      {
        name: "AmazonCognitoPowerUser (a CallbackFunction default) fails",
        expect: "fail",
        apply: attach(ROLE_ATTACHMENT, "validator-cognito", managed("AmazonCognitoPowerUser")),
      },
      {
        name: "AWSLambdaBasicExecutionRole (not full access) passes",
        expect: "pass",
        apply: attach(ROLE_ATTACHMENT, "validator-basic", managed("service-role/AWSLambdaBasicExecutionRole")),
      },
      {
        name: "a customer managed policy ARN passes (its document is checked as a Policy)",
        expect: "pass",
        apply: (s, env) =>
          attach(ROLE_ATTACHMENT, "validator-own", `arn:aws:iam::${acct(env)}:policy/${env}-ingest-own-policy`)(s, env),
      },
      {
        name: "with otherManagedPolicies: deny, an AWS managed policy not allowed fails",
        expect: "fail",
        config: { "iam-managed-policy-not-admin": { otherManagedPolicies: "deny" } },
        apply: attach(ROLE_ATTACHMENT, "validator-basic", managed("service-role/AWSLambdaBasicExecutionRole")),
      },
      {
        name: "managedPolicyArns unknown at preview is indeterminate",
        expect: "unknown",
        apply: (s) => mutate(s, "validator-role", (p) => void (p.managedPolicyArns = UNKNOWN)),
      },
    ],
  },
  {
    policy: "iam-managed-policy-reviewed",
    enforcement: "advisory",
    fail: attach(ROLE_ATTACHMENT, "validator-sqs-full", managed("service-role/AWSLambdaRole")),
    unknown: (s) => mutate(s, "validator-role", (p) => void (p.managedPolicyArns = [UNKNOWN])),
    more: [
      {
        name: "a reviewed managed policy (AWSLambdaBasicExecutionRole) is not reported",
        expect: "pass",
        apply: attach(ROLE_ATTACHMENT, "validator-basic", managed("service-role/AWSLambdaBasicExecutionRole")),
      },
      {
        name: "an admin policy is left to iam-managed-policy-not-admin",
        expect: "pass",
        apply: attach(ROLE_ATTACHMENT, "validator-admin", managed("AdministratorAccess")),
      },
      {
        name: "reviewedManagedPolicies config silences a reviewed one",
        expect: "pass",
        config: { "iam-managed-policy-reviewed": { reviewedManagedPolicies: ["AWSLambdaRole"] } },
        apply: attach(ROLE_ATTACHMENT, "validator-sqs-full", managed("service-role/AWSLambdaRole")),
      },
    ],
  },
  {
    policy: "lambda-function-url-auth",
    fail: (s, env) =>
      addResource(s, "aws:lambda/functionUrl:FunctionUrl", "validator-url", {
        functionName: `${env}-ingest-validator-function-x1`,
        authorizationType: "NONE",
      }),
    unknown: (s, env) =>
      addResource(s, "aws:lambda/functionUrl:FunctionUrl", "validator-url", {
        functionName: `${env}-ingest-validator-function-x1`,
        authorizationType: UNKNOWN,
      }),
    more: [
      {
        name: "an AWS_IAM function URL passes",
        expect: "pass",
        apply: (s, env) =>
          addResource(s, "aws:lambda/functionUrl:FunctionUrl", "validator-url", {
            functionName: `${env}-ingest-validator-function-x1`,
            authorizationType: "AWS_IAM",
          }),
      },
    ],
  },
  {
    policy: "lambda-permission-not-public",
    fail: (s, env) =>
      addResource(s, "aws:lambda/permission:Permission", "validator-public", {
        function: `${env}-ingest-validator-function-x1`,
        action: "lambda:InvokeFunctionUrl",
        principal: "*",
        functionUrlAuthType: "NONE",
      }),
    unknown: (s, env) =>
      addResource(s, "aws:lambda/permission:Permission", "validator-public", {
        function: `${env}-ingest-validator-function-x1`,
        action: "lambda:InvokeFunction",
        principal: "*",
        sourceArn: UNKNOWN,
      }),
    more: [
      {
        name: "principal * scoped by sourceAccount passes",
        expect: "pass",
        apply: (s, env) =>
          addResource(s, "aws:lambda/permission:Permission", "validator-s3", {
            function: "f",
            action: "lambda:InvokeFunction",
            principal: "*",
            sourceAccount: acct(env),
          }),
      },
      {
        name: "a service principal with sourceArn passes",
        expect: "pass",
        apply: (s, env) =>
          addResource(s, "aws:lambda/permission:Permission", "validator-s3", {
            function: "f",
            action: "lambda:InvokeFunction",
            principal: "s3.amazonaws.com",
            sourceArn: `arn:aws:s3:::${env}-b`,
          }),
      },
    ],
  },
  {
    policy: "parity-consistency-rules",
    fail: { target: "validator-function", apply: (p) => void (p.memorySize = 2048) },
    unknown: { target: "validator-function", apply: (p) => void (p.memorySize = UNKNOWN) },
  },
];

export function applyCase(m: Mutation | ((s: Snapshot, env: Env) => Snapshot), s: Snapshot, env: Env): Snapshot {
  return typeof m === "function" ? m(s, env) : mutate(s, m.target, (p, r) => m.apply(p, r, env));
}
