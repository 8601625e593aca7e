/**
 * `parity diff` findings point at the export file of the environment whose value differs (not at the first file
 * given), with paths relative to the working directory, in JSON, SARIF and JUnit.
 */
import { XMLParser } from "fast-xml-parser";
import type { Finding } from "../../consistency-rules/src/model";
import { locateInFiles } from "../../cli/commands/diff";
import { cli, fx, RULES } from "../cli/run-cli";
import { expectValidSarif } from "../cli/sarif-schema";

const DEV = fx("exports/dev.json");
const PROD = fx("exports/prod.json");
const DRIFTED = fx("exports/staging-drifted.json");
const REL = "test/fixtures/exports/staging-drifted.json";

test.each([
  ["the differing file in the middle", [DEV, DRIFTED, PROD]],
  ["the differing file last", [DEV, PROD, DRIFTED]],
])("%s: the staging-only drift points at staging's export, relative", async (_, files) => {
  const json = await cli(["diff", ...files, "--rules", RULES, "--format", "json"]);
  expect(json.code).toBe(1);
  const fails = JSON.parse(json.stdout).findings.filter((f: { status: string }) => f.status === "fail");
  expect(fails).toEqual([
    expect.objectContaining({
      path: "visibilityTimeoutSeconds",
      file: REL,
      location: expect.objectContaining({ file: REL }),
    }),
  ]);

  const sarif = await cli(["diff", ...files, "--rules", RULES, "--format", "sarif"]);
  const log = JSON.parse(sarif.stdout);
  expectValidSarif(log);
  const result = log.runs[0].results.find((r: { kind: string }) => r.kind === "fail");
  expect(result.locations[0].physicalLocation.artifactLocation.uri).toBe(REL);

  const junit = await cli(["diff", ...files, "--rules", RULES, "--format", "junit"]);
  const doc = new XMLParser({ ignoreAttributes: false }).parse(junit.stdout);
  const suites = [doc.testsuites.testsuite].flat();
  const cases = suites.flatMap((s: { testcase: unknown }) => [s.testcase].flat()) as Record<string, unknown>[];
  const failing = cases.filter((c) => c.failure !== undefined);
  expect(failing).toHaveLength(1);
  expect(failing[0]["@_file"]).toBe(REL);
});

test("approved and inventory findings point at the odd environment's file; others keep theirs", () => {
  const snaps = [
    { context: { env: "dev" }, origin: "a/dev.json" },
    { context: { env: "staging" }, origin: "b/staging.json" },
    { context: { env: "prod" }, origin: "c/prod.json" },
  ] as unknown as Parameters<typeof locateInFiles>[1];
  const f = (over: Partial<Finding>): Finding => ({
    ruleId: "parity-unapproved-difference",
    status: "fail",
    severity: "high",
    kind: "parity",
    message: "m",
    environments: ["dev", "staging", "prod"],
    file: "a/dev.json",
    ...over,
  });
  const out = locateInFiles(
    [
      f({ status: "approved", values: { dev: 512, staging: 512, prod: 1024 } }),
      f({ ruleId: "parity-resource-inventory", values: { dev: "absent", staging: "present", prod: "absent" } }),
      f({ ruleId: "parity-resource-destroyable", environments: ["prod"], values: { prod: "protect" } }),
      f({ values: { dev: 1, staging: 2, prod: 3 } }),
      f({ ruleId: "parity-approval-expired", file: "rules.json" }),
    ],
    snaps,
  );
  expect(out.map((x) => x.file)).toEqual(["c/prod.json", "b/staging.json", "c/prod.json", "a/dev.json", "rules.json"]);
});
