/**
 * The real CLI as CI runs it: `node bin/parity.js` (dist/ built by `npm run build`, which `npm ci` runs via `prepare`).
 * Exit codes and streams of the actual process.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { binParity, fx, ROOT, RULES } from "./run-cli";
import { expectValidSarif } from "./sarif-schema";

beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, "dist/cli/index.js")))
    throw new Error("dist/cli/index.js missing: run `npm run build` first");
});

const EXPORTS = ["dev", "staging", "prod"].map((e) => fx(`exports/${e}.json`));

test("clean diff: exit 0, report on stdout, nothing on stderr", () => {
  const r = binParity(["diff", ...EXPORTS, "--rules", RULES]);
  expect([r.code, r.stderr]).toEqual([0, ""]);
  expect(r.stdout).toMatch(/^OK 0 failed/m);
});

test("drift: exit 1 with a SARIF report", () => {
  const r = binParity([
    "diff",
    EXPORTS[0],
    fx("exports/staging-drifted.json"),
    EXPORTS[2],
    "--rules",
    RULES,
    "--format",
    "sarif",
  ]);
  expect(r.code).toBe(1);
  expect(JSON.parse(r.stdout).runs[0].results.some((x: { level: string }) => x.level === "error")).toBe(true);
  expectValidSarif(r.stdout);
});

test.each([
  [
    "truncated JSON",
    [fx("exports/dev.json").replace("dev.json", "../bad/truncated.json"), ...EXPORTS.slice(1)],
    /truncated\.json: .*not valid JSON/,
  ],
  [
    "deployment feature this reader does not know",
    [fx("real/pulumi/checkpoint-v4-unsupported-feature.json"), ...EXPORTS.slice(1)],
    /checkpoint-v4-unsupported-feature\.json: features needs deployment features/,
  ],
  ["unknown stack", [fx("bad/unknown-stack.json"), ...EXPORTS.slice(1)], /unknown stack/],
])("bad input (%s): exit 2, one line on stderr", (_n, files, re) => {
  const r = binParity(["diff", ...files, "--rules", RULES]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/^parity: [^\n]+\n$/);
  expect(r.stderr).toMatch(re);
});

test("unknown flag: exit 2, one line", () => {
  const r = binParity(["diff", "--nope"]);
  expect([r.code, r.stderr]).toEqual([2, "parity: unknown option '--nope'\n"]);
});

test("--help exits 0", () => {
  const r = binParity(["check", "--help"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("Usage: parity check");
});
