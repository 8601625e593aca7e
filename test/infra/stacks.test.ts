/**
 * The three reference stacks, planned offline with the real program (infra/) under Pulumi's mocks, checked
 * against the platform's requirements on the inputs every resource was registered with.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { planStacks } from "../../cli/sources/plan";
import type { Snapshot, SnapshotResource } from "../../consistency-rules/src/model";
import { SECRET_SIG, SIG_KEY } from "../../consistency-rules/src/sentinels";
import { loadRules } from "../../consistency-rules/src/rules";
import { RULES_FILE } from "../../infra/config";

const RULES = loadRules(RULES_FILE);

const ROOT = path.resolve(__dirname, "../..");

const EXPECTED = {
  dev: {
    region: "us-east-2",
    account: "111111111111",
    memory: 512,
    retention: 7,
    tracing: "PassThrough",
    emails: 1,
    cidr: "10.2.0.0/16",
    azs: ["use2-az1", "use2-az2", "use2-az3"],
  },
  staging: {
    region: "us-west-1",
    account: "222222222222",
    memory: 512,
    retention: 7,
    tracing: "Active",
    emails: 2,
    cidr: "10.1.0.0/16",
    azs: ["usw1-az1", "usw1-az3"],
  },
  prod: {
    region: "us-east-1",
    account: "333333333333",
    memory: 1024,
    retention: 30,
    tracing: "Active",
    emails: 2,
    cidr: "10.0.0.0/16",
    azs: ["use1-az1", "use1-az2", "use1-az4"],
  },
} as const;
type Env = keyof typeof EXPECTED;
const ENVS = Object.keys(EXPECTED) as Env[];

let snapshots: Record<Env, Snapshot>;

beforeAll(async () => {
  const planned = await planStacks(ROOT, ENVS);
  snapshots = Object.fromEntries(ENVS.map((env, i) => [env, planned[i]])) as Record<Env, Snapshot>;
}, 120_000);

const byType = (s: Snapshot, type: string) => s.resources.filter((r) => r.type === type);
const one = (s: Snapshot, type: string, name: string): SnapshotResource => {
  const r = s.resources.find((x) => x.type === type && x.name === name);
  if (!r)
    throw new Error(
      `no ${type} named ${name} in ${s.context.stack}; have ${s.resources.map((x) => x.name).join(", ")}`,
    );
  return r;
};
const props = (r: SnapshotResource) => r.props as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** True if the resource class's Args in @pulumi/aws declare `tags` (read from the SDK's own declarations). */
const taggableCache = new Map<string, boolean>();
function isTaggable(type: string): boolean {
  const m = /^aws:([a-zA-Z0-9]+)\/([a-zA-Z0-9]+):([A-Za-z0-9]+)$/.exec(type);
  if (!m) return false;
  if (!taggableCache.has(type)) {
    const dts = fs.readFileSync(path.join(ROOT, "node_modules/@pulumi/aws", m[1], `${m[2]}.d.ts`), "utf8");
    const start = dts.indexOf(`export interface ${m[3]}Args {`);
    const body = start < 0 ? "" : dts.slice(start, dts.indexOf("\n}", start));
    taggableCache.set(type, /\n\s+tags\?:/.test(body));
  }
  return taggableCache.get(type)!;
}

describe.each(ENVS)("stack %s", (env) => {
  const x = EXPECTED[env];
  const s = () => snapshots[env];
  const n = (resource: string) => `${env}-ingest-${resource}`;
  const phys = (resource: string) => `${n(resource)}-x1`;

  test("plans as source plan with the stack's context and config (secret as marker)", () => {
    expect(s().source).toBe("plan");
    expect(s().context).toEqual({
      env,
      stack: env,
      project: "data-platform",
      accountId: x.account,
      region: x.region,
      suffix: "x1",
    });
    expect(s().config?.["data-platform:validatorApiToken"]).toEqual({ [SIG_KEY]: SECRET_SIG });
    expect(s().origin).toBe(path.join(ROOT, `Pulumi.${env}.yaml`));
  });

  test("has exactly the expected AWS resources, named {env}-{service}-{resource}", () => {
    const names = s()
      .resources.filter((r) => r.custom && r.type.startsWith("aws:"))
      .map((r) => r.name)
      .sort();
    const buckets = ["raw-bucket", "curated-bucket"].flatMap((b) => [
      b,
      ...["versioning", "encryption", "lifecycle", "public-access-block"].map((c) => `${b}-${c}`),
    ]);
    const emails = Array.from({ length: x.emails }, (_, i) => `alerts-email-${i}`);
    const perAz = x.azs.flatMap((_, i) => [`private-subnet-${i + 1}`, `private-rt-${i + 1}`, `private-rta-${i + 1}`]);
    const network = [
      "vpc",
      "default-sg",
      ...perAz,
      "s3-endpoint",
      "dynamodb-endpoint",
      "app-sg",
      "app-sg-s3-out",
      "app-sg-dynamodb-out",
      "app-sg-https-out",
      "endpoint-sg",
      "endpoint-sg-https-in",
      ...["sqs", "sns", "ssm", "logs", "sts", "xray"].map((svc) => `${svc}-endpoint`),
    ];
    const config = ["batch-size", "max-record-age-hours", "partner-api-endpoint", "strict-schema-validation"].map(
      (k) => `config-${k}`,
    );
    const replication =
      env === "prod"
        ? [
            "config-replication-dlq",
            "config-replication-dlq-policy",
            "config-replication-failure-topic",
            "config-replication-success-topic",
            "config-replication-rule",
            "config-replication-target",
            "config-replicator-function",
            "config-replicator-invoke-config",
            "config-replicator-logs",
            "config-replicator-permission",
            "config-replicator-policy",
            "config-replicator-role",
          ]
        : ["config-replica-role", "config-replica-policy"];
    const expected = [
      ...buckets,
      "validator-function",
      "validator-function-s3-invoke",
      "validator-function-s3-trigger",
      "validator-logs",
      "validator-role",
      "validator-role-policy",
      "metadata-table",
      "alerts-topic",
      ...emails,
      "tasks-queue",
      "tasks-dlq",
      ...network,
      ...config,
      ...replication,
    ].map(n);
    expect(names).toEqual(expected.sort());
    for (const r of s().resources)
      expect(r.name.startsWith(`${env}-ingest-`) || r.type === "pulumi:pulumi:Stack").toBe(true);
  });

  test("physical names are {env}-{service}-{resource}-{suffix}", () => {
    expect(props(one(s(), "aws:s3/bucket:Bucket", n("raw-bucket"))).bucket).toBe(phys("raw-bucket"));
    expect(props(one(s(), "aws:s3/bucket:Bucket", n("curated-bucket"))).bucket).toBe(phys("curated-bucket"));
    expect(props(one(s(), "aws:lambda/function:Function", n("validator-function"))).name).toBe(
      phys("validator-function"),
    );
    expect(props(one(s(), "aws:dynamodb/table:Table", n("metadata-table"))).name).toBe(phys("metadata-table"));
    expect(props(one(s(), "aws:sqs/queue:Queue", n("tasks-queue"))).name).toBe(phys("tasks-queue"));
    expect(props(one(s(), "aws:sqs/queue:Queue", n("tasks-dlq"))).name).toBe(phys("tasks-dlq"));
    expect(props(one(s(), "aws:sns/topic:Topic", n("alerts-topic"))).name).toBe(phys("alerts-topic"));
    expect(props(one(s(), "aws:iam/role:Role", n("validator-role"))).name).toBe(phys("validator-role"));
  });

  test("every AWS resource goes through the one provider pinned to the stack's region and account", () => {
    const [provider] = byType(s(), "pulumi:providers:aws");
    expect(byType(s(), "pulumi:providers:aws")).toHaveLength(1);
    expect(props(provider)).toMatchObject({ region: x.region, allowedAccountIds: JSON.stringify([x.account]) });
    for (const r of s().resources.filter((r) => r.custom && r.type.startsWith("aws:")))
      expect(r.provider?.startsWith(`${provider.urn}::`)).toBe(true);
  });

  test("every taggable resource carries the five tags", () => {
    // Security group rules are left untagged by the network component (components/network.ts).
    const taggable = s().resources.filter(
      (r) => r.custom && isTaggable(r.type) && !r.type.startsWith("aws:vpc/securityGroup"),
    );
    expect(taggable.map((r) => r.type)).toEqual(
      expect.arrayContaining([
        "aws:s3/bucket:Bucket",
        "aws:lambda/function:Function",
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:iam/role:Role",
        "aws:dynamodb/table:Table",
        "aws:sns/topic:Topic",
        "aws:sqs/queue:Queue",
      ]),
    );
    for (const r of taggable) {
      // Network resources add a `Name` tag (their physical name) for the EC2 console.
      // Subnets also say their `Tier`.
      const { Name, Tier, ...rest } = (props(r).tags ?? {}) as Record<string, string>;
      if (Tier !== undefined) expect([r.type, Tier]).toEqual(["aws:ec2/subnet:Subnet", "private"]);
      expect({ name: r.name, tags: rest }).toEqual({
        name: r.name,
        tags: {
          Environment: env,
          Project: "data-platform",
          ManagedBy: "pulumi",
          Team: "data-engineering",
          CostCenter: "DP-1042",
        },
      });
      if (Name !== undefined) expect(Name).toBe(`${r.name}-x1`);
    }
  });

  test("nothing is protected, retained on delete or deletion-protected", () => {
    for (const r of s().resources) {
      expect([r.name, r.protect ?? false, r.retainOnDelete ?? false]).toEqual([r.name, false, false]); // reads (StackReference) have no options
      expect(props(r).deletionProtectionEnabled ?? false).toBe(false);
      expect(props(r).deletionProtection ?? false).toBe(false);
    }
  });

  test("buckets: versioned, encrypted (kms with bucket key), noncurrent versions expire after 30 days, no public access, forceDestroy", () => {
    for (const b of ["raw-bucket", "curated-bucket"]) {
      const bucket = one(s(), "aws:s3/bucket:Bucket", n(b));
      expect(props(bucket).forceDestroy).toBe(true);
      const children = s().resources.filter((r) => r.dependencies.includes(bucket.urn));
      const child = (suffix: string) => props(children.find((r) => r.name === `${n(b)}-${suffix}`)!);
      expect(child("versioning").versioningConfiguration).toEqual({ status: "Enabled" });
      expect(child("encryption").rules).toEqual([
        { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true },
      ]);
      const [rule] = child("lifecycle").rules;
      expect(rule).toMatchObject({ status: "Enabled", noncurrentVersionExpiration: { noncurrentDays: 30 } });
      expect(child("public-access-block")).toMatchObject({
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
    }
  });

  test(`validator: nodejs22.x, ${x.memory} MB, timeout ≤ 300 s, tracing ${x.tracing}, env vars from config, token secret`, () => {
    const f = props(one(s(), "aws:lambda/function:Function", n("validator-function")));
    expect(f.runtime).toBe("nodejs22.x");
    expect(f.handler).toBe("index.handler");
    expect(f.memorySize).toBe(x.memory);
    expect(f.timeout).toBeLessThanOrEqual(300);
    expect(f.tracingConfig).toEqual({ mode: x.tracing });
    expect(f.environment.variables).toEqual({
      TABLE_NAME: phys("metadata-table"),
      QUEUE_URL: `https://sqs.${x.region}.amazonaws.com/${x.account}/${phys("tasks-queue")}`,
      ENVIRONMENT: env,
      LOG_LEVEL: env === "dev" ? "debug" : "info",
      SCHEMA_REGISTRY_URL: "https://schemas.example.com/v2",
      MAX_RECORD_BYTES: "262144",
      VALIDATOR_API_TOKEN: { [SIG_KEY]: SECRET_SIG },
    });
    expect(f.code.assets["index.js"].hash).toMatch(/^[0-9a-f]{64}$/);
  });

  test(`log group /aws/lambda/<function>, retention ${x.retention} days, created before the function`, () => {
    const logs = one(s(), "aws:cloudwatch/logGroup:LogGroup", n("validator-logs"));
    const fn = one(s(), "aws:lambda/function:Function", n("validator-function"));
    expect(props(logs)).toMatchObject({
      name: `/aws/lambda/${phys("validator-function")}`,
      retentionInDays: x.retention,
    });
    expect(fn.dependencies).toContain(logs.urn);
    expect(s().resources.indexOf(logs)).toBeLessThan(s().resources.indexOf(fn));
  });

  test("raw bucket ObjectCreated triggers the function, after the invoke permission", () => {
    const permission = one(s(), "aws:lambda/permission:Permission", n("validator-function-s3-invoke"));
    const notification = one(s(), "aws:s3/bucketNotification:BucketNotification", n("validator-function-s3-trigger"));
    expect(props(permission)).toMatchObject({
      action: "lambda:InvokeFunction",
      principal: "s3.amazonaws.com",
      function: phys("validator-function"),
      sourceArn: `arn:aws:s3:::${phys("raw-bucket")}`,
      sourceAccount: x.account,
    });
    expect(notification.dependencies).toContain(permission.urn);
    expect(props(notification).bucket).toBe(phys("raw-bucket"));
    expect(props(notification).lambdaFunctions).toEqual([
      {
        lambdaFunctionArn: `arn:aws:lambda:${x.region}:${x.account}:function:${phys("validator-function")}`,
        events: ["s3:ObjectCreated:*"],
        filterPrefix: "incoming/",
      },
    ]);
  });

  test("metadata table: on demand, id + timestamp-index GSI, PITR, same key schema everywhere", () => {
    const t = props(one(s(), "aws:dynamodb/table:Table", n("metadata-table")));
    expect({
      billingMode: t.billingMode,
      hashKey: t.hashKey,
      attributes: t.attributes,
      gsi: t.globalSecondaryIndexes,
      pitr: t.pointInTimeRecovery,
    }).toEqual({
      billingMode: "PAY_PER_REQUEST",
      hashKey: "id",
      attributes: [
        { name: "id", type: "S" },
        { name: "timestamp", type: "S" },
      ],
      gsi: [
        {
          name: "timestamp-index",
          keySchemas: [{ attributeName: "timestamp", keyType: "HASH" }],
          projectionType: "ALL",
        },
      ],
      pitr: { enabled: true },
    });
    expect(t.deletionProtectionEnabled).toBe(false);
  });

  test("messaging: 14-day queues, redrive to the DLQ after 3 receives, one email subscription per address", () => {
    const queue = one(s(), "aws:sqs/queue:Queue", n("tasks-queue"));
    const dlq = one(s(), "aws:sqs/queue:Queue", n("tasks-dlq"));
    expect(props(queue).messageRetentionSeconds).toBe(1_209_600);
    expect(props(dlq).messageRetentionSeconds).toBe(1_209_600);
    expect(JSON.parse(props(queue).redrivePolicy)).toEqual({
      deadLetterTargetArn: `arn:aws:sqs:${x.region}:${x.account}:${phys("tasks-dlq")}`,
      maxReceiveCount: 3,
    });
    expect(queue.dependencies).toContain(dlq.urn);
    const subs = byType(s(), "aws:sns/topicSubscription:TopicSubscription");
    expect(subs.map((r) => [r.name, props(r).protocol, props(r).topic])).toEqual(
      subs.map((_, i) => [
        n(`alerts-email-${i}`),
        "email",
        `arn:aws:sns:${x.region}:${x.account}:${phys("alerts-topic")}`,
      ]),
    );
    expect(subs).toHaveLength(x.emails);
  });

  test("IAM: lambda-only trust; exact actions on this environment's ARNs; wildcards only where AWS has no narrower form", () => {
    const role = props(one(s(), "aws:iam/role:Role", n("validator-role")));
    expect(JSON.parse(role.assumeRolePolicy).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    const policies = byType(s(), "aws:iam/rolePolicy:RolePolicy");
    expect(policies.map((p) => p.name).sort()).toEqual(
      [n("validator-role-policy"), n(env === "prod" ? "config-replicator-policy" : "config-replica-policy")].sort(),
    );
    const doc = JSON.parse(props(one(s(), "aws:iam/rolePolicy:RolePolicy", n("validator-role-policy"))).policy);
    const statements = doc.Statement as { Action: string[]; Resource: string[]; Effect: string }[];
    const actions = statements.flatMap((st) => st.Action);
    for (const a of actions) expect(a).not.toMatch(/[*?]/);
    expect(actions.sort()).toEqual([
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "ec2:AssignPrivateIpAddresses",
      "ec2:CreateNetworkInterface",
      "ec2:DeleteNetworkInterface",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribeSubnets",
      "ec2:UnassignPrivateIpAddresses",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "s3:GetObject",
      "s3:GetObjectVersion",
      "sqs:SendMessage",
      "xray:PutTelemetryRecords",
      "xray:PutTraceSegments",
    ]);
    const wildcards = statements.flatMap((st) =>
      st.Resource.filter((r) => /[*?]/.test(r)).map((r) => ({ r, actions: st.Action })),
    );
    const ec2 = (what: string) => `arn:aws:ec2:${x.region}:${x.account}:${what}/*`;
    expect(wildcards.map((w) => w.r)).toEqual([
      `arn:aws:logs:${x.region}:${x.account}:log-group:/aws/lambda/${phys("validator-function")}:log-stream:*`,
      `arn:aws:s3:::${phys("raw-bucket")}/incoming/*`,
      "*",
      "*",
      ec2("network-interface"),
      ec2("subnet"),
      ec2("security-group"),
      ec2("network-interface"),
    ]);
    // Each one is an iamExceptions entry of the rules (the list the policy pack checks too).
    const ctx = { env, accountId: x.account, region: x.region, suffix: "x1" };
    expect(wildcards.map((w) => RULES.iamExceptionFor(w.actions, w.r, ctx)?.id)).toEqual([
      "iam-lambda-log-streams",
      "iam-raw-incoming-objects",
      "iam-xray-put-traces",
      "iam-lambda-vpc-describe",
      "iam-lambda-vpc-enis",
      "iam-lambda-vpc-eni-subnets",
      "iam-lambda-vpc-eni-security-groups",
      "iam-lambda-vpc-enis",
    ]);
    const exact = statements.flatMap((st) => st.Resource).filter((r) => !/[*?]/.test(r));
    expect(exact.sort()).toEqual([
      `arn:aws:dynamodb:${x.region}:${x.account}:table/${phys("metadata-table")}`,
      `arn:aws:sqs:${x.region}:${x.account}:${phys("tasks-queue")}`,
    ]);
  });

  test("exports: every ARN, name and endpoint, prefixed with the environment", () => {
    const out = s().outputs ?? {};
    for (const k of Object.keys(out)) expect(k.startsWith(env)).toBe(true);
    expect(out).toMatchObject({
      [`${env}RawBucketName`]: phys("raw-bucket"),
      [`${env}CuratedBucketName`]: phys("curated-bucket"),
      [`${env}ValidatorFunctionArn`]: `arn:aws:lambda:${x.region}:${x.account}:function:${phys("validator-function")}`,
      [`${env}MetadataTableName`]: phys("metadata-table"),
      [`${env}TasksQueueUrl`]: `https://sqs.${x.region}.amazonaws.com/${x.account}/${phys("tasks-queue")}`,
      [`${env}AlertsTopicArn`]: `arn:aws:sns:${x.region}:${x.account}:${phys("alerts-topic")}`,
      [`${env}ValidatorRoleArn`]: `arn:aws:iam::${x.account}:role/${phys("validator-role")}`,
    });
  });

  test("components are parented in one Environment; every resource has a parent except the stack", () => {
    const stack = byType(s(), "pulumi:pulumi:Stack");
    expect(stack).toHaveLength(1);
    const [environment] = byType(s(), "env-parity:environment:Environment");
    expect(environment.parent).toBe(stack[0].urn);
    for (const r of s().resources.filter((r) => r.type !== "pulumi:pulumi:Stack")) expect(r.parent).toBeDefined();
    const replication =
      env === "prod" ? "env-parity:replication:ReplicationSource" : "env-parity:replication:ReplicationTarget";
    for (const t of [
      "env-parity:storage:Storage",
      "env-parity:metadata:Metadata",
      "env-parity:messaging:Messaging",
      "env-parity:iam:FunctionRole",
      "env-parity:processing:ValidatorFunction",
      "env-parity:network:Network",
      "env-parity:config:ConfigStore",
      replication,
    ]) {
      expect(byType(s(), t).map((r) => r.parent)).toEqual([environment.urn]);
    }
  });
});

test("one bundle everywhere; sizing differs as configured; prod and staging have one more subscription", () => {
  const fn = (env: Env) =>
    props(one(snapshots[env], "aws:lambda/function:Function", `${env}-ingest-validator-function`));
  expect(new Set(ENVS.map((e) => fn(e).code.hash)).size).toBe(1);
  expect(ENVS.map((e) => fn(e).memorySize)).toEqual([512, 512, 1024]);
  // + VPC (3 AZs: 25 network resources, 2 AZs: 22), 4 parameters, replica role + policy (dev, staging) / 12 source resources + 2 stack references (prod)
  expect(ENVS.map((e) => snapshots[e].resources.filter((r) => r.custom).length)).toEqual([
    22 + 25 + 4 + 2,
    23 + 22 + 4 + 2,
    23 + 25 + 4 + 12 + 2,
  ]);
});

describe.each(ENVS)("stack %s: private networking", (env) => {
  const x = EXPECTED[env];
  const s = () => snapshots[env];
  const n = (resource: string) => `${env}-ingest-${resource}`;

  test(`VPC ${x.cidr}, one private /20 per AZ (${x.azs.length}: ${x.azs.join(", ")}), no public subnets or internet gateway`, () => {
    expect(props(one(s(), "aws:ec2/vpc:Vpc", n("vpc")))).toMatchObject({
      cidrBlock: x.cidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
    });
    const subnets = byType(s(), "aws:ec2/subnet:Subnet");
    const base = x.cidr.split(".").slice(0, 2).join(".");
    expect(
      subnets.map((r) => [r.name, props(r).cidrBlock, props(r).availabilityZoneId, props(r).mapPublicIpOnLaunch]),
    ).toEqual(x.azs.map((az, i) => [n(`private-subnet-${i + 1}`), `${base}.${16 * i}.0/20`, az, false]));
    expect(byType(s(), "aws:ec2/internetGateway:InternetGateway")).toHaveLength(0);
    expect(byType(s(), "aws:ec2/natGateway:NatGateway")).toHaveLength(0);
    expect(byType(s(), "aws:ec2/route:Route")).toHaveLength(0); // no default route: no path to the internet
  });

  test("the validator runs in every private subnet with the app security group", () => {
    const fn = props(one(s(), "aws:lambda/function:Function", n("validator-function")));
    const subnetIds = byType(s(), "aws:ec2/subnet:Subnet").map((r) => `${r.name}-id`); // the planner's mock ids
    expect(fn.vpcConfig.subnetIds).toEqual(subnetIds);
    expect(fn.vpcConfig.subnetIds).toHaveLength(x.azs.length);
    const appSg = one(s(), "aws:ec2/securityGroup:SecurityGroup", n("app-sg"));
    expect(fn.vpcConfig.securityGroupIds).toEqual([`${appSg.name}-id`]);
  });

  test("no security group rule accepts 0.0.0.0/0 or ::/0; the app group has no ingress and HTTPS egress inside the VPC only", () => {
    const ingress = byType(s(), "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    for (const r of ingress)
      expect([r.name, props(r).cidrIpv4, props(r).cidrIpv6]).toEqual([r.name, x.cidr, undefined]);
    const appSg = one(s(), "aws:ec2/securityGroup:SecurityGroup", n("app-sg"));
    expect(ingress.filter((r) => props(r).securityGroupId === `${appSg.name}-id`)).toHaveLength(0);
    const egress = byType(s(), "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule");
    for (const r of egress)
      expect([r.name, props(r).cidrIpv4, props(r).fromPort, props(r).toPort]).toEqual([
        r.name,
        props(r).cidrIpv4 === undefined ? undefined : x.cidr,
        443,
        443,
      ]);
    expect(props(one(s(), "aws:ec2/securityGroup:SecurityGroup", n("app-sg"))).ingress ?? []).toEqual([]);
  });

  test("gateway endpoints for S3 and DynamoDB; interface endpoints with private DNS for the APIs the functions call", () => {
    const endpoints = byType(s(), "aws:ec2/vpcEndpoint:VpcEndpoint").map((r) => props(r));
    expect(
      endpoints
        .filter((e) => e.vpcEndpointType === "Gateway")
        .map((e) => e.serviceName)
        .sort(),
    ).toEqual([`com.amazonaws.${x.region}.dynamodb`, `com.amazonaws.${x.region}.s3`]);
    const iface = endpoints.filter((e) => e.vpcEndpointType === "Interface");
    expect(iface.map((e) => e.serviceName).sort()).toEqual(
      ["logs", "sns", "sqs", "ssm", "sts", "xray"].map((svc) => `com.amazonaws.${x.region}.${svc}`),
    );
    for (const e of iface) {
      expect(e.privateDnsEnabled).toBe(true);
      expect(e.subnetIds).toHaveLength(x.azs.length);
    }
  });
});

describe.each(ENVS)("stack %s: configuration store and replication", (env) => {
  const x = EXPECTED[env];
  const s = () => snapshots[env];
  const n = (resource: string) => `${env}-ingest-${resource}`;
  const phys = (resource: string) => `${n(resource)}-x1`;
  const PROD_REPLICATOR_ROLE = "arn:aws:iam::333333333333:role/prod-ingest-config-replicator-role-x1";
  const paramArn = (e: Env, key: string) =>
    `arn:aws:ssm:${EXPECTED[e].region}:${EXPECTED[e].account}:parameter/data-platform/${e}/${key}`;
  const REPLICATED = ["batchSize", "maxRecordAgeHours", "strictSchemaValidation"]; // partnerApiEndpoint is approved per environment

  test("one SSM parameter per appConfig key under /data-platform/<env>/; replicated keys are the replicator's outside prod", () => {
    const params = byType(s(), "aws:ssm/parameter:Parameter");
    expect(params.map((p) => props(p).name).sort()).toEqual(
      ["batchSize", "maxRecordAgeHours", "partnerApiEndpoint", "strictSchemaValidation"].map(
        (k) => `/data-platform/${env}/${k}`,
      ),
    );
    for (const p of params) {
      const key = String(props(p).name).split("/").pop()!;
      expect(props(p).type).toBe("String");
      expect(p.ignoreChanges).toEqual(env !== "prod" && REPLICATED.includes(key) ? ["value"] : undefined);
    }
    expect(props(one(s(), "aws:ssm/parameter:Parameter", n("config-partner-api-endpoint"))).value).toEqual({
      [SIG_KEY]: SECRET_SIG,
    }); // the provider marks values secret
  });

  if (env === "prod") {
    test("the rule matches only Create/Update of prod's own parameters and targets the replicator, with a DLQ", () => {
      const rule = props(one(s(), "aws:cloudwatch/eventRule:EventRule", n("config-replication-rule")));
      expect(JSON.parse(rule.eventPattern)).toEqual({
        source: ["aws.ssm"],
        "detail-type": ["Parameter Store Change"],
        detail: { name: [{ prefix: "/data-platform/prod/" }], operation: ["Create", "Update"] },
      });
      const target = props(one(s(), "aws:cloudwatch/eventTarget:EventTarget", n("config-replication-target")));
      expect(target.arn).toBe(`arn:aws:lambda:us-east-1:333333333333:function:${phys("config-replicator-function")}`);
      expect(target.deadLetterConfig).toEqual({
        arn: `arn:aws:sqs:us-east-1:333333333333:${phys("config-replication-dlq")}`,
      });
      expect(props(one(s(), "aws:sqs/queue:Queue", n("config-replication-dlq"))).messageRetentionSeconds).toBe(
        1_209_600,
      );
      expect(
        byType(s(), "aws:sns/topic:Topic")
          .map((t) => props(t).name)
          .sort(),
      ).toEqual([
        phys("alerts-topic"),
        phys("config-replication-failure-topic"),
        phys("config-replication-success-topic"),
      ]);
    });

    test("the replicator: nodejs22.x, timeout ≤ 300 s, log group first, skip keys from the rules, targets from the stack references", () => {
      const fn = one(s(), "aws:lambda/function:Function", n("config-replicator-function"));
      const f = props(fn);
      expect(f.runtime).toBe("nodejs22.x");
      expect(f.timeout).toBeLessThanOrEqual(300);
      expect(fn.dependencies).toContain(one(s(), "aws:cloudwatch/logGroup:LogGroup", n("config-replicator-logs")).urn);
      expect(f.environment.variables.SKIP_KEYS.split(",")).toContain("partnerApiEndpoint");
      expect(f.environment.variables.SKIP_KEYS.split(",")).not.toEqual(expect.arrayContaining(REPLICATED));
      expect(JSON.parse(f.environment.variables.TARGETS)).toEqual([
        {
          env: "dev",
          region: "us-east-2",
          roleArn: "arn:aws:iam::111111111111:role/dev-ingest-config-replica-role-x1",
        },
        {
          env: "staging",
          region: "us-west-1",
          roleArn: "arn:aws:iam::222222222222:role/staging-ingest-config-replica-role-x1",
        },
      ]);
      const refs = byType(s(), "pulumi:pulumi:StackReference")
        .map((r) => props(r).name)
        .sort();
      expect(refs).toEqual(["acme-data/data-platform/dev", "acme-data/data-platform/staging"]);
    });

    test("the replicator role may assume exactly the dev and staging replica roles and read exactly prod's replicated parameters", () => {
      const doc = JSON.parse(props(one(s(), "aws:iam/rolePolicy:RolePolicy", n("config-replicator-policy"))).policy);
      const st = doc.Statement as { Sid: string; Action: string[]; Resource: string[] }[];
      const assume = st.filter((x) => x.Action.includes("sts:AssumeRole"));
      expect(assume).toEqual([
        {
          Sid: "AssumeTargetRoles",
          Effect: "Allow",
          Action: ["sts:AssumeRole"],
          Resource: [
            snapshots.dev.outputs?.devReplicationRoleArn,
            snapshots.staging.outputs?.stagingReplicationRoleArn,
          ],
        },
      ]);
      expect(st.find((x) => x.Sid === "ReadSourceConfig")).toMatchObject({
        Action: ["ssm:GetParameter"],
        Resource: REPLICATED.map((k) => paramArn("prod", k)),
      });
      const trust = JSON.parse(props(one(s(), "aws:iam/role:Role", n("config-replicator-role"))).assumeRolePolicy);
      expect(trust.Statement).toEqual([
        {
          Effect: "Allow",
          Principal: { Service: "lambda.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": "333333333333" } },
        },
      ]);
    });

    test("exports the rule ARN", () => {
      expect(s().outputs?.prodReplicationRuleArn).toBe(
        `arn:aws:events:us-east-1:333333333333:rule/${phys("config-replication-rule")}`,
      );
      expect(s().outputs).not.toHaveProperty("prodReplicationRoleArn");
    });
  } else {
    test("the replica role trusts only prod's replicator role and may Get/Put exactly this environment's replicated parameters", () => {
      const role = props(one(s(), "aws:iam/role:Role", n("config-replica-role")));
      expect(JSON.parse(role.assumeRolePolicy).Statement).toEqual([
        { Effect: "Allow", Principal: { AWS: PROD_REPLICATOR_ROLE }, Action: "sts:AssumeRole" },
      ]);
      const doc = JSON.parse(props(one(s(), "aws:iam/rolePolicy:RolePolicy", n("config-replica-policy"))).policy);
      expect(doc.Statement).toEqual([
        {
          Sid: "ReplicateConfig",
          Effect: "Allow",
          Action: ["ssm:GetParameter", "ssm:PutParameter"],
          Resource: REPLICATED.map((k) => paramArn(env, k)),
        },
      ]);
      expect(byType(s(), "aws:lambda/function:Function").map((f) => f.name)).toEqual([n("validator-function")]);
      expect(byType(s(), "pulumi:pulumi:StackReference")).toHaveLength(0);
    });

    test("exports the replica role ARN (prod reads it)", () => {
      expect(s().outputs?.[`${env}ReplicationRoleArn`]).toBe(
        `arn:aws:iam::${x.account}:role/${phys("config-replica-role")}`,
      );
      expect(s().outputs).not.toHaveProperty(`${env}ReplicationRuleArn`);
    });
  }
});
