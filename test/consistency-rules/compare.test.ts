import {
  checkStack,
  compareSnapshots,
  normaliseSnapshot,
  SECRET_SIG,
  SIG_KEY,
  UNKNOWN,
  type Finding,
} from "../../consistency-rules/src";
import { type Env, ENVS, resource, rules, snapshot } from "./helpers";

const FN = "aws:lambda/function:Function";
const Q = "aws:sqs/queue:Queue";
const NOW = new Date("2026-06-01T00:00:00Z");

/** The three environments, each with the props a function returns for its env. */
function envs(
  fn: (env: Env) => Record<string, unknown>,
  type = FN,
  name = "ingest-validator-function",
  which: Env[] = ["dev", "staging", "prod"],
) {
  return which.map((e) => normaliseSnapshot(snapshot(e, [resource(e, type, `${e}-${name}`, fn(e))])));
}

const base = (e: Env) => ({
  runtime: "nodejs22.x",
  timeout: 60,
  memorySize: e === "prod" ? 1024 : 512,
  role: `arn:aws:iam::${{ dev: "111111111111", staging: "222222222222", prod: "333333333333" }[e]}:role/${e}-ingest-validator-role-x1`,
  environment: { variables: { TABLE: `${e}-ingest-metadata-table-x1` } },
});

const fails = (fs: Finding[]) => fs.filter((f) => f.status === "fail");
const by = (fs: Finding[], status: Finding["status"]) => fs.filter((f) => f.status === status);

describe("compareSnapshots", () => {
  it("reports no failures for identical environments (modulo env, account, suffix)", () => {
    const fs = compareSnapshots(
      envs((e) => ({ ...base(e), memorySize: 512 })),
      rules(),
      NOW,
    );
    expect(fails(fs)).toEqual([]);
    expect(
      by(fs, "pass")
        .map((f) => f.ruleId)
        .sort(),
    ).toEqual(["parity-lambda-runtime", "parity-lambda-timeout"]);
  });

  it("marks an approved difference approved, carrying the approval", () => {
    const fs = compareSnapshots(envs(base), rules(), NOW);
    expect(fails(fs)).toEqual([]);
    const [a] = by(fs, "approved");
    expect(a).toMatchObject({
      ruleId: "parity-unapproved-difference",
      kind: "parity",
      path: "memorySize",
      resource: `${FN}::ingest-validator-function`,
      environments: ["dev", "staging", "prod"],
      urn: "urn:pulumi:dev::demo::aws:lambda/function:Function::dev-ingest-validator-function",
      values: { dev: 512, staging: 512, prod: 1024 },
      approval: {
        id: "validator-memory",
        reason: "prod processes 10x the volume",
        owner: "platform-team",
        expires: "2027-12-31",
      },
    });
  });

  it("fails a difference outside the approved values, naming the approval", () => {
    const fs = compareSnapshots(
      envs((e) => ({ ...base(e), memorySize: e === "prod" ? 2048 : 512 })),
      rules(),
      NOW,
    );
    expect(fails(fs).map((f) => f.message)).toEqual([
      "lambda function ingest-validator-function: memorySize differs: dev=512, staging=512, prod=2048; approval validator-memory allows prod=1024 (parity-unapproved-difference)",
    ]);
  });

  it("fails an unapproved difference with every environment's value", () => {
    const snaps = envs(
      (e) => ({ messageRetentionSeconds: 1209600, visibilityTimeoutSeconds: e === "staging" ? 30 : 60 }),
      Q,
      "tasks-work-queue",
    );
    const [f] = fails(compareSnapshots(snaps, rules(), NOW));
    expect(f).toMatchObject({
      ruleId: "parity-unapproved-difference",
      severity: "high",
      path: "visibilityTimeoutSeconds",
      values: { dev: 60, staging: 30, prod: 60 },
    });
    expect(f.message).toBe(
      "sqs queue tasks-work-queue: visibilityTimeoutSeconds differs: dev=60, staging=30, prod=60 (parity-unapproved-difference)",
    );
  });

  it("fails an invariant difference with the invariant's id and message", () => {
    const snaps = envs(
      (e) => ({ messageRetentionSeconds: e === "staging" ? 345600 : 1209600 }),
      Q,
      "tasks-work-queue",
      ["staging", "prod"],
    );
    const fs = fails(compareSnapshots(snaps, rules(), NOW));
    expect(fs.map((f) => f.message)).toEqual([
      "sqs queue tasks-work-queue: messageRetentionSeconds differs: staging=345600, prod=1209600; expected 1209600 (parity-sqs-queue-retention)",
    ]);
    expect(fs[0].ruleId).toBe("parity-sqs-queue-retention");
  });

  it("an environment named __proto__ keeps its own value in a finding (not the object's prototype)", () => {
    const snaps = ["__proto__", "prod"].map((e) =>
      normaliseSnapshot(
        snapshot(e, [resource(e, Q, `${e}-work-queue`, { messageRetentionSeconds: e === "prod" ? 1209600 : 60 })]),
        rules(),
      ),
    );
    const [f] = fails(compareSnapshots(snaps, rules(), NOW)).filter((x) => x.ruleId === "parity-sqs-queue-retention");
    expect(Object.keys(f.values!)).toEqual(["__proto__", "prod"]);
    expect(Object.getPrototypeOf(f.values)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(f.values, "__proto__")?.value).toBe(60);
  });

  it("fails an invariant's expect even when all environments agree", () => {
    const fs = fails(
      compareSnapshots(
        envs((e) => ({ ...base(e), runtime: "nodejs20.x" })),
        rules(),
        NOW,
      ),
    );
    expect(fs).toHaveLength(1);
    expect(fs[0]).toMatchObject({
      ruleId: "parity-lambda-runtime",
      path: "runtime",
      values: { dev: "nodejs20.x", staging: "nodejs20.x", prod: "nodejs20.x" },
    });
    expect(fs[0].message).toBe(
      'lambda function ingest-validator-function: runtime is "nodejs20.x" in dev, staging, prod; expected "nodejs22.x" (parity-lambda-runtime)',
    );
  });

  it("fails an expired approval once, and the difference it covered is unapproved", () => {
    const fs = compareSnapshots(envs(base), rules(), new Date("2028-01-01"));
    const expired = fs.filter((f) => f.ruleId === "parity-approval-expired");
    expect(expired).toHaveLength(1);
    expect(expired[0]).toMatchObject({ status: "fail", file: "demo.rules.json", approval: { id: "validator-memory" } });
    expect(expired[0].message).toMatch(/^approval validator-memory .* expired on 2027-12-31/);
    const diff = fs.find((f) => f.path === "memorySize" && f.ruleId === "parity-unapproved-difference")!;
    expect(diff.status).toBe("fail");
    expect(diff.message).toContain("approval validator-memory expired on 2027-12-31 (parity-unapproved-difference)");
  });

  it("reports unknown values as indeterminate, never pass or fail", () => {
    const fs = compareSnapshots(
      envs((e) => ({
        ...base(e),
        runtime: e === "prod" ? UNKNOWN : "nodejs22.x",
        description: e === "dev" ? UNKNOWN : "x",
      })),
      rules(),
      NOW,
    );
    expect(fails(fs)).toEqual([]);
    const ind = by(fs, "indeterminate");
    expect(ind.map((f) => [f.ruleId, f.path])).toEqual([
      ["parity-lambda-runtime", "runtime"],
      ["parity-unapproved-difference", "description"],
    ]);
    expect(fs.some((f) => f.path === "runtime" && f.status === "pass")).toBe(false);
  });

  it("reports a resource missing from some environments, unless $present approves it", () => {
    const mk = (e: Env, names: string[]) =>
      normaliseSnapshot(
        snapshot(
          e,
          names.map((n) =>
            resource(e, "aws:sns/topicSubscription:TopicSubscription", `${e}-${n}`, { protocol: "email" }),
          ),
        ),
      );
    const snaps = [
      mk("dev", ["notify-alerts-email-0"]),
      mk("staging", ["notify-alerts-email-0"]),
      mk("prod", ["notify-alerts-email-0", "notify-alerts-email-1", "audit-sub"]),
    ];
    const r = rules({
      approvals: [
        {
          id: "emails",
          type: "*",
          resource: "notify-alerts-email-*",
          path: "$present",
          values: { dev: { any: true }, staging: { any: true }, prod: { any: true } },
          reason: "recipients differ per env",
          owner: "platform-team",
        },
      ],
    });
    const fs = compareSnapshots(snaps, r, NOW).filter((f) => f.ruleId === "parity-resource-inventory");
    expect(fs.map((f) => [f.resource, f.status])).toEqual([
      ["aws:sns/topicSubscription:TopicSubscription::notify-alerts-email-1", "approved"],
      ["aws:sns/topicSubscription:TopicSubscription::audit-sub", "fail"],
    ]);
    expect(fs[1].message).toBe(
      "sns topic subscription audit-sub: present in prod only; absent in dev, staging (parity-resource-inventory)",
    );
    expect(fs[1].values).toEqual({ dev: "absent", staging: "absent", prod: "present" });
  });

  it("compares config maps of config snapshots with approvals of type config", () => {
    const cfg = (e: Env, mem: number, level: string) =>
      normaliseSnapshot(
        {
          context: { env: e, stack: e, project: "demo" },
          source: "config",
          origin: `Pulumi.${e}.yaml`,
          resources: [],
          config: {
            "demo:lambdaMemoryMb": mem,
            "demo:logLevel": level,
            "aws:region": { dev: "us-east-2", staging: "us-west-1", prod: "us-east-1" }[e],
            "demo:token": { [SIG_KEY]: SECRET_SIG, ciphertext: `v1:${e}` },
          },
        },
        rules(),
      );
    const r = rules({
      approvals: [
        {
          id: "cfg-mem",
          type: "config",
          resource: "config",
          path: "lambdaMemoryMb",
          values: { dev: 512, staging: 512, prod: 1024 },
          reason: "prod has 10x volume",
          owner: "platform-team",
        },
      ],
    });
    const fs = compareSnapshots(
      [cfg("dev", 512, "debug"), cfg("staging", 512, "info"), cfg("prod", 1024, "info")],
      r,
      NOW,
    );
    expect(fs.map((f) => [f.resource, f.path, f.status, f.file])).toEqual([
      ["config::config", "lambdaMemoryMb", "approved", "Pulumi.dev.yaml"],
      ["config::config", "logLevel", "fail", "Pulumi.dev.yaml"],
    ]);
    expect(fs[1].message).toBe(
      'stack config: logLevel differs: dev="debug", staging="info", prod="info" (parity-unapproved-difference)',
    );
  });

  it("compares arrays by index and JSON-object strings by key; approvals cover the paths below them", () => {
    const r = rules({
      invariants: [{ id: "parity-dlq", type: Q, path: "redrivePolicy.maxReceiveCount", expect: 3 }],
      approvals: [
        {
          id: "tags-any",
          type: Q,
          resource: "*",
          path: "tags",
          values: { dev: { any: true }, prod: { any: true } },
          reason: "tags are free here",
          owner: "platform-team",
        },
      ],
    });
    const snaps = envs(
      (e) => ({
        redrivePolicy: JSON.stringify({
          deadLetterTargetArn: `arn:aws:sqs:${ENVS[e as Env].region}:${ENVS[e as Env].accountId}:${e}-dlq`,
          maxReceiveCount: e === "prod" ? 5 : 3,
        }),
        list: e === "prod" ? ["a", "b"] : ["a"],
        tags: { Team: e, Extra: e === "prod" ? "y" : "n" },
      }),
      Q,
      "q",
      ["dev", "prod"],
    );
    const fs = compareSnapshots(snaps, r, NOW);
    expect(fs.map((f) => [f.ruleId, f.path, f.status])).toEqual(
      expect.arrayContaining([
        ["parity-dlq", "redrivePolicy.maxReceiveCount", "fail"],
        ["parity-unapproved-difference", "list.1", "fail"],
        ["parity-unapproved-difference", "tags", "approved"],
      ]),
    );
    expect(fs).toHaveLength(3);
    const list = fs.find((f) => f.path === "list.1")!;
    expect(list.values).toEqual({ dev: undefined, prod: "b" });
    expect(list.message).toContain('list.1 differs: dev=<absent>, prod="b"');
  });

  it("never puts a secret into a finding", () => {
    const snaps = envs((e) => ({
      ...base(e),
      memorySize: 1,
      password: e === "prod" ? "plain" : { [SIG_KEY]: SECRET_SIG, value: `s3cret-${e}` },
    }));
    const fs = compareSnapshots(snaps, rules(), NOW);
    const json = JSON.stringify(fs);
    expect(json).not.toMatch(/s3cret/);
    // secret on one side is secret on every side: compared (and shown) as [secret] everywhere, never as plain text
    expect(json).not.toMatch(/plain/);
    expect(fs.find((f) => f.path === "password")).toBeUndefined();
  });
});

describe("checkStack", () => {
  const one = (e: Env, props: Record<string, unknown>, type = FN) =>
    normaliseSnapshot(snapshot(e, [resource(e, type, `${e}-ingest-validator-function`, props)]));

  it("passes a stack that meets invariants and its environment's approved values", () => {
    const fs = checkStack(one("prod", base("prod")), rules(), NOW);
    expect(fails(fs)).toEqual([]);
    expect(fs.map((f) => [f.ruleId, f.status, f.path])).toEqual([
      ["parity-lambda-runtime", "pass", "runtime"],
      ["parity-unapproved-difference", "pass", "memorySize"],
    ]);
  });

  it("fails a value outside this environment's approval and a broken expect", () => {
    const fs = fails(checkStack(one("prod", { ...base("prod"), memorySize: 512, runtime: "python3.9" }), rules(), NOW));
    expect(fs.map((f) => f.message)).toEqual([
      'lambda function ingest-validator-function: runtime is "python3.9" in prod; expected "nodejs22.x" (parity-lambda-runtime)',
      "lambda function ingest-validator-function: memorySize is 512 in prod; approval validator-memory allows 1024 (parity-unapproved-difference)",
    ]);
  });

  it("normalises approved literals like the values (an env name in a tag)", () => {
    const r = rules({
      approvals: [
        {
          id: "tag-env",
          type: "*",
          resource: "*",
          path: "tags.Environment",
          values: { dev: "dev", prod: "prod" },
          reason: "names the environment",
          owner: "platform-team",
        },
      ],
    });
    expect(fails(checkStack(one("dev", { ...base("dev"), tags: { Environment: "dev" } }), r, NOW))).toEqual([]);
    expect(fails(checkStack(one("dev", { ...base("dev"), tags: { Environment: "prod" } }), r, NOW))).toHaveLength(1);
  });

  it("is indeterminate on unknowns and on an environment the rules do not know", () => {
    const fs = checkStack(one("prod", { ...base("prod"), runtime: UNKNOWN, memorySize: UNKNOWN }), rules(), NOW);
    expect(fails(fs)).toEqual([]);
    expect(by(fs, "indeterminate").map((f) => f.path)).toEqual(["runtime", "memorySize"]);
    const qa = normaliseSnapshot(
      snapshot("qa", [resource("qa", FN, "qa-ingest-validator-function", { ...base("dev"), runtime: "nodejs18.x" })]),
    );
    const qfs = checkStack(qa, rules(), NOW);
    expect(qfs.map((f) => [f.ruleId, f.status])).toEqual([
      ["parity-unknown-environment", "indeterminate"],
      ["parity-lambda-runtime", "fail"],
    ]);
  });

  it("fails expired approvals in every stack", () => {
    expect(
      checkStack(one("dev", base("dev")), rules(), new Date("2030-01-01")).filter(
        (f) => f.ruleId === "parity-approval-expired",
      ),
    ).toHaveLength(1);
  });
});
