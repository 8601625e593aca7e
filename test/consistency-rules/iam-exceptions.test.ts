import * as path from "path";
import {
  compareSnapshots,
  iamPatternRegExp,
  isInputError,
  loadRules,
  matchesIamPattern,
  normaliseSnapshot,
  parseIamPattern,
} from "../../consistency-rules/src";
import { rules, snapshot } from "./helpers";

const NOW = new Date("2026-06-01T00:00:00Z");
const DEV = { env: "dev" };

const exceptions = [
  {
    id: "iam-lambda-log-streams",
    actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
    resource: "arn:aws:logs:{region}:{account}:log-group:/aws/lambda/{name}:log-stream:*",
    reason: "Lambda names its log streams at run time",
    owner: "platform-team",
  },
  {
    id: "iam-raw-incoming-objects",
    actions: ["s3:GetObject", "s3:GetObjectVersion"],
    resource: "arn:aws:s3:::{name}/incoming/*",
    reason: "object keys are data, unknown until upload",
    owner: "platform-team",
  },
  {
    id: "iam-xray-put-traces",
    actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
    resource: "*",
    reason: "X-Ray has no resource-level permissions",
    owner: "platform-team",
  },
  {
    id: "iam-env-scoped",
    actions: ["ssm:GetParameter"],
    resource: "arn:aws:ssm:{region}:{account}:parameter/{env}/config-{suffix}/*",
    reason: "parameters under the environment's path",
    owner: "platform-team",
    expires: "2027-12-31",
  },
];
const RULES = rules({ iamExceptions: exceptions });
const LOGS = "arn:aws:logs:us-east-2:111111111111:log-group:/aws/lambda/dev-ingest-validator-function-x1:log-stream:*";

describe("iamExceptionFor", () => {
  it("allows a statement whose every action is listed and whose resource matches the pattern", () => {
    expect(RULES.iamExceptionFor(["logs:CreateLogStream", "logs:PutLogEvents"], LOGS, DEV, NOW)?.id).toBe(
      "iam-lambda-log-streams",
    );
    expect(RULES.iamExceptionFor(["logs:PutLogEvents"], LOGS, DEV, NOW)?.id).toBe("iam-lambda-log-streams");
    expect(
      RULES.iamExceptionFor(
        ["s3:GetObject", "s3:GetObjectVersion"],
        "arn:aws:s3:::dev-ingest-raw-bucket-x1/incoming/*",
        DEV,
        NOW,
      )?.id,
    ).toBe("iam-raw-incoming-objects");
    expect(RULES.iamExceptionFor(["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "*", DEV, NOW)).toMatchObject({
      id: "iam-xray-put-traces",
      reason: "X-Ray has no resource-level permissions",
      owner: "platform-team",
    });
  });

  it("rejects a statement with one action the exception does not list (or a wildcard action)", () => {
    expect(RULES.iamExceptionFor(["logs:CreateLogStream", "logs:DeleteLogGroup"], LOGS, DEV, NOW)).toBeUndefined();
    expect(
      RULES.iamExceptionFor(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::b-x1/incoming/*", DEV, NOW),
    ).toBeUndefined();
    expect(RULES.iamExceptionFor(["s3:Get*"], "arn:aws:s3:::b-x1/incoming/*", DEV, NOW)).toBeUndefined();
    expect(RULES.iamExceptionFor(["xray:*"], "*", DEV, NOW)).toBeUndefined();
    expect(RULES.iamExceptionFor([], "*", DEV, NOW)).toBeUndefined();
  });

  it("matches action names case-insensitively, as IAM does", () => {
    expect(RULES.iamExceptionFor(["XRay:PutTraceSegments"], "*", DEV, NOW)?.id).toBe("iam-xray-put-traces");
  });

  it("does not let one exception's actions borrow another's resource", () => {
    expect(RULES.iamExceptionFor(["xray:PutTraceSegments", "logs:PutLogEvents"], "*", DEV, NOW)).toBeUndefined();
    expect(RULES.iamExceptionFor(["s3:GetObject"], "*", DEV, NOW)).toBeUndefined();
  });

  it("a `*` in a pattern is literal: it matches a `*` written at that place only", () => {
    const ok = (r: string) => RULES.iamExceptionFor(["s3:GetObject"], r, DEV, NOW) !== undefined;
    expect(ok("arn:aws:s3:::dev-raw-x1/incoming/*")).toBe(true);
    expect(ok("arn:aws:s3:::dev-raw-x1/*")).toBe(false);
    expect(ok("arn:aws:s3:::*/incoming/*")).toBe(false);
    expect(ok("arn:aws:s3:::dev-raw-x1/incoming/*/*")).toBe(false);
    expect(ok("arn:aws:s3:::a/b/incoming/*")).toBe(false);
    expect(ok("arn:aws:s3:::dev-raw-x1/incoming/a*")).toBe(false);
    expect(ok("arn:aws:s3:::dev?raw/incoming/*")).toBe(false);
  });

  it("{name} is one segment: no `/`, `:`, `*` or `?`", () => {
    const logs = (group: string) => `arn:aws:logs:us-east-2:111111111111:log-group:/aws/lambda/${group}:log-stream:*`;
    const ok = (r: string) => RULES.iamExceptionFor(["logs:PutLogEvents"], r, DEV, NOW) !== undefined;
    expect(ok(logs("fn-1"))).toBe(true);
    expect(ok(logs("*"))).toBe(false);
    expect(ok(logs("a/b"))).toBe(false);
    expect(ok(logs("fn:log-stream:x"))).toBe(false);
    expect(ok("arn:aws:logs:us-east-2:111111111111:log-group:/other/fn:log-stream:*")).toBe(false);
    expect(ok("arn:aws:logs:us-east-2:111111111111:log-group:*")).toBe(false);
  });

  it("{account} and {region} are the environment's (from the rules when the context omits them)", () => {
    expect(
      RULES.iamExceptionFor(["logs:PutLogEvents"], LOGS.replace("111111111111", "222222222222"), DEV, NOW),
    ).toBeUndefined();
    expect(
      RULES.iamExceptionFor(["logs:PutLogEvents"], LOGS.replace("us-east-2", "us-west-1"), DEV, NOW),
    ).toBeUndefined();
    expect(
      RULES.iamExceptionFor(
        ["logs:PutLogEvents"],
        LOGS.replace("111111111111", "222222222222").replace("us-east-2", "us-west-1"),
        { env: "staging" },
        NOW,
      )?.id,
    ).toBe("iam-lambda-log-streams");
    // An environment the rules do not know: any account id and region name, but still their shape.
    expect(RULES.iamExceptionFor(["logs:PutLogEvents"], LOGS, { env: "qa" }, NOW)?.id).toBe("iam-lambda-log-streams");
    expect(
      RULES.iamExceptionFor(["logs:PutLogEvents"], LOGS.replace("111111111111", "1111"), { env: "qa" }, NOW),
    ).toBeUndefined();
    expect(
      RULES.iamExceptionFor(["logs:PutLogEvents"], LOGS.replace("us-east-2", "mars-1"), { env: "qa" }, NOW),
    ).toBeUndefined();
  });

  it("{env} and {suffix} come from the context; a pattern using {suffix} matches nothing without one", () => {
    const ssm = "arn:aws:ssm:us-east-2:111111111111:parameter/dev/config-x1/*";
    expect(RULES.iamExceptionFor(["ssm:GetParameter"], ssm, { env: "dev", suffix: "x1" }, NOW)?.id).toBe(
      "iam-env-scoped",
    );
    expect(RULES.iamExceptionFor(["ssm:GetParameter"], ssm, { env: "dev", suffix: "x2" }, NOW)).toBeUndefined();
    expect(RULES.iamExceptionFor(["ssm:GetParameter"], ssm, { env: "dev" }, NOW)).toBeUndefined();
    expect(
      RULES.iamExceptionFor(["ssm:GetParameter"], ssm.replace("/dev/", "/prod/"), { env: "dev", suffix: "x1" }, NOW),
    ).toBeUndefined();
  });

  it("an expired exception applies to nothing, and the gate reports it as parity-approval-expired", () => {
    const ssm = "arn:aws:ssm:us-east-2:111111111111:parameter/dev/config-x1/*";
    const later = new Date("2028-01-01T00:00:00Z");
    expect(
      RULES.iamExceptionFor(["ssm:GetParameter"], ssm, { env: "dev", suffix: "x1" }, new Date("2027-12-31T23:59:59Z"))
        ?.id,
    ).toBe("iam-env-scoped");
    expect(RULES.iamExceptionFor(["ssm:GetParameter"], ssm, { env: "dev", suffix: "x1" }, later)).toBeUndefined();
    const fs = compareSnapshots([normaliseSnapshot(snapshot("dev", []), RULES)], RULES, later).filter(
      (f) => f.ruleId === "parity-approval-expired" && f.approval?.id.startsWith("iam-"),
    );
    expect(fs).toEqual([
      expect.objectContaining({
        status: "fail",
        approval: expect.objectContaining({ id: "iam-env-scoped", expires: "2027-12-31" }),
      }),
    ]);
    expect(fs[0].message).toMatch(/^IAM exception iam-env-scoped .* expired on 2027-12-31/);
    expect(
      compareSnapshots([normaliseSnapshot(snapshot("dev", []), RULES)], RULES, NOW).filter(
        (f) => f.ruleId === "parity-approval-expired",
      ),
    ).toEqual([]);
  });
});

describe("IAM resource patterns", () => {
  it("parse into literals and the five placeholders", () => {
    expect(parseIamPattern("arn:aws:s3:::{name}/incoming/*")).toEqual([
      { literal: "arn:aws:s3:::" },
      { placeholder: "name" },
      { literal: "/incoming/*" },
    ]);
    expect(parseIamPattern("*")).toEqual([{ literal: "*" }]);
  });

  it("reject unknown placeholders and unbalanced braces", () => {
    expect(() => parseIamPattern("arn:{bucket}/*")).toThrow(
      'has unknown placeholder "{bucket}" (known: {account}, {region}, {env}, {suffix}, {name})',
    );
    expect(() => parseIamPattern("arn:{name")).toThrow('has "{" without "}"');
    expect(() => parseIamPattern("arn:name}")).toThrow('has "}" without "{"');
  });

  it("escape regular-expression characters of literals", () => {
    expect(matchesIamPattern("a.b+(c)", "a.b+(c)", DEV)).toBe(true);
    expect(matchesIamPattern("a.b+(c)", "axb+(c)", DEV)).toBe(false);
    expect(iamPatternRegExp("x-{suffix}", { env: "dev" })).toBeUndefined();
  });
});

describe("iamExceptions in the rule file", () => {
  const bad = (over: Record<string, unknown>): string[] => {
    try {
      rules({ iamExceptions: [{ ...exceptions[2], ...over }] });
      return [];
    } catch (e) {
      if (!isInputError(e)) throw e;
      return e.message.split("\n");
    }
  };

  it("is validated: exact action names, a reason of 10+ characters, an owner, known placeholders, a date", () => {
    expect(bad({ actions: ["xray:*"] })).toEqual([
      'demo.rules.json: iamExceptions[0].actions[0] must match pattern "^[a-z0-9-]+:[A-Za-z0-9]+$", got "xray:*"',
    ]);
    expect(bad({ actions: [] })).toHaveLength(1);
    expect(bad({ reason: "because" })).toEqual([
      'demo.rules.json: iamExceptions[0].reason must NOT have fewer than 10 characters, got "because"',
    ]);
    expect(bad({ owner: undefined })).toEqual(["demo.rules.json: iamExceptions[0].owner is required"]);
    expect(bad({ resource: "arn:{bucket}/*" })).toEqual([
      'demo.rules.json: iamExceptions[0].resource has unknown placeholder "{bucket}" (known: {account}, {region}, {env}, {suffix}, {name})',
    ]);
    expect(bad({ expires: "2027-13-45" })).toHaveLength(1);
    expect(bad({ id: "parity-lambda-runtime" })).toEqual([
      'demo.rules.json: iamExceptions[0].id duplicates id "parity-lambda-runtime" of invariants[0]',
    ]);
    expect(bad({})).toEqual([]);
  });

  it("data-platform.rules.json allows exactly the infra program's wildcard statements", () => {
    const dp = loadRules(path.resolve(__dirname, "../../consistency-rules/data-platform.rules.json"));
    const dev = { env: "dev", suffix: "x1" };
    const at = (r: string) => r.replace("{ec2}", "arn:aws:ec2:us-east-2:111111111111");
    const allowed: [string[], string][] = [
      [["logs:CreateLogStream", "logs:PutLogEvents"], LOGS],
      [
        ["logs:CreateLogStream", "logs:PutLogEvents"],
        "arn:aws:logs:us-east-2:111111111111:log-group:/aws/lambda/dev-ingest-config-replicator-x1:log-stream:*",
      ],
      [["s3:GetObject", "s3:GetObjectVersion"], "arn:aws:s3:::dev-ingest-raw-bucket-x1/incoming/*"],
      [["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "*"],
      [["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"], "*"],
      [["ec2:CreateNetworkInterface"], at("{ec2}:network-interface/*")],
      [["ec2:CreateNetworkInterface"], at("{ec2}:subnet/*")],
      [["ec2:CreateNetworkInterface"], at("{ec2}:security-group/*")],
      [
        ["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
        at("{ec2}:network-interface/*"),
      ],
    ];
    for (const [actions, resource] of allowed)
      expect([actions, resource, dp.iamExceptionFor(actions, resource, dev)?.id]).toEqual([
        actions,
        resource,
        expect.any(String),
      ]);
    const rejected: [string[], string][] = [
      [["s3:GetObject"], "arn:aws:s3:::dev-ingest-raw-bucket-x1/*"],
      [["s3:PutObject"], "arn:aws:s3:::dev-ingest-raw-bucket-x1/incoming/*"],
      [["ec2:DeleteNetworkInterface"], "*"],
      [["ec2:DeleteNetworkInterface"], at("{ec2}:subnet/*")],
      [["ec2:CreateNetworkInterface"], "arn:aws:ec2:us-east-1:333333333333:network-interface/*"],
      [["dynamodb:PutItem"], "*"],
    ];
    for (const [actions, resource] of rejected)
      expect([actions, resource, dp.iamExceptionFor(actions, resource, dev)]).toEqual([actions, resource, undefined]);
  });
});
