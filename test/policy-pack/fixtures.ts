/**
 * A compliant stack per environment, built from the rules (values the rules pin or approve per environment are
 * taken from them), plus helpers to break one property at a time. The pack must report nothing on it.
 */
import * as path from "path";
import { execFileSync } from "child_process";
import type { Snapshot, SnapshotResource } from "../../consistency-rules/src/model";
import { loadRules } from "../../consistency-rules/src/rules";
import { UNKNOWN } from "../../consistency-rules/src/sentinels";
import { splitPath } from "../../consistency-rules/src/paths";
import { logicalIdOf } from "../../consistency-rules/src/normalise";

export const ROOT = process.env.ENV_PARITY_ROOT ?? path.resolve(__dirname, "..", "..");
export const PACK_DIR = path.join(ROOT, "policy-pack");
export const RULES = loadRules(path.join(ROOT, "consistency-rules", "data-platform.rules.json"));
export const ENVS = ["dev", "staging", "prod"] as const;
export type Env = (typeof ENVS)[number];
export { UNKNOWN };

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
  const tags = { Environment: env, Project: "data-platform", ManagedBy: "pulumi", Team: "platform", CostCenter: "cc-1234" };
  const providerUrn = urn("pulumi:providers:aws", "default_7_48_0");
  const res: SnapshotResource[] = [];
  const add = (type: string, name: string, props: Props, deps: string[] = [], extra: Partial<SnapshotResource> = {}) => {
    const r: SnapshotResource = { urn: urn(type, name), type, name, custom: true, dependencies: deps, provider: `${providerUrn}::04da6b54-80e4-46f7-96ec-b56ff0331ba9`, props, ...extra };
    res.push(r);
    return r.urn;
  };
  res.push({ urn: providerUrn, type: "pulumi:providers:aws", name: "default_7_48_0", custom: true, dependencies: [], props: { region } });

  const n = (x: string) => `${env}-ingest-${x}`;
  const bucketName = `${n("raw-bucket")}-${sfx}`;
  const bucket = add("aws:s3/bucket:Bucket", n("raw-bucket"), { bucket: bucketName, forceDestroy: true, tags: { ...tags } });
  add("aws:s3/bucketVersioning:BucketVersioning", n("raw-bucket-versioning"), { bucket: bucketName, versioningConfiguration: { status: "Enabled" } }, [bucket]);
  add(
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    n("raw-bucket-sse"),
    { bucket: bucketName, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }] },
    [bucket],
  );
  add(
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    n("raw-bucket-lifecycle"),
    { bucket: bucketName, rules: [{ id: "expire-noncurrent", status: "Enabled", noncurrentVersionExpiration: { noncurrentDays: 30 } }] },
    [bucket],
  );
  add(
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    n("raw-bucket-public-access"),
    { bucket: bucketName, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
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
  const dlq = add("aws:sqs/queue:Queue", n("work-dlq"), { name: dlqName, messageRetentionSeconds: 1209600, tags: { ...tags } });
  add(
    "aws:sqs/queue:Queue",
    n("work-queue"),
    { name: `${n("work-queue")}-${sfx}`, messageRetentionSeconds: 1209600, redrivePolicy: JSON.stringify({ deadLetterTargetArn: `arn:aws:sqs:${region}:${acct}:${dlqName}`, maxReceiveCount: 3 }), tags: { ...tags } },
    [dlq],
  );
  const topic = add("aws:sns/topic:Topic", n("alerts-topic"), { name: `${n("alerts-topic")}-${sfx}`, tags: { ...tags } });
  add("aws:sns/topicSubscription:TopicSubscription", n("alerts-email-0"), { protocol: "email", endpoint: "ops@example.com", topic: `arn:aws:sns:${region}:${acct}:${n("alerts-topic")}-${sfx}` }, [topic]);

  const role = add("aws:iam/role:Role", n("validator-role"), {
    name: `${n("validator-role")}-${sfx}`,
    assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
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
          { Effect: "Allow", Action: ["dynamodb:PutItem", "dynamodb:Query"], Resource: [`arn:aws:dynamodb:${region}:${acct}:table/${table}`, `arn:aws:dynamodb:${region}:${acct}:table/${table}/index/timestamp`] },
          { Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: "*" },
        ],
      }),
    },
    [role],
  );
  const fnName = `${n("validator-function")}-${sfx}`;
  const logs = add("aws:cloudwatch/logGroup:LogGroup", n("validator-logs"), { name: `/aws/lambda/${fnName}`, retentionInDays: 7, tags: { ...tags } });
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
  const logs2 = add("aws:cloudwatch/logGroup:LogGroup", n("transformer-logs"), { name: `/aws/lambda/${fn2}`, retentionInDays: 7, tags: { ...tags } });
  add(
    "aws:lambda/function:Function",
    n("transformer-function"),
    { name: fn2, runtime: "nodejs22.x", handler: "index.handler", timeout: 60, memorySize: 512, role: `arn:aws:iam::${acct}:role/${n("validator-role")}-${sfx}`, tracingConfig: { mode: "Active" }, environment: { variables: { LOG_LEVEL: "info" } }, tags: { ...tags } },
    [logs2, role],
  );

  // Pin what the rules pin or approve per environment (one source of truth for the fixture too).
  for (const r of res) {
    const lid = logicalIdOf(r.name, { env, stack });
    for (const inv of RULES.invariantsFor(r.type, lid)) if (inv.hasExpect && !inv.path.includes("*") && !inv.path.includes("$") && !inv.path.includes(".maxReceiveCount") && pathExists(r.props, inv.path)) setPath(r.props as Props, inv.path, inv.expect);
    for (const a of RULES.approvalsFor(r.type, lid)) {
      const spec = a.values[env];
      if (a.path.includes("*") || a.path.startsWith("$") || (spec && typeof spec === "object")) continue;
      if (pathExists(r.props, a.path)) setPath(r.props as Props, a.path, spec);
    }
  }
  return { context: { env, stack, project: "data-platform", accountId: acct, region, suffix: sfx }, source: "plan", origin: `fixture:${env}`, resources: res };
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
export function mutate(s: Snapshot, nameEnd: string, fn: (props: Props, r: SnapshotResource) => void | Partial<SnapshotResource>): Snapshot {
  const copy: Snapshot = JSON.parse(JSON.stringify(s));
  const resources = copy.resources.map((r) => {
    if (!r.name.endsWith(`-${nameEnd}`)) return r;
    const extra = fn(r.props as Props, r);
    return extra ? { ...r, ...extra } : r;
  });
  if (!resources.some((r, i) => r !== copy.resources[i] || r.name.endsWith(`-${nameEnd}`))) throw new Error(`no resource ends with -${nameEnd}`);
  return { ...copy, resources };
}

export function drop(s: Snapshot, nameEnd: string): Snapshot {
  const copy: Snapshot = JSON.parse(JSON.stringify(s));
  return { ...copy, resources: copy.resources.filter((r) => !r.name.endsWith(`-${nameEnd}`)) };
}
