/**
 * SARIF within GitHub code scanning's upload limits: over them, the most severe results are kept and the run says
 * what was left out and where every finding is; the log still validates against the OASIS 2.1.0 schema.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import type { Finding } from "../../consistency-rules/src/model";
import type { ReportInput } from "../../cli/reports";
import { FULL_REPORT_HINT, GITHUB_SARIF_LIMITS, buildSarif, renderSarif } from "../../cli/reports/sarif";
import { RuleCatalog } from "../../cli/util/catalog";
import { expectValidSarif } from "../cli/sarif-schema";

const catalog = new RuleCatalog();
const input = (findings: Finding[]): ReportInput => ({
  findings,
  strict: false,
  rules: catalog.lookup,
  toolVersion: "0.1.0",
  cwd: process.cwd(),
  subject: "demo: dev, staging, prod",
});

/** One guardrail finding per resource: nothing groups them, one result each. */
const guardrail = (i: number, severity: Finding["severity"], status: Finding["status"] = "fail"): Finding => ({
  ruleId: severity === "high" ? "s3-bucket-versioning-enabled" : "lambda-function-tracing-active",
  status,
  severity,
  kind: "policy",
  enforcement: "mandatory",
  message: `resource r${i} violates the policy (${i})`,
  environments: ["dev"],
  resource: `aws:s3/bucket:Bucket::r${i}`,
  file: "Pulumi.dev.yaml",
});

test("30,000 results: the 25,000 most severe are kept, the run says what was left out", () => {
  // the severe ones last in the input, so keeping "the first 25,000" would lose them
  const findings = [
    ...Array.from({ length: 28_000 }, (_, i) => guardrail(i, "low")),
    ...Array.from({ length: 1_000 }, (_, i) => guardrail(28_000 + i, "low", "approved")),
    ...Array.from({ length: 1_000 }, (_, i) => guardrail(29_000 + i, "high")),
  ];
  const log = buildSarif(input(findings));
  const run = log.runs[0];
  expect(run.results).toHaveLength(GITHUB_SARIF_LIMITS.maxResults);
  const levels = new Map<string, number>();
  for (const r of run.results!) levels.set(r.level!, (levels.get(r.level!) ?? 0) + 1);
  expect(levels.get("error")).toBe(1_000);
  expect(levels.get("note")).toBe(24_000);
  expect(levels.get("none")).toBeUndefined();
  expect(run.properties?.omitted).toEqual({
    results: 5_000,
    byLevel: { note: 4_000, none: 1_000 },
    reasons: ["at most 25000 results per run"],
    fullReport: FULL_REPORT_HINT,
  });
  const note = run.invocations![0].toolExecutionNotifications![0];
  expect(note.level).toBe("warning");
  expect(note.message.text).toContain("5000 of 30000 results left out");
  expect(note.message.text).toContain("--format json");
  expect(run.tool.driver.rules!.length).toBeLessThanOrEqual(GITHUB_SARIF_LIMITS.maxRules);
  expectValidSarif(log);
});

test("a log over the size limit keeps the most severe results that fit, gzip-compressed", () => {
  const findings = [
    ...Array.from({ length: 3_000 }, (_, i) => ({ ...guardrail(i, "low"), message: `r${i} ${"x".repeat(i % 97)}` })),
    ...Array.from({ length: 50 }, (_, i) => guardrail(3_000 + i, "high")),
  ];
  const maxGzipBytes = 40_000;
  const limits = { ...GITHUB_SARIF_LIMITS, maxGzipBytes };
  const full = buildSarif(input(findings));
  expect(gzipSync(JSON.stringify(full, null, 2)).length).toBeGreaterThan(maxGzipBytes);
  const log = buildSarif(input(findings), limits);
  const text = `${JSON.stringify(log, null, 2)}\n`;
  expect(gzipSync(text).length).toBeLessThanOrEqual(maxGzipBytes);
  expect(gunzipSync(gzipSync(text)).toString()).toBe(text);
  const run = log.runs[0];
  expect(run.results!.length).toBeGreaterThan(50);
  expect(run.results!.filter((r) => r.level === "error")).toHaveLength(50);
  const omitted = run.properties!.omitted as { results: number; reasons: string[] };
  expect(omitted.results).toBe(findings.length - run.results!.length);
  expect(omitted.reasons).toEqual([`at most ${maxGzipBytes} bytes (gzip) per file`]);
  expectValidSarif(log);
});

test("under the limits nothing is left out and the run says nothing about it", () => {
  const text = renderSarif(input([guardrail(1, "high"), guardrail(2, "low")]));
  const log = JSON.parse(text);
  expect(log.runs[0].results).toHaveLength(2);
  expect(log.runs[0].invocations).toBeUndefined();
  expect(log.runs[0].properties).toBeUndefined();
  expectValidSarif(log);
});

test("one cause with thousands of members keeps its SARIF result small (members counted, all in JSON)", () => {
  const tags = Array.from({ length: 2_000 }, (_, i): Finding => ({
    ruleId: "parity-unapproved-difference",
    status: "fail",
    severity: "high",
    kind: "parity",
    message: `tags.Owner differs (${i})`,
    environments: ["dev", "prod"],
    resource: `aws:s3/bucket:Bucket::b${i}`,
    path: "tags.Owner",
    values: { dev: "a", prod: "b" },
  }));
  const log = buildSarif(input(tags));
  const [r] = log.runs[0].results!;
  expect(log.runs[0].results).toHaveLength(1);
  expect((r.properties!.related as unknown[]).length).toBe(GITHUB_SARIF_LIMITS.maxRelated);
  expect(r.properties!.relatedOmitted).toBe(2_000 - 1 - GITHUB_SARIF_LIMITS.maxRelated);
  expectValidSarif(log);
});
