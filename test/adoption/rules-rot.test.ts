/** Rules that cannot rot silently, exemptions and baseline bookkeeping: the library functions and the CLI lines. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { exemptionFor, expiryNotes, type Exemption } from "../../consistency-rules/src/exemptions";
import { loadRulesFromObject } from "../../consistency-rules/src/rules";
import { baselineEntries, expiryDate } from "../../cli/commands/baseline";
import { draftRules } from "../../cli/commands/init";
import { matchesNothingFindings, unmappedStackFindings } from "../../cli/commands/rules";
import { cli } from "../cli/run-cli";

const NOW = new Date("2026-06-01T12:00:00Z");
const EX: Exemption = {
  policy: "s3-*",
  resource: "logs-bucket",
  reason: "legacy bucket, migrating in Q3",
  owner: "platform",
  expires: "2026-06-10",
};
const URN = "urn:pulumi:prod::acme::aws:s3/bucket:Bucket::logs-bucket";

describe("exemptions", () => {
  test("cover the named policy (glob) and resource (name or URN), in the listed environments only, until they expire", () => {
    expect(exemptionFor([EX], "s3-bucket-versioning-enabled", { urn: URN }, NOW)).toBe(EX);
    expect(exemptionFor([EX], "lambda-function-xray-tracing", { urn: URN }, NOW)).toBeUndefined();
    expect(
      exemptionFor([EX], "s3-bucket-versioning-enabled", { urn: URN.replace("logs-bucket", "data-bucket") }, NOW),
    ).toBeUndefined();
    expect(exemptionFor([{ ...EX, environments: ["dev"] }], "s3-x", { urn: URN, env: "prod" }, NOW)).toBeUndefined();
    expect(exemptionFor([EX], "s3-x", { urn: URN }, new Date("2026-06-11T00:00:00Z"))).toBeUndefined();
  });
  test("expiring within 14 days is a warning, past its date a failure", () => {
    expect(expiryNotes([], [EX], NOW).map((n) => [n.expired, n.message])).toEqual([
      [false, "exemption s3-* on logs-bucket expires on 2026-06-10 (in 9 days)"],
    ]);
    expect(
      expiryNotes([{ id: "a", expires: "2026-05-30", baseline: true }], [{ ...EX, expires: "2026-09-01" }], NOW).map(
        (n) => [n.expired, n.message],
      ),
    ).toEqual([[true, "baseline approval a expired on 2026-05-30"]]);
  });
  test("the rules schema accepts them and rejects one without an expiry", () => {
    const base = { version: 1, project: "acme", environments: { dev: { stacks: ["dev"] } } };
    expect(() => loadRulesFromObject({ ...base, exemptions: [EX] }, "x.rules.json")).not.toThrow();
    const { expires: _e, ...noExpiry } = EX;
    expect(() => loadRulesFromObject({ ...base, exemptions: [noExpiry] }, "x.rules.json")).toThrow(
      /exemptions\[0\].*expires/,
    );
  });
});

describe("baseline entries", () => {
  const meta = { owner: "platform", expires: "2026-08-30", reason: "existed when env-parity was adopted" };
  test("one approval per difference (values as today), one exemption per violation, merged across environments", () => {
    const e = baselineEntries(
      [
        {
          ruleId: "parity-unapproved-difference",
          status: "fail",
          severity: "high",
          kind: "parity",
          message: "m",
          environments: ["dev", "prod"],
          resource: "aws:lambda/function:Function::fn",
          path: "memorySize",
          values: { dev: 128, prod: 512 },
        },
        ...["dev", "prod"].map((s) => ({
          ruleId: "s3-bucket-versioning-enabled",
          status: "fail" as const,
          severity: "high" as const,
          kind: "policy" as const,
          message: "m",
          environments: [s],
          urn: `urn:pulumi:${s}::acme::aws:s3/bucket:Bucket::b`,
        })),
        {
          ruleId: "tags-required",
          status: "fail",
          severity: "high",
          kind: "policy",
          message: "m",
          environments: ["dev"],
          urn: "urn:pulumi:dev::acme::aws:s3/bucket:Bucket::b",
        },
        {
          ruleId: "parity-lambda-runtime",
          status: "fail",
          severity: "high",
          kind: "parity",
          message: "pinned",
          environments: ["dev"],
          resource: "aws:lambda/function:Function::fn",
          path: "runtime",
        },
      ],
      { approvalIds: new Set(), exemptions: [] },
      meta,
      (urn) => /^urn:pulumi:([^:]+)::/.exec(urn ?? "")?.[1],
      ["dev", "prod"],
    );
    expect(e.approvals).toEqual([
      {
        id: "baseline-fn-memorysize",
        type: "aws:lambda/function:Function",
        resource: "fn",
        path: "memorySize",
        values: { dev: 128, prod: 512 },
        ...meta,
        baseline: true,
      },
    ]);
    expect(e.exemptions).toEqual([
      { policy: "s3-bucket-versioning-enabled", resource: "b", ...meta, baseline: true },
      { policy: "tags-required", resource: "b", environments: ["dev"], ...meta, baseline: true },
    ]);
    expect(e.notCovered.map((f) => f.ruleId)).toEqual(["parity-lambda-runtime"]);
  });
  test("--expires takes a date or days from today; a past date is refused", () => {
    expect(expiryDate("90d", NOW)).toBe("2026-08-30");
    expect(expiryDate("2027-01-31", NOW)).toBe("2027-01-31");
    expect(() => expiryDate("2020-01-01", NOW)).toThrow(/in the past/);
    expect(() => expiryDate("soon", NOW)).toThrow(/--expires/);
  });
});

describe("init", () => {
  test("environments from stack names, region and account from config; a stack that is no environment name is asked for", () => {
    const stacks = [
      {
        stack: "prod",
        file: "Pulumi.prod.yaml",
        config: { "aws:region": "us-east-1", "aws:allowedAccountIds": ["333333333333"] },
      },
      { stack: "dev", file: "Pulumi.dev.yaml", config: { "aws:region": "us-east-2" } },
    ];
    expect(draftRules("acme", stacks, { account: ["dev=111111111111"] }).environments).toEqual({
      dev: { stacks: ["dev"], region: "us-east-2", accountId: "111111111111" },
      prod: { stacks: ["prod"], region: "us-east-1", accountId: "333333333333" },
    });
    const feature = [{ stack: "feature-x", file: "Pulumi.feature-x.yaml", config: {} }];
    expect(() => draftRules("acme", feature, {})).toThrow(
      /Pulumi\.feature-x\.yaml: stack feature-x: its environment cannot be told from its name; pass --env feature-x=<environment>/,
    );
    expect(draftRules("acme", feature, { env: ["feature-x=dev"] }).environments).toEqual({
      dev: { stacks: ["feature-x"] },
    });
  });
});

describe("rules that match nothing, stacks of no environment", () => {
  const rules = loadRulesFromObject(
    {
      version: 1,
      project: "acme",
      environments: { dev: { stacks: ["dev"] }, prod: { stacks: ["prod"] } },
      invariants: [
        { id: "fn-runtime", type: "aws:lambda/function:Function", path: "runtime" },
        { id: "queue-retention", type: "aws:sqs/queue:Queue", path: "messageRetentionSeconds" },
      ],
    },
    "acme.rules.json",
  );
  const snap = (env: string) => ({
    context: { env, stack: env, project: "acme" },
    source: "plan" as const,
    origin: env,
    resources: new Map([
      [
        "aws:lambda/function:Function::fn",
        {
          logicalId: "fn",
          type: "aws:lambda/function:Function",
          original: { urn: "u", type: "t", name: "n", custom: true, dependencies: [], props: {} },
          props: {},
        },
      ],
    ]),
  });
  test("an invariant no resource matches is an indeterminate warning (a failure under --strict)", () => {
    const f = matchesNothingFindings(rules, [snap("dev"), snap("prod")]);
    expect(f.map((x) => [x.status, x.message])).toEqual([
      [
        "indeterminate",
        "warning: invariant queue-retention (aws:sqs/queue:Queue *) matches no resource in dev, prod; remove or fix it (parity-rule-matches-nothing)",
      ],
    ]);
  });
  test("a Pulumi.<stack>.yaml of no environment fails, naming the file; rules validate --project exits 1 naming it", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parity-rot-"));
    try {
      fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: acme\nruntime: nodejs\n");
      for (const s of ["dev", "prod", "qa"]) fs.writeFileSync(path.join(dir, `Pulumi.${s}.yaml`), "config: {}\n");
      fs.mkdirSync(path.join(dir, "consistency-rules"));
      fs.writeFileSync(
        path.join(dir, "consistency-rules", "acme.rules.json"),
        JSON.stringify({
          version: 1,
          project: "acme",
          environments: { dev: { stacks: ["dev"] }, prod: { stacks: ["prod"] } },
        }),
      );
      expect(unmappedStackFindings(rules, dir).map((f) => [f.status, f.file])).toEqual([
        ["fail", path.join(dir, "Pulumi.qa.yaml")],
      ]);
      const bad = await cli(["rules", "validate", "--project", dir]);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toMatch(/^parity: Pulumi\.qa\.yaml: stack qa maps to no environment of acme\.rules\.json/m);
      fs.rmSync(path.join(dir, "Pulumi.qa.yaml"));
      const ok = await cli(["rules", "validate", "--project", dir]);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/is valid: project acme, 2 environments .*; matches the stacks of/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
