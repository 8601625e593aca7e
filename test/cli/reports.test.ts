/* eslint-disable @typescript-eslint/no-explicit-any -- parsed XML has no static shape */
import { XMLParser } from "fast-xml-parser";
import type { Finding } from "../../consistency-rules/src/model";
import { SECRET_SIG, SIG_KEY } from "../../consistency-rules/src/sentinels";
import { FORMATS, renderReport, summarise } from "../../cli/reports";
import type { ReportInput } from "../../cli/reports";
import { FINGERPRINT_KEY, buildSarif } from "../../cli/reports/sarif";
import { RuleCatalog } from "../../cli/util/catalog";
import { LEAK_CANARY } from "../fixtures/pulumi-docs";
import { cli, fx, RULES } from "./run-cli";
import { expectValidSarif, sarifValidator } from "./sarif-schema";

const FN = "aws:lambda/function:Function::ingest-validator-function";
const base = { kind: "parity", environments: ["dev", "staging", "prod"], resource: FN } as const;
const findings: Finding[] = [
  {
    ...base,
    ruleId: "parity-unapproved-difference",
    status: "approved",
    severity: "low",
    path: "memorySize",
    message: "memorySize differs as approved",
    values: { dev: 512, staging: 512, prod: 1024 },
    approval: {
      id: "lambda-memory",
      reason: "prod validates ten times the volume",
      owner: "platform-team",
      expires: "2027-12-31",
    },
    file: "exports/dev.json",
  },
  {
    ...base,
    ruleId: "parity-unapproved-difference",
    status: "fail",
    severity: "high",
    path: "timeout",
    message: "timeout differs",
    values: { dev: 60, staging: 30, prod: 60 },
    file: "exports/staging.json",
  },
  {
    ...base,
    ruleId: "parity-lambda-runtime",
    status: "indeterminate",
    severity: "high",
    path: "runtime",
    message: "runtime is not known in staging",
    values: { staging: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" },
  },
  {
    ruleId: "s3-bucket-versioning-enabled",
    kind: "policy",
    status: "fail",
    severity: "critical",
    environments: ["prod"],
    resource: "aws:s3/bucket:Bucket::ingest-raw-bucket",
    urn: "urn:pulumi:prod::data-platform::aws:s3/bucket:Bucket::prod-ingest-raw-bucket",
    message: "versioning is not enabled",
    enforcement: "mandatory",
    file: "Pulumi.prod.yaml",
  },
  {
    ...base,
    ruleId: "parity-unapproved-difference",
    status: "fail",
    severity: "high",
    path: "environment.variables.VALIDATOR_API_TOKEN",
    message: "a secret differs",
    values: { dev: { [SIG_KEY]: SECRET_SIG, value: LEAK_CANARY }, prod: "[secret]" },
  },
  {
    ...base,
    ruleId: "parity-lambda-runtime",
    status: "pass",
    severity: "high",
    path: "runtime",
    message: "runtime is nodejs22.x everywhere",
  },
];
const catalog = new RuleCatalog({
  policies: [
    {
      name: "s3-bucket-versioning-enabled",
      description: "S3 buckets have versioning enabled.",
      remediation: "Add a BucketVersioning with status Enabled.",
    },
  ],
  helpBase: "https://example.com/docs/rules.md",
});
const input = (over: Partial<ReportInput> = {}): ReportInput => ({
  findings,
  strict: false,
  rules: catalog.lookup,
  toolVersion: "0.1.0",
  cwd: "/repo",
  subject: "data-platform: dev, staging, prod",
  defaultFile: "consistency-rules/data-platform.rules.json",
  ...over,
});

test("summary counts and exit code; --strict makes indeterminates fail", () => {
  expect(summarise(findings, false)).toMatchObject({
    fail: 3,
    indeterminate: 1,
    approved: 1,
    pass: 1,
    failing: 3,
    exitCode: 1,
  });
  const onlyIndeterminate = findings.filter((f) => f.status !== "fail");
  expect(summarise(onlyIndeterminate, false).exitCode).toBe(0);
  expect(summarise(onlyIndeterminate, true).exitCode).toBe(1);
});

test("no secret value in any format", () => {
  for (const format of FORMATS) expect(renderReport(format, input())).not.toContain(LEAK_CANARY);
});

test("json: stable documented shape, failures first", () => {
  const j = JSON.parse(renderReport("json", input()));
  expect(Object.keys(j)).toEqual(["schemaVersion", "tool", "subject", "strict", "summary", "findings"]);
  expect(j.summary).toEqual({
    result: "findings",
    exitCode: 1,
    total: 6,
    fail: 3,
    indeterminate: 1,
    approved: 1,
    pass: 1,
    causes: 6,
  });
  expect(j.findings.map((f: { status: string }) => f.status)).toEqual([
    "fail",
    "fail",
    "fail",
    "indeterminate",
    "approved",
    "pass",
  ]);
  expect(j.findings[0].severity).toBe("critical");
  expect(j.findings.find((f: { path: string }) => f.path?.endsWith("TOKEN")).values.dev).toBe("[secret]");
  expect(renderReport("json", input())).toBe(renderReport("json", input({ findings: [...findings].reverse() })));
});

test("table: failures first, approved with reason (--show-approved), indeterminate shown, no colour unless asked", () => {
  const t = renderReport("table", input({ showApproved: true }));
  const order = ["FAIL", "INDETERMINATE", "APPROVED"].map((s) => t.indexOf(s));
  expect(order).toEqual([...order].sort((a, b) => a - b));
  expect(t.replace(/\s+/g, " ")).toContain("prod validates ten times the volume"); // wrapped to the width, never cut
  expect(t).not.toMatch(/\u001b\[/);
  expect(renderReport("table", input({ colour: true }))).toMatch(/\u001b\[31m/);
  expect(t).toMatch(/^FAIL 3 failed, 1 indeterminate, 1 approved, 1 passed/);
  expect(t).toMatch(/FAIL 3 failed, 1 indeterminate, 1 approved, 1 passed.*\n$/);
  expect(t.replace(/\s+/g, " ")).toContain("approval lambda-memory (owner platform-team, expires 2027-12-31)");
  // without --show-approved: a count
  const collapsed = renderReport("table", input());
  expect(collapsed).not.toContain("prod validates ten times the volume");
  expect(collapsed).toMatch(/1 approved differences \(1 findings\) not listed: --show-approved lists them/);
});

describe("sarif", () => {
  test("validates against the official SARIF 2.1.0 JSON schema", () => {
    for (const strict of [false, true]) expectValidSarif(renderReport("sarif", input({ strict })));
    // the validator is not vacuous: a broken log fails, and so does the draft's suppression `status` (2.1.0 says `state`)
    const broken = JSON.parse(renderReport("sarif", input()));
    broken.runs[0].results[0].level = "fatal";
    delete broken.runs[0].tool.driver.name;
    expect(sarifValidator()(broken)).toBe(false);
    const draft = JSON.parse(renderReport("sarif", input()));
    const suppressed = draft.runs[0].results.find((r: { suppressions?: unknown[] }) => r.suppressions);
    expect(suppressed.suppressions[0].state).toBe("accepted");
    suppressed.suppressions[0] = { kind: "external", status: "accepted" };
    expect(sarifValidator()(draft)).toBe(false);
  });

  test("rules, levels, locations, suppressions with the approval's reason", () => {
    const log = buildSarif(input());
    const run = log.runs[0];
    expect(run.tool.driver.rules!.map((r) => r.id)).toEqual([
      "parity-lambda-runtime",
      "parity-unapproved-difference",
      "s3-bucket-versioning-enabled",
    ]);
    const s3 = run.tool.driver.rules!.find((r) => r.id === "s3-bucket-versioning-enabled")!;
    expect(s3.shortDescription!.text).toBe("S3 buckets have versioning enabled.");
    expect(s3.helpUri).toBe("https://example.com/docs/rules.md#s3-bucket-versioning-enabled");
    const results = run.results!;
    expect(results).toHaveLength(5); // pass is not a result
    const approved = results.find((r) => r.suppressions)!;
    expect(approved.suppressions).toEqual([
      expect.objectContaining({
        kind: "external",
        justification: expect.stringContaining("prod validates ten times the volume"),
      }),
    ]);
    // SARIF 2.1.0 §3.27.9/§3.27.10: an accepted (suppressed) difference is kind "pass", level "none"
    expect([approved.kind, approved.level]).toEqual(["pass", "none"]);
    const policy = results.find((r) => r.ruleId === "s3-bucket-versioning-enabled")!;
    expect(policy.level).toBe("error");
    expect(policy.locations![0].physicalLocation!.artifactLocation!.uri).toBe("Pulumi.prod.yaml");
    expect(policy.locations![0].logicalLocations![0]).toMatchObject({ name: "ingest-raw-bucket", kind: "resource" });
    const indeterminate = results.find((r) => r.ruleId === "parity-lambda-runtime")!;
    expect([indeterminate.level, indeterminate.kind]).toEqual(["none", "review"]);
    const strictInd = buildSarif(input({ strict: true })).runs[0].results!.find(
      (r) => r.ruleId === "parity-lambda-runtime",
    )!;
    expect([strictInd.level, strictInd.kind]).toEqual(["error", "fail"]);
    // every result has a physical location (GitHub code scanning needs one)
    expect(results.every((r) => r.locations![0].physicalLocation)).toBe(true);
  });

  test("partialFingerprints are stable across runs and independent of values and messages", () => {
    const fp = (fs: Finding[]) =>
      buildSarif(input({ findings: fs })).runs[0].results!.map((r) => r.partialFingerprints![FINGERPRINT_KEY]);
    const changed = findings.map((f) => ({
      ...f,
      message: `${f.message}!`,
      values: f.values && { dev: 1, staging: 2, prod: 3 },
    }));
    expect(fp(changed)).toEqual(fp(findings));
    const all = fp(findings);
    expect(new Set(all).size).toBe(all.length);
    expect(all.every((h) => /^[0-9a-f]{32}$/.test(h))).toBe(true);
  });
});

test("junit: one test case per rule × resource × path; failure, skipped with reason; parses back", () => {
  const xml = renderReport("junit", input());
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@" }).parse(xml);
  const suites = [doc.testsuites.testsuite].flat();
  expect(suites.map((s: { "@name": string }) => s["@name"])).toEqual(["parity.policy", "parity.parity"]);
  const cases = suites.flatMap((s: { testcase: unknown }) => [s.testcase].flat()) as Record<string, any>[];
  const key = (c: Record<string, string>) => `${c["@classname"]} ${c["@name"]}`;
  expect(cases.map(key).sort()).toEqual([
    "parity-lambda-runtime ingest-validator-function (aws:lambda/function:Function) runtime",
    "parity-lambda-runtime ingest-validator-function (aws:lambda/function:Function) runtime",
    "parity-unapproved-difference ingest-validator-function (aws:lambda/function:Function) environment.variables.VALIDATOR_API_TOKEN",
    "parity-unapproved-difference ingest-validator-function (aws:lambda/function:Function) memorySize",
    "parity-unapproved-difference ingest-validator-function (aws:lambda/function:Function) timeout",
    "s3-bucket-versioning-enabled ingest-raw-bucket (aws:s3/bucket:Bucket) [prod]",
  ]);
  const diffCase = cases.find((c) => c["@name"].endsWith(" timeout"))!;
  expect(String(diffCase.failure["@message"])).toContain("timeout differs");
  expect(String(cases.find((c) => c["@name"].endsWith(" memorySize"))!["system-out"])).toContain(
    "prod validates ten times the volume",
  );
  const runtime = cases.find((c) => c["@classname"] === "parity-lambda-runtime" && c.skipped !== undefined)!;
  expect(runtime).toHaveProperty("skipped");
  const strictDoc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@" }).parse(
    renderReport("junit", input({ strict: true })),
  );
  const strictRuntime = [strictDoc.testsuites.testsuite]
    .flat()
    .flatMap((s: { testcase: unknown }) => [s.testcase].flat())
    .find((c: any) => c["@classname"] === "parity-lambda-runtime");
  expect(strictRuntime).toHaveProperty("failure");
  expect(Number(doc.testsuites["@failures"])).toBe(3);
});

test("markdown: PR comment with failures table and approved fold", () => {
  const md = renderReport("markdown", input());
  expect(md).toMatch(/^## ❌ parity: data-platform/);
  expect(md).toContain("### Failures");
  expect(md).toContain("<details><summary>Approved differences (1)</summary>");
  expect(md).toContain(
    "| `parity-unapproved-difference` | ingest-validator-function (aws:lambda/function:Function) | `memorySize` |",
  );
  expect(renderReport("markdown", input({ findings: findings.filter((f) => f.status === "pass") }))).toMatch(/^## ✅/);
});

test("end to end: a --show-secrets export through every format leaks nothing", async () => {
  for (const format of FORMATS) {
    const r = await cli([
      "diff",
      fx("exports/dev.json"),
      fx("exports/staging-drifted.json"),
      fx("exports/prod-show-secrets.json"),
      "--rules",
      RULES,
      "--format",
      format,
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain(LEAK_CANARY);
    expect(r.stdout).toContain("visibilityTimeoutSeconds");
  }
});
