/**
 * The three reference stacks, planned offline with the real program (infra/) under Pulumi's mocks, checked
 * against the platform's requirements on the inputs every resource was registered with.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { planStacks } from "../../cli/sources/plan";
import type { Snapshot, SnapshotResource } from "../../consistency-rules/src/model";
import { SECRET_SIG, SIG_KEY } from "../../consistency-rules/src/sentinels";
import { SCOPED_RESOURCE_WILDCARDS } from "../../infra/components/iam-policy";

const ROOT = path.resolve(__dirname, "../..");

const EXPECTED = {
  dev: { region: "us-east-2", account: "111111111111", memory: 512, retention: 7, tracing: "PassThrough", emails: 1 },
  staging: { region: "us-west-1", account: "222222222222", memory: 512, retention: 7, tracing: "Active", emails: 2 },
  prod: { region: "us-east-1", account: "333333333333", memory: 1024, retention: 30, tracing: "Active", emails: 2 },
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
  if (!r) throw new Error(`no ${type} named ${name} in ${s.context.stack}; have ${s.resources.map((x) => x.name).join(", ")}`);
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
    expect(s().context).toEqual({ env, stack: env, project: "data-platform", accountId: x.account, region: x.region, suffix: "x1" });
    expect(s().config?.["data-platform:validatorApiToken"]).toEqual({ [SIG_KEY]: SECRET_SIG });
    expect(s().origin).toBe(path.join(ROOT, `Pulumi.${env}.yaml`));
  });

  test("has exactly the expected AWS resources, named {env}-{service}-{resource}", () => {
    const names = s().resources.filter((r) => r.custom && r.type.startsWith("aws:")).map((r) => r.name).sort();
    const buckets = ["raw-bucket", "curated-bucket"].flatMap((b) => [b, ...["versioning", "encryption", "lifecycle", "public-access-block"].map((c) => `${b}-${c}`)]);
    const emails = Array.from({ length: x.emails }, (_, i) => `alerts-email-${i}`);
    const expected = [
      ...buckets, "validator-function", "validator-function-s3-invoke", "validator-function-s3-trigger", "validator-logs", "validator-role",
      "validator-role-policy", "metadata-table", "alerts-topic", ...emails, "tasks-queue", "tasks-dlq",
    ].map(n);
    expect(names).toEqual(expected.sort());
    for (const r of s().resources) expect(r.name.startsWith(`${env}-ingest-`) || r.type === "pulumi:pulumi:Stack").toBe(true);
  });

  test("physical names are {env}-{service}-{resource}-{suffix}", () => {
    expect(props(one(s(), "aws:s3/bucket:Bucket", n("raw-bucket"))).bucket).toBe(phys("raw-bucket"));
    expect(props(one(s(), "aws:s3/bucket:Bucket", n("curated-bucket"))).bucket).toBe(phys("curated-bucket"));
    expect(props(one(s(), "aws:lambda/function:Function", n("validator-function"))).name).toBe(phys("validator-function"));
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
    for (const r of s().resources.filter((r) => r.custom && r.type.startsWith("aws:"))) expect(r.provider?.startsWith(`${provider.urn}::`)).toBe(true);
  });

  test("every taggable resource carries the five tags", () => {
    const taggable = s().resources.filter((r) => r.custom && isTaggable(r.type));
    expect(taggable.map((r) => r.type)).toEqual(expect.arrayContaining([
      "aws:s3/bucket:Bucket", "aws:lambda/function:Function", "aws:cloudwatch/logGroup:LogGroup", "aws:iam/role:Role",
      "aws:dynamodb/table:Table", "aws:sns/topic:Topic", "aws:sqs/queue:Queue",
    ]));
    for (const r of taggable) {
      expect({ name: r.name, tags: props(r).tags }).toEqual({
        name: r.name,
        tags: { Environment: env, Project: "data-platform", ManagedBy: "pulumi", Team: "data-engineering", CostCenter: "DP-1042" },
      });
    }
  });

  test("nothing is protected, retained on delete or deletion-protected", () => {
    for (const r of s().resources) {
      expect([r.name, r.protect, r.retainOnDelete]).toEqual([r.name, false, false]);
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
      expect(child("encryption").rules).toEqual([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }]);
      const [rule] = child("lifecycle").rules;
      expect(rule).toMatchObject({ status: "Enabled", noncurrentVersionExpiration: { noncurrentDays: 30 } });
      expect(child("public-access-block")).toMatchObject({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
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
    expect(props(logs)).toMatchObject({ name: `/aws/lambda/${phys("validator-function")}`, retentionInDays: x.retention });
    expect(fn.dependencies).toContain(logs.urn);
    expect(s().resources.indexOf(logs)).toBeLessThan(s().resources.indexOf(fn));
  });

  test("raw bucket ObjectCreated triggers the function, after the invoke permission", () => {
    const permission = one(s(), "aws:lambda/permission:Permission", n("validator-function-s3-invoke"));
    const notification = one(s(), "aws:s3/bucketNotification:BucketNotification", n("validator-function-s3-trigger"));
    expect(props(permission)).toMatchObject({
      action: "lambda:InvokeFunction", principal: "s3.amazonaws.com", function: phys("validator-function"),
      sourceArn: `arn:aws:s3:::${phys("raw-bucket")}`, sourceAccount: x.account,
    });
    expect(notification.dependencies).toContain(permission.urn);
    expect(props(notification).bucket).toBe(phys("raw-bucket"));
    expect(props(notification).lambdaFunctions).toEqual([{
      lambdaFunctionArn: `arn:aws:lambda:${x.region}:${x.account}:function:${phys("validator-function")}`,
      events: ["s3:ObjectCreated:*"],
      filterPrefix: "incoming/",
    }]);
  });

  test("metadata table: on demand, id + timestamp-index GSI, PITR, same key schema everywhere", () => {
    const t = props(one(s(), "aws:dynamodb/table:Table", n("metadata-table")));
    expect({ billingMode: t.billingMode, hashKey: t.hashKey, attributes: t.attributes, gsi: t.globalSecondaryIndexes, pitr: t.pointInTimeRecovery }).toEqual({
      billingMode: "PAY_PER_REQUEST",
      hashKey: "id",
      attributes: [{ name: "id", type: "S" }, { name: "timestamp", type: "S" }],
      gsi: [{ name: "timestamp-index", keySchemas: [{ attributeName: "timestamp", keyType: "HASH" }], projectionType: "ALL" }],
      pitr: { enabled: true },
    });
    expect(t.deletionProtectionEnabled).toBe(false);
  });

  test("messaging: 14-day queues, redrive to the DLQ after 3 receives, one email subscription per address", () => {
    const queue = one(s(), "aws:sqs/queue:Queue", n("tasks-queue"));
    const dlq = one(s(), "aws:sqs/queue:Queue", n("tasks-dlq"));
    expect(props(queue).messageRetentionSeconds).toBe(1_209_600);
    expect(props(dlq).messageRetentionSeconds).toBe(1_209_600);
    expect(JSON.parse(props(queue).redrivePolicy)).toEqual({ deadLetterTargetArn: `arn:aws:sqs:${x.region}:${x.account}:${phys("tasks-dlq")}`, maxReceiveCount: 3 });
    expect(queue.dependencies).toContain(dlq.urn);
    const subs = byType(s(), "aws:sns/topicSubscription:TopicSubscription");
    expect(subs.map((r) => [r.name, props(r).protocol, props(r).topic])).toEqual(
      subs.map((_, i) => [n(`alerts-email-${i}`), "email", `arn:aws:sns:${x.region}:${x.account}:${phys("alerts-topic")}`]),
    );
    expect(subs).toHaveLength(x.emails);
  });

  test("IAM: lambda-only trust; exact actions on this environment's ARNs; wildcards only where AWS has no narrower form", () => {
    const role = props(one(s(), "aws:iam/role:Role", n("validator-role")));
    expect(JSON.parse(role.assumeRolePolicy).Statement).toEqual([{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }]);
    const policies = byType(s(), "aws:iam/rolePolicy:RolePolicy");
    expect(policies.map((p) => p.name)).toEqual([n("validator-role-policy")]);
    const doc = JSON.parse(props(policies[0]).policy);
    const statements = doc.Statement as { Action: string[]; Resource: string[]; Effect: string }[];
    const actions = statements.flatMap((st) => st.Action);
    for (const a of actions) expect(a).not.toMatch(/[*?]/);
    expect(actions.sort()).toEqual(["dynamodb:PutItem", "logs:CreateLogStream", "logs:PutLogEvents", "s3:GetObject", "sqs:SendMessage", "xray:PutTelemetryRecords", "xray:PutTraceSegments"]);
    const wildcards = statements.flatMap((st) => st.Resource.filter((r) => /[*?]/.test(r)).map((r) => ({ r, actions: st.Action })));
    expect(wildcards.map((w) => w.r)).toEqual([
      `arn:aws:logs:${x.region}:${x.account}:log-group:/aws/lambda/${phys("validator-function")}:log-stream:*`,
      `arn:aws:s3:::${phys("raw-bucket")}/incoming/*`,
      "*",
    ]);
    for (const w of wildcards) expect(SCOPED_RESOURCE_WILDCARDS.some((s) => s.pattern.test(w.r) && w.actions.every((a) => s.actions.includes(a)))).toBe(true);
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
    for (const t of ["env-parity:storage:Storage", "env-parity:metadata:Metadata", "env-parity:messaging:Messaging", "env-parity:iam:FunctionRole", "env-parity:processing:ValidatorFunction"]) {
      expect(byType(s(), t).map((r) => r.parent)).toEqual([environment.urn]);
    }
  });
});

test("one bundle everywhere; sizing differs as configured; prod and staging have one more subscription", () => {
  const fn = (env: Env) => props(one(snapshots[env], "aws:lambda/function:Function", `${env}-ingest-validator-function`));
  expect(new Set(ENVS.map((e) => fn(e).code.hash)).size).toBe(1);
  expect(ENVS.map((e) => fn(e).memorySize)).toEqual([512, 512, 1024]);
  expect(ENVS.map((e) => snapshots[e].resources.filter((r) => r.custom).length)).toEqual([22, 23, 23]);
});
