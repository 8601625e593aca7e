/** The data platform's ConfigStore, ReplicationSource and ReplicationTarget in isolation under `pulumi.runtime.setMocks`. */
import * as pulumi from "@pulumi/pulumi";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}
const registered: Registered[] = [];

pulumi.runtime.setMocks(
  {
    newResource: (args: pulumi.runtime.MockResourceArgs) => {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs });
      const physical = (args.inputs.name as string | undefined) ?? args.name;
      return {
        id: `${args.name}-id`,
        state: { ...args.inputs, arn: `arn:aws:mock:::${physical}`, url: `https://sqs.mock/${physical}` },
      };
    },
    call: () => ({}),
  },
  "data-platform",
  "prod",
  false,
);

// imported after setMocks so the components register against the mock monitor
import { Naming, wildcardCheckFor } from "@env-parity/components";
import { ConfigStore, configKeyToken } from "../../infra/components/config-store";
import {
  ReplicationSource,
  ReplicationTarget,
  replicationEventPattern,
  replicatorRoleArn,
  type ReplicationSourceArgs,
} from "../../infra/components/replication";
import { replicatedKeys } from "../../infra/functions/replicator/skip-keys";
import { loadRules } from "../../consistency-rules/src/rules";
import { RULES_FILE } from "../../infra/config";

const rules = loadRules(RULES_FILE);
const iamExceptions = wildcardCheckFor(rules, {
  env: "prod",
  accountId: "333333333333",
  region: "us-east-1",
  suffix: "p1",
});

const prod = new Naming({
  env: "prod",
  service: "ingest",
  environmentSuffix: "p1",
  accountId: "333333333333",
  region: "us-east-1",
});
const dev = new Naming({
  env: "dev",
  service: "ingest",
  environmentSuffix: "x1",
  accountId: "111111111111",
  region: "us-east-2",
});
const tags = {
  Environment: "prod",
  Project: "data-platform",
  ManagedBy: "pulumi",
  Team: "platform",
  CostCenter: "CC-123",
};
const code = new pulumi.asset.AssetArchive({
  "index.js": new pulumi.asset.StringAsset("exports.handler = async () => ({});"),
});
const DEV_ROLE = "arn:aws:iam::111111111111:role/dev-ingest-config-replica-role-x1";
const STAGING_ROLE = "arn:aws:iam::222222222222:role/staging-ingest-config-replica-role-s1";

async function settle(until: (r: Registered[]) => boolean): Promise<void> {
  for (let i = 0; i < 200 && !until(registered); i++) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 20));
}
const byType = (prefix: string, type: string) => registered.filter((r) => r.name.startsWith(prefix) && r.type === type);
const one = (prefix: string, type: string) => {
  const found = byType(prefix, type);
  expect(found).toHaveLength(1);
  return found[0].inputs as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
};
type Doc = { Statement: { Action: string[]; Resource: string[] }[] };
const statements = (policy: unknown) => (JSON.parse(policy as string) as Doc).Statement;

beforeAll(async () => {
  const sourceArns = ["arn:aws:ssm:us-east-1:333333333333:parameter/data-platform/prod/batchSize"];
  new ReplicationSource("prod-ingest-replication", {
    naming: prod,
    project: "data-platform",
    env: "prod",
    accountId: "333333333333",
    region: "us-east-1",
    targets: [
      { env: "dev", region: "us-east-2", roleArn: pulumi.output(DEV_ROLE) },
      { env: "staging", region: "us-west-1", roleArn: STAGING_ROLE },
    ],
    sourceParameterArns: sourceArns,
    skipKeys: ["logLevel"],
    code,
    logRetentionDays: 30,
    tags,
    iamExceptions,
  });
  new ReplicationSource("bootstrap-replication", {
    naming: new Naming({
      env: "boot",
      service: "ingest",
      environmentSuffix: "b1",
      accountId: "333333333333",
      region: "us-east-1",
    }),
    project: "data-platform",
    env: "prod",
    accountId: "333333333333",
    region: "us-east-1",
    targets: [
      { env: "dev", region: "us-east-2", roleArn: DEV_ROLE },
      { env: "staging", region: "us-west-1", roleArn: pulumi.output(undefined) },
    ],
    sourceParameterArns: sourceArns,
    skipKeys: [],
    code,
    logRetentionDays: 30,
    tags,
    iamExceptions,
  });
  const store = new ConfigStore("dev-ingest-config", {
    naming: dev,
    project: "data-platform",
    env: "dev",
    accountId: "111111111111",
    region: "us-east-2",
    values: { batchSize: "100", logLevel: "debug", apiToken: pulumi.secret("t0k") },
    secretKeys: ["apiToken"],
    replicaKeys: replicatedKeys(["apiToken", "batchSize", "logLevel"], ["logLevel"]),
    tags,
  });
  new ReplicationTarget("dev-ingest-replication", {
    naming: dev,
    sourceRoleArn: replicatorRoleArn(prod),
    parameterArns: replicatedKeys(Object.keys(store.parameterArns), ["logLevel"]).map((k) => store.parameterArns[k]),
    tags,
    iamExceptions: wildcardCheckFor(rules, {
      env: "dev",
      accountId: "111111111111",
      region: "us-east-2",
      suffix: "x1",
    }),
  });
  await settle(
    (r) =>
      r.filter((x) => x.type === "aws:cloudwatch/eventTarget:EventTarget").length === 2 &&
      r.some((x) => x.type === "aws:iam/rolePolicy:RolePolicy" && x.name.startsWith("dev-")),
  );
});

describe("ReplicationSource (prod)", () => {
  it("matches only Create/Update of prod's configuration", () => {
    const rule = one("prod-", "aws:cloudwatch/eventRule:EventRule");
    expect(JSON.parse(rule.eventPattern)).toEqual({
      source: ["aws.ssm"],
      "detail-type": ["Parameter Store Change"],
      detail: { name: [{ prefix: "/data-platform/prod/" }], operation: ["Create", "Update"] },
    });
    expect(replicationEventPattern("data-platform", "prod")).toEqual(JSON.parse(rule.eventPattern));
  });

  it("runs the replicator on nodejs22.x, ≤ 300 s, serialised, with targets and skip keys from its args", () => {
    const fn = one("prod-", "aws:lambda/function:Function");
    expect(fn).toMatchObject({
      runtime: "nodejs22.x",
      handler: "index.handler",
      reservedConcurrentExecutions: 1,
      name: "prod-ingest-config-replicator-function-p1",
    });
    expect(fn.timeout).toBeLessThanOrEqual(300);
    const vars = fn.environment.variables;
    expect(JSON.parse(vars.TARGETS)).toEqual([
      { env: "dev", region: "us-east-2", roleArn: DEV_ROLE },
      { env: "staging", region: "us-west-1", roleArn: STAGING_ROLE },
    ]);
    expect(vars).toMatchObject({
      SKIP_KEYS: "logLevel",
      PROJECT: "data-platform",
      SOURCE_ENV: "prod",
      ENVIRONMENT: "prod",
    });
    expect(
      () => new ReplicationSource("bad", { naming: prod, timeoutSeconds: 301 } as unknown as ReplicationSourceArgs),
    ).toThrow(/timeoutSeconds must be 1..300/);
  });

  it("creates the log group before the function and logs into it", () => {
    const names = registered.map((r) => r.name);
    expect(names.indexOf("prod-ingest-config-replicator-logs")).toBeLessThan(
      names.indexOf("prod-ingest-config-replicator-function"),
    );
    expect(one("prod-", "aws:lambda/function:Function").loggingConfig.logGroup).toBe(
      one("prod-", "aws:cloudwatch/logGroup:LogGroup").name,
    );
  });

  it("lets the role assume exactly the target roles, with no wildcard action and only the scoped log-stream resource", () => {
    const policy = statements(one("prod-", "aws:iam/rolePolicy:RolePolicy").policy);
    expect(policy.find((s) => s.Action.includes("sts:AssumeRole"))?.Resource).toEqual([DEV_ROLE, STAGING_ROLE]);
    expect(policy.find((s) => s.Action.includes("ssm:GetParameter"))?.Resource).toEqual([
      "arn:aws:ssm:us-east-1:333333333333:parameter/data-platform/prod/batchSize",
    ]);
    expect(policy.flatMap((s) => s.Action).filter((a) => a.includes("*"))).toEqual([]);
    expect(policy.flatMap((s) => s.Resource).filter((r) => r.includes("*"))).toEqual([
      "arn:aws:logs:us-east-1:333333333333:log-group:/aws/lambda/prod-ingest-config-replicator-function-p1:log-stream:*",
    ]);
  });

  it("routes failures to the DLQ from EventBridge (retry policy) and from Lambda (on-failure destination)", () => {
    const dlqArn = "arn:aws:sqs:us-east-1:333333333333:prod-ingest-config-replication-dlq-p1";
    const target = one("prod-", "aws:cloudwatch/eventTarget:EventTarget");
    expect(target.deadLetterConfig).toEqual({ arn: dlqArn });
    expect(target.retryPolicy.maximumRetryAttempts).toBeGreaterThan(0);
    const invoke = one("prod-", "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig");
    expect(invoke).toMatchObject({
      maximumRetryAttempts: 2,
      destinationConfig: { onFailure: { destination: dlqArn } },
    });
    const queuePolicy = JSON.parse(one("prod-", "aws:sqs/queuePolicy:QueuePolicy").policy);
    expect(queuePolicy.Statement[0]).toMatchObject({
      Principal: { Service: "events.amazonaws.com" },
      Resource: dlqArn,
      Condition: {
        ArnEquals: {
          "aws:SourceArn": "arn:aws:events:us-east-1:333333333333:rule/prod-ingest-config-replication-rule-p1",
        },
      },
    });
    expect(one("prod-", "aws:sqs/queue:Queue").messageRetentionSeconds).toBe(1_209_600);
    expect(
      byType("prod-", "aws:sns/topic:Topic")
        .map((t) => t.name)
        .sort(),
    ).toEqual(["prod-ingest-config-replication-failure-topic", "prod-ingest-config-replication-success-topic"]);
  });

  it("leaves out a target whose stack has not exported its role yet (bootstrap)", () => {
    const fn = one("boot-", "aws:lambda/function:Function");
    expect(JSON.parse(fn.environment.variables.TARGETS).map((t: { env: string }) => t.env)).toEqual(["dev"]);
    expect(
      statements(one("boot-", "aws:iam/rolePolicy:RolePolicy").policy).find((s) => s.Action.includes("sts:AssumeRole"))
        ?.Resource,
    ).toEqual([DEV_ROLE]);
  });
});

describe("ReplicationTarget (dev) and ConfigStore", () => {
  it("trusts only prod's replicator role, built from prod's account and naming", () => {
    const role = one("dev-", "aws:iam/role:Role");
    expect(role.name).toBe("dev-ingest-config-replica-role-x1");
    expect(JSON.parse(role.assumeRolePolicy).Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::333333333333:role/prod-ingest-config-replicator-role-p1" },
        Action: "sts:AssumeRole",
      },
    ]);
  });

  it("may only get/put the exact replicated parameters (not the environment-specific ones)", () => {
    expect(statements(one("dev-", "aws:iam/rolePolicy:RolePolicy").policy)).toEqual([
      {
        Sid: "ReplicateConfig",
        Effect: "Allow",
        Action: ["ssm:GetParameter", "ssm:PutParameter"],
        Resource: [
          "arn:aws:ssm:us-east-2:111111111111:parameter/data-platform/dev/apiToken",
          "arn:aws:ssm:us-east-2:111111111111:parameter/data-platform/dev/batchSize",
        ],
      },
    ]);
  });

  it("stores each key as /{project}/{env}/{key}, secrets as SecureString", () => {
    const params = byType("dev-", "aws:ssm/parameter:Parameter").map((p) => p.inputs);
    expect(params.map((p) => [p.name, p.type]).sort()).toEqual([
      ["/data-platform/dev/apiToken", "SecureString"],
      ["/data-platform/dev/batchSize", "String"],
      ["/data-platform/dev/logLevel", "String"],
    ]);
    expect(
      () =>
        new ConfigStore("bad", {
          naming: dev,
          project: "data-platform",
          env: "dev",
          accountId: "1",
          region: "r",
          values: { "a b": "x" },
          tags,
        }),
    ).toThrow(/config keys must match/);
    expect(
      () =>
        new ConfigStore("clash", {
          naming: dev,
          project: "data-platform",
          env: "dev",
          accountId: "1",
          region: "r",
          values: { a_b: "x", "a.b": "y" },
          tags,
        }),
    ).toThrow(/collide.*a\.b/);
  });

  test("config keys become kebab-case name tokens", () => {
    expect(["batchSize", "maxRecordAgeHours", "a.b_c", "x"].map(configKeyToken)).toEqual([
      "batch-size",
      "max-record-age-hours",
      "a-b-c",
      "x",
    ]);
  });
});
