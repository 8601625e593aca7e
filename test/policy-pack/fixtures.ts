/**
 * A compliant stack per environment, built from the rules (values the rules pin or approve per environment are
 * taken from them), plus helpers to break one property at a time. The pack must report nothing on it.
 */
import * as path from "path";
import { execFileSync } from "child_process";
import type { Snapshot, SnapshotResource } from "../../consistency-rules/src/model";
import { loadRules, type RuleSet } from "../../consistency-rules/src/rules";
import { UNKNOWN } from "../../consistency-rules/src/sentinels";
import { splitPath } from "../../consistency-rules/src/paths";
import { logicalIdOf } from "../../consistency-rules/src/normalise";
import { withLockConfig } from "../../consistency-rules/src/lock";
import type { PackSession } from "../../policy-pack/harness";

export const ROOT = process.env.ENV_PARITY_ROOT ?? path.resolve(__dirname, "..", "..");
export const PACK_DIR = path.join(ROOT, "policy-pack");
export const RULES = loadRules(path.join(ROOT, "consistency-rules", "data-platform.rules.json"));
export const ENVS = ["dev", "staging", "prod"] as const;
export type Env = (typeof ENVS)[number];
export { UNKNOWN };

/**
 * The pack session with every Configure given `lock: false` for `parity-consistency-rules` (and configured so once):
 * the repository's pack has the real stacks' parity locks built in, which synthetic fixture stacks do not match.
 */
export async function unlocked(session: PackSession): Promise<PackSession> {
  const configure = session.configure.bind(session);
  session.configure = (config) => configure(withLockConfig(config, false));
  await session.configure({});
  return session;
}

/** Builds the pack bundle (atomic rename, safe across parallel test files). */
export function buildPack(): void {
  execFileSync(process.execPath, [path.join(PACK_DIR, "build.js")], { stdio: "pipe" });
}

type Props = Record<string, unknown>;

export function setPath(obj: Props, dotted: string, value: unknown): void {
  const segs = splitPath(dotted);
  let o: Record<string, unknown> = obj;
  for (const s of segs.slice(0, -1)) {
    if (typeof o[s] !== "object" || o[s] === null) o[s] = {};
    o = o[s] as Record<string, unknown>;
  }
  if (value === undefined) delete o[segs[segs.length - 1]];
  else o[segs[segs.length - 1]] = value;
}

export function referenceStack(env: Env, opts: { stack?: string; suffix?: string } = {}): Snapshot {
  const stack = opts.stack ?? env;
  const e = RULES.environments[env];
  const acct = e.accountId!;
  const region = e.region!;
  const sfx = opts.suffix ?? "x1";
  const urn = (type: string, name: string) => `urn:pulumi:${stack}::data-platform::${type}::${name}`;
  const tags = {
    Environment: env,
    Project: "data-platform",
    ManagedBy: "pulumi",
    Team: "platform",
    CostCenter: "cc-1234",
  };
  const providerUrn = urn("pulumi:providers:aws", "default_7_48_0");
  const res: SnapshotResource[] = [];
  const add = (
    type: string,
    name: string,
    props: Props,
    deps: string[] = [],
    extra: Partial<SnapshotResource> = {},
  ) => {
    const r: SnapshotResource = {
      urn: urn(type, name),
      type,
      name,
      custom: true,
      dependencies: deps,
      provider: `${providerUrn}::04da6b54-80e4-46f7-96ec-b56ff0331ba9`,
      props,
      ...extra,
    };
    res.push(r);
    return r.urn;
  };
  res.push({
    urn: providerUrn,
    type: "pulumi:providers:aws",
    name: "default_7_48_0",
    custom: true,
    dependencies: [],
    props: { region },
  });

  const n = (x: string) => `${env}-ingest-${x}`;
  const bucketName = `${n("raw-bucket")}-${sfx}`;
  const bucket = add("aws:s3/bucket:Bucket", n("raw-bucket"), {
    bucket: bucketName,
    forceDestroy: true,
    tags: { ...tags },
  });
  add(
    "aws:s3/bucketVersioning:BucketVersioning",
    n("raw-bucket-versioning"),
    { bucket: bucketName, versioningConfiguration: { status: "Enabled" } },
    [bucket],
  );
  add(
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    n("raw-bucket-sse"),
    {
      bucket: bucketName,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }],
    },
    [bucket],
  );
  add(
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    n("raw-bucket-lifecycle"),
    {
      bucket: bucketName,
      rules: [{ id: "expire-noncurrent", status: "Enabled", noncurrentVersionExpiration: { noncurrentDays: 30 } }],
    },
    [bucket],
  );
  add(
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    n("raw-bucket-public-access"),
    {
      bucket: bucketName,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    [bucket],
  );

  const table = `${n("events-table")}-${sfx}`;
  add("aws:dynamodb/table:Table", n("events-table"), {
    name: table,
    billingMode: "PAY_PER_REQUEST",
    hashKey: "id",
    rangeKey: "timestamp",
    attributes: [
      { name: "id", type: "S" },
      { name: "source", type: "S" },
      { name: "timestamp", type: "N" },
    ],
    globalSecondaryIndexes: [{ name: "timestamp", hashKey: "source", rangeKey: "timestamp", projectionType: "ALL" }],
    pointInTimeRecovery: { enabled: true },
    deletionProtectionEnabled: false,
    tags: { ...tags },
  });

  const dlqName = `${n("work-dlq")}-${sfx}`;
  const dlq = add("aws:sqs/queue:Queue", n("work-dlq"), {
    name: dlqName,
    messageRetentionSeconds: 1209600,
    tags: { ...tags },
  });
  add(
    "aws:sqs/queue:Queue",
    n("work-queue"),
    {
      name: `${n("work-queue")}-${sfx}`,
      messageRetentionSeconds: 1209600,
      redrivePolicy: JSON.stringify({
        deadLetterTargetArn: `arn:aws:sqs:${region}:${acct}:${dlqName}`,
        maxReceiveCount: 3,
      }),
      tags: { ...tags },
    },
    [dlq],
  );
  const topic = add("aws:sns/topic:Topic", n("alerts-topic"), {
    name: `${n("alerts-topic")}-${sfx}`,
    tags: { ...tags },
  });
  add(
    "aws:sns/topicSubscription:TopicSubscription",
    n("alerts-email-0"),
    {
      protocol: "email",
      endpoint: "ops@example.com",
      topic: `arn:aws:sns:${region}:${acct}:${n("alerts-topic")}-${sfx}`,
    },
    [topic],
  );

  const role = add("aws:iam/role:Role", n("validator-role"), {
    name: `${n("validator-role")}-${sfx}`,
    assumeRolePolicy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
    }),
    tags: { ...tags },
  });
  add(
    "aws:iam/rolePolicy:RolePolicy",
    n("validator-policy"),
    {
      role: `${n("validator-role")}-${sfx}`,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: ["dynamodb:PutItem", "dynamodb:Query"],
            Resource: [
              `arn:aws:dynamodb:${region}:${acct}:table/${table}`,
              `arn:aws:dynamodb:${region}:${acct}:table/${table}/index/timestamp`,
            ],
          },
          { Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: "*" },
        ],
      }),
    },
    [role],
  );
  const fnName = `${n("validator-function")}-${sfx}`;
  const logs = add("aws:cloudwatch/logGroup:LogGroup", n("validator-logs"), {
    name: `/aws/lambda/${fnName}`,
    retentionInDays: 7,
    tags: { ...tags },
  });
  add(
    "aws:lambda/function:Function",
    n("validator-function"),
    {
      name: fnName,
      runtime: "nodejs22.x",
      handler: "index.handler",
      timeout: 30,
      memorySize: 512,
      role: `arn:aws:iam::${acct}:role/${n("validator-role")}-${sfx}`,
      tracingConfig: { mode: "Active" },
      environment: { variables: { LOG_LEVEL: "info", TABLE_NAME: table } },
      tags: { ...tags },
    },
    [logs, role],
  );

  const fn2 = `${n("transformer-function")}-${sfx}`;
  const logs2 = add("aws:cloudwatch/logGroup:LogGroup", n("transformer-logs"), {
    name: `/aws/lambda/${fn2}`,
    retentionInDays: 7,
    tags: { ...tags },
  });
  add(
    "aws:lambda/function:Function",
    n("transformer-function"),
    {
      name: fn2,
      runtime: "nodejs22.x",
      handler: "index.handler",
      timeout: 60,
      memorySize: 512,
      role: `arn:aws:iam::${acct}:role/${n("validator-role")}-${sfx}`,
      tracingConfig: { mode: "Active" },
      environment: { variables: { LOG_LEVEL: "info" } },
      tags: { ...tags },
    },
    [logs2, role],
  );

  // Configuration replication: prod's replicator assumes the replica role of dev/staging, which trusts exactly it.
  const prodAcct = RULES.environments.prod.accountId!;
  if (env === "prod") {
    const replicator = add("aws:iam/role:Role", n("config-replicator-role"), {
      name: `${n("config-replicator-role")}-${sfx}`,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
      tags: { ...tags },
    });
    const targets = (["dev", "staging"] as const).map(
      (t) => `arn:aws:iam::${RULES.environments[t].accountId}:role/${t}-ingest-config-replica-role-${sfx}`,
    );
    add(
      "aws:iam/rolePolicy:RolePolicy",
      n("config-replicator-policy"),
      {
        role: `${n("config-replicator-role")}-${sfx}`,
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Sid: "AssumeTargetRoles", Effect: "Allow", Action: ["sts:AssumeRole"], Resource: targets }],
        }),
      },
      [replicator],
    );
  } else {
    add("aws:iam/role:Role", n("config-replica-role"), {
      name: `${n("config-replica-role")}-${sfx}`,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${prodAcct}:role/prod-ingest-config-replicator-role-${sfx}` },
            Action: "sts:AssumeRole",
          },
        ],
      }),
      tags: { ...tags },
    });
  }

  pinFromRules(RULES, res, env, stack);
  return {
    context: { env, stack, project: "data-platform", accountId: acct, region, suffix: sfx },
    source: "plan",
    origin: `fixture:${env}`,
    resources: res,
  };
}

/** Pins what the rules pin or approve (as a literal) per environment (one source of truth for the fixtures too). */
function pinFromRules(rules: RuleSet, res: readonly SnapshotResource[], env: Env, stack: string): void {
  for (const r of res) {
    const lid = logicalIdOf(r.name, { env, stack });
    for (const inv of rules.invariantsFor(r.type, lid))
      if (
        inv.hasExpect &&
        !inv.path.includes("*") &&
        !inv.path.includes("$") &&
        !inv.path.includes(".maxReceiveCount") &&
        pathExists(r.props, inv.path)
      )
        setPath(r.props as Props, inv.path, inv.expect);
    for (const a of rules.approvalsFor(r.type, lid)) {
      const spec = a.values[env];
      if (a.path.includes("*") || a.path.startsWith("$") || (spec && typeof spec === "object")) continue;
      if (pathExists(r.props, a.path)) setPath(r.props as Props, a.path, spec);
    }
  }
}

export const PAYMENTS_RULES = loadRules(
  path.join(ROOT, "examples", "payments", "consistency-rules", "payments.rules.json"),
);

/**
 * A compliant stack of the payments project, shaped like its plan (Aurora cluster and instances, security groups,
 * the environment's NAT devices, the CPU alarm where approved), with the per-environment values from its rules.
 */
export function paymentsStack(env: Env): Snapshot {
  const e = PAYMENTS_RULES.environments[env];
  const sfx = "p1";
  const urn = (type: string, name: string) => `urn:pulumi:${env}::payments::${type}::${name}`;
  const tags = { Environment: env, Project: "payments", ManagedBy: "pulumi", Team: "payments", CostCenter: "cc-7" };
  const providerUrn = urn("pulumi:providers:aws", "default_7_48_0");
  const res: SnapshotResource[] = [
    {
      urn: providerUrn,
      type: "pulumi:providers:aws",
      name: "default_7_48_0",
      custom: true,
      dependencies: [],
      props: { region: e.region },
    },
  ];
  const add = (type: string, resource: string, props: Props, deps: string[] = []) => {
    const name = `${env}-payments-${resource}`;
    const r: SnapshotResource = {
      urn: urn(type, name),
      type,
      name,
      custom: true,
      dependencies: deps,
      provider: `${providerUrn}::04da6b54-80e4-46f7-96ec-b56ff0331ba9`,
      props,
    };
    res.push(r);
    return r.urn;
  };
  const physical = (resource: string) => `${env}-payments-${resource}-${sfx}`;
  const expected = (type: string, lid: string, p: string) => PAYMENTS_RULES.expectation(env, type, lid, p);
  const cidr = expected("aws:ec2/vpc:Vpc", "payments-vpc", "cidrBlock") as string;
  const vpc = add("aws:ec2/vpc:Vpc", "vpc", {
    cidrBlock: cidr,
    enableDnsHostnames: true,
    enableDnsSupport: true,
    tags: { ...tags },
  });
  const appSg = add(
    "aws:ec2/securityGroup:SecurityGroup",
    "app-sg",
    { name: physical("app-sg"), description: "no ingress", vpcId: "vpc-1", tags: { ...tags } },
    [vpc],
  );
  const dbSg = add(
    "aws:ec2/securityGroup:SecurityGroup",
    "db-sg",
    { name: physical("db-sg"), description: "postgres from app", vpcId: "vpc-1", ingress: [], tags: { ...tags } },
    [vpc],
  );
  add(
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "db-sg-postgres-in",
    {
      securityGroupId: "sg-db",
      ipProtocol: "tcp",
      fromPort: 5432,
      toPort: 5432,
      referencedSecurityGroupId: "sg-app",
      tags: { ...tags },
    },
    [dbSg, appSg],
  );
  add(
    "aws:ec2/securityGroupRule:SecurityGroupRule",
    "app-sg-https-out",
    {
      type: "egress",
      securityGroupId: "sg-app",
      protocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrBlocks: ["0.0.0.0/0"],
    },
    [appSg],
  );
  const cluster = add("aws:rds/cluster:Cluster", "db-cluster", {
    clusterIdentifier: physical("db-cluster"),
    engine: "aurora-postgresql",
    engineVersion: "16.6",
    masterUsername: "app_admin",
    manageMasterUserPassword: true,
    storageEncrypted: true,
    backupRetentionPeriod: expected("aws:rds/cluster:Cluster", "payments-db-cluster", "backupRetentionPeriod"),
    skipFinalSnapshot: true,
    deletionProtection: false,
    tags: { ...tags },
  });
  const instanceClass = expected("aws:rds/clusterInstance:ClusterInstance", "payments-db-instance-1", "instanceClass");
  for (let i = 1; i <= (env === "prod" ? 2 : 1); i++) {
    add(
      "aws:rds/clusterInstance:ClusterInstance",
      `db-instance-${i}`,
      {
        identifier: physical(`db-instance-${i}`),
        clusterIdentifier: physical("db-cluster"),
        instanceClass,
        engine: "aurora-postgresql",
        publiclyAccessible: false,
        tags: { ...tags },
      },
      [cluster],
    );
  }
  if (env === "dev") {
    const natSg = add(
      "aws:ec2/securityGroup:SecurityGroup",
      "nat-sg",
      { name: physical("nat-sg"), description: "NAT", vpcId: "vpc-1", tags: { ...tags } },
      [vpc],
    );
    add(
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      "nat-sg-vpc-in",
      { securityGroupId: "sg-nat", ipProtocol: "-1", cidrIpv4: cidr, tags: { ...tags } },
      [natSg],
    );
    add(
      "aws:ec2/instance:Instance",
      "nat-instance",
      {
        ami: "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
        instanceType: "t3.micro",
        sourceDestCheck: false,
        associatePublicIpAddress: true,
        tags: { ...tags },
      },
      [natSg],
    );
  } else {
    for (let i = 1; i <= (env === "prod" ? 3 : 1); i++) {
      const eip = add("aws:ec2/eip:Eip", `nat-eip-${i}`, { domain: "vpc", tags: { ...tags } });
      add(
        "aws:ec2/natGateway:NatGateway",
        `nat-gateway-${i}`,
        { subnetId: `subnet-${i}`, allocationId: `eipalloc-${i}`, connectivityType: "public", tags: { ...tags } },
        [eip],
      );
    }
    add("aws:cloudwatch/metricAlarm:MetricAlarm", "db-cpu-alarm", {
      name: physical("db-cpu-alarm"),
      namespace: "AWS/RDS",
      metricName: "CPUUtilization",
      statistic: "Average",
      period: 300,
      evaluationPeriods: 3,
      comparisonOperator: "GreaterThanThreshold",
      threshold: expected("aws:cloudwatch/metricAlarm:MetricAlarm", "payments-db-cpu-alarm", "threshold"),
      tags: { ...tags },
    });
  }
  pinFromRules(PAYMENTS_RULES, res, env, env);
  return {
    context: { env, stack: env, project: "payments", accountId: e.accountId, region: e.region, suffix: sfx },
    source: "plan",
    origin: `fixture:payments:${env}`,
    resources: res,
  };
}

function pathExists(obj: unknown, dotted: string): boolean {
  let o: unknown = obj;
  for (const s of splitPath(dotted)) {
    if (!o || typeof o !== "object" || !(s in (o as object))) return false;
    o = (o as Record<string, unknown>)[s];
  }
  return true;
}

/** A deep copy with `fn` applied to the resource whose name ends with `-<suffix>` (`raw-bucket`, `validator-function`). */
export function mutate(
  s: Snapshot,
  nameEnd: string,
  fn: (props: Props, r: SnapshotResource) => void | Partial<SnapshotResource>,
): Snapshot {
  const copy: Snapshot = JSON.parse(JSON.stringify(s));
  const resources = copy.resources.map((r) => {
    if (!r.name.endsWith(`-${nameEnd}`)) return r;
    const extra = fn(r.props as Props, r);
    return extra ? { ...r, ...extra } : r;
  });
  if (!resources.some((r, i) => r !== copy.resources[i] || r.name.endsWith(`-${nameEnd}`)))
    throw new Error(`no resource ends with -${nameEnd}`);
  return { ...copy, resources };
}

export function drop(s: Snapshot, nameEnd: string): Snapshot {
  const copy: Snapshot = JSON.parse(JSON.stringify(s));
  return { ...copy, resources: copy.resources.filter((r) => !r.name.endsWith(`-${nameEnd}`)) };
}
