import * as fs from "fs";
import * as path from "path";
import { InputErrors, isExpired, loadRules, loadRulesFromObject } from "../../consistency-rules/src";
import { rules, rulesObject, tmpFile } from "./helpers";

/** The lines of the InputError(s) a call throws. */
function problems(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    return (e as Error).message.split("\n");
  }
  throw new Error("expected a throw");
}

const approval = (over: Record<string, unknown>) => ({
  id: "a1",
  type: "aws:lambda/function:Function",
  resource: "fn",
  path: "memorySize",
  values: { dev: 1 },
  reason: "a good reason here",
  owner: "platform-team",
  ...over,
});

describe("loadRules", () => {
  it("loads the reference rules and resolves the config schema next to them", () => {
    const file = path.join(__dirname, "../../consistency-rules/data-platform.rules.json");
    const r = loadRules(file);
    expect(r.project).toBe("data-platform");
    expect(r.envNames).toEqual(["dev", "staging", "prod"]);
    expect(r.configSchemaPath).toBe(path.join(path.dirname(file), "data-platform.config.schema.json"));
    expect(fs.existsSync(r.configSchemaPath!)).toBe(true);
    expect(
      r.expectation(
        "prod",
        "aws:lambda/function:Function",
        "ingest-validator-function",
        "memorySize",
        new Date("2026-01-01"),
      ),
    ).toBe(1024);
    expect(r.expectation("dev", "aws:lambda/function:Function", "ingest-validator-function", "runtime")).toBe(
      "nodejs22.x",
    );
    expect(
      r.expectation("dev", "aws:lambda/function:Function", "ingest-validator-function", "tracingConfig.mode"),
    ).toBe("PassThrough");
    expect(
      r.expectation("staging", "aws:cloudwatch/logGroup:LogGroup", "ingest-validator-logs", "retentionInDays"),
    ).toBe(7);
  });

  it("reports each bad approval field as one line with file and JSON path", () => {
    const obj = rulesObject({
      approvals: [
        approval({ id: "a1", reason: undefined }),
        approval({ id: "a2", reason: "short" }),
        approval({ id: "a3", expires: "2027-13-45" }),
      ],
    });
    const lines = problems(() => loadRulesFromObject(JSON.parse(JSON.stringify(obj)), "x.rules.json"));
    expect(lines).toEqual(
      expect.arrayContaining([
        "x.rules.json: approvals[0].reason is required",
        'x.rules.json: approvals[1].reason must NOT have fewer than 10 characters, got "short"',
        'x.rules.json: approvals[2].expires must match format "date", got "2027-13-45"',
      ]),
    );
    expect(lines).toHaveLength(3);
  });

  it("rejects unknown environments in values, duplicate ids and malformed value specs", () => {
    const obj = rulesObject({
      approvals: [
        approval({ id: "parity-lambda-runtime", values: { qa: 1 } }),
        approval({ id: "b", values: { dev: { oneOf: [] }, prod: { min: 5, max: 1 } } }),
        approval({ id: "b" }),
      ],
    });
    const lines = problems(() => loadRulesFromObject(obj, "x.rules.json"));
    expect(lines).toEqual([
      'x.rules.json: approvals[0].id duplicates id "parity-lambda-runtime" of invariants[0]',
      'x.rules.json: approvals[0].values.qa names unknown environment "qa" (known: dev, staging, prod)',
      "x.rules.json: approvals[1].values.dev.oneOf must be a non-empty array",
      "x.rules.json: approvals[1].values.prod min must not exceed max",
      'x.rules.json: approvals[2].id duplicates id "b" of approvals[1]',
    ]);
  });

  it("rejects a stack named by two environments and an approval that clashes with an invariant", () => {
    const obj = rulesObject({
      environments: { dev: { stacks: ["dev"] }, qa: { stacks: ["dev"] } },
      approvals: [approval({ type: "aws:lambda/function:Function", resource: "*", path: "runtime" })],
    });
    expect(problems(() => loadRulesFromObject(obj, "x.rules.json"))).toEqual([
      'x.rules.json: environments.qa.stacks names stack "dev" already in environment dev',
      "x.rules.json: approvals[0] approves runtime which invariant parity-lambda-runtime pins (invariants win; remove one)",
    ]);
  });

  it("reports malformed JSON with line and column", () => {
    const file = tmpFile("bad.rules.json", '{\n  "version": 1,\n  "project": "x",,\n}');
    const [line] = problems(() => loadRules(file));
    expect(line).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: line 3:\\d+ is not valid JSON`));
  });

  it("reports duplicate JSON keys instead of silently keeping the last", () => {
    const file = tmpFile(
      "dup.rules.json",
      JSON.stringify(rulesObject(), null, 2).replace('"project": "demo",', '"project": "demo",\n  "project": "other",'),
    );
    expect(problems(() => loadRules(file))[0]).toMatch(/: line 4:3 duplicate key$/);
  });

  it("reports a missing file and a missing config schema", () => {
    expect(problems(() => loadRules("/nonexistent/x.rules.json"))).toEqual([
      "/nonexistent/x.rules.json: cannot be read (ENOENT)",
    ]);
    const file = tmpFile("y.rules.json", JSON.stringify(rulesObject({ configSchema: "./nope.json" })));
    expect(problems(() => loadRules(file))[0]).toMatch(
      /: configSchema names a file that does not exist: .*nope\.json$/,
    );
  });

  it("throws InputErrors (not a crash) on non-object input", () => {
    expect(() => loadRulesFromObject([], "x")).toThrow(InputErrors);
    expect(() => loadRulesFromObject(null, "x")).toThrow(InputErrors);
  });
});

describe("RuleSet", () => {
  const r = rules({
    environments: { dev: { stacks: ["dev", "dev-eu"] }, prod: { stacks: ["prod"] } },
    approvals: [
      approval({ id: "glob", type: "*", resource: "notify-*", path: "tags.*", values: { dev: { any: true } } }),
      approval({
        id: "exact",
        type: "aws:sns/topic:Topic",
        resource: "notify-alerts",
        path: "tags.Team",
        values: { dev: "a", prod: "b" },
      }),
      approval({ id: "old", resource: "fn", path: "memorySize", values: { dev: 1 }, expires: "2020-01-01" }),
    ],
  });

  it("maps stacks to environments by name, org-qualified name or tag, never by guess", () => {
    expect(r.envForStack("dev-eu")).toBe("dev");
    expect(r.envForStack("acme/demo/prod")).toBe("prod");
    expect(r.envForStack("feature-1", { "env-parity:environment": "dev" })).toBe("dev");
    expect(r.envForStack("feature-1", { "env-parity:environment": "qa" })).toBeUndefined();
    expect(r.envForStack("development")).toBeUndefined();
  });

  it("matches globs in resource ids and `*` path segments, most specific first", () => {
    expect(r.approvalFor("aws:sns/topic:Topic", "notify-alerts", "tags.Team")?.id).toBe("exact");
    expect(r.approvalFor("aws:sns/topic:Topic", "notify-other", "tags.Team")?.id).toBe("glob");
    expect(r.approvalFor("aws:sns/topic:Topic", "other", "tags.Team")).toBeUndefined();
    expect(r.approvalFor("aws:sns/topic:Topic", "notify-x", "tags")).toBeUndefined();
  });

  it("returns an expired approval from approvalFor but no expectation from it", () => {
    const a = r.approvalFor("aws:lambda/function:Function", "fn", "memorySize")!;
    expect(a.id).toBe("old");
    expect(isExpired(a, new Date("2019-12-31T23:59:59Z"))).toBe(false);
    expect(isExpired(a, new Date("2020-01-01T23:59:59Z"))).toBe(false);
    expect(isExpired(a, new Date("2020-01-02T00:00:00Z"))).toBe(true);
    expect(
      r.expectation("dev", "aws:lambda/function:Function", "fn", "memorySize", new Date("2030-01-01")),
    ).toBeUndefined();
    expect(r.expectation("dev", "aws:lambda/function:Function", "fn", "memorySize", new Date("2019-01-01"))).toBe(1);
  });

  it("prefers the invariant's expect over any approval, and keeps falsy expects", () => {
    const r2 = rules({ invariants: [{ id: "x-off", type: "*", path: "enabled", expect: false }] });
    expect(r2.expectation("dev", "any:type:T", "id", "enabled")).toBe(false);
    expect(r2.invariants[0].severity).toBe("high");
    expect(r2.invariants[0].resource).toBe("*");
  });
});
