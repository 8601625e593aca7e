import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cli, fx, RULES } from "./run-cli";
import { expectValidSarif } from "./sarif-schema";

const EXPORTS = ["dev", "staging", "prod"].map((e) => fx(`exports/${e}.json`));
const json = async (args: string[], opts = {}) => {
  const r = await cli([...args, "--format", "json"], opts);
  return { ...r, report: r.stdout ? JSON.parse(r.stdout) : undefined };
};

test("identical but for approved differences: exit 0, approved listed with their approval", async () => {
  const r = await json(["diff", ...EXPORTS, "--rules", RULES]);
  expect(r.code).toBe(0);
  expect(r.report.summary).toMatchObject({ result: "clean", fail: 0 });
  const approved = r.report.findings.filter((f: { status: string }) => f.status === "approved");
  expect(approved.map((f: { approval: { id: string } }) => f.approval.id).sort()).toEqual(
    expect.arrayContaining(["dlq-alarm-prod-only", "lambda-memory", "lambda-xray-tracing", "log-retention"]),
  );
});

test("an unapproved difference (drift by hand in staging): exit 1 naming resource, path and values", async () => {
  const r = await json(["diff", EXPORTS[0], fx("exports/staging-drifted.json"), EXPORTS[2], "--rules", RULES]);
  expect(r.code).toBe(1);
  const fail = r.report.findings.filter((f: { status: string }) => f.status === "fail");
  expect(fail).toEqual([
    expect.objectContaining({
      ruleId: "parity-unapproved-difference",
      resource: "aws:sqs/queue:Queue::ingest-events-queue",
      path: "visibilityTimeoutSeconds",
      values: { dev: 300, staging: 60, prod: 300 },
    }),
  ]);
});

test("expired approvals no longer approve and fail themselves", async () => {
  const r = await json(["diff", ...EXPORTS, "--rules", fx("rules/expired.rules.json")]);
  expect(r.code).toBe(1);
  const ids = r.report.findings
    .filter((f: { status: string }) => f.status === "fail")
    .map((f: { ruleId: string; path: string }) => `${f.ruleId}:${f.path ?? ""}`);
  expect(ids).toEqual(
    expect.arrayContaining(["parity-approval-expired:memorySize", "parity-unapproved-difference:memorySize"]),
  );
  // the same rules before the expiry date: clean
  expect(
    (await json(["diff", ...EXPORTS, "--rules", fx("rules/expired.rules.json")], { now: "2024-01-15T00:00:00Z" })).code,
  ).toBe(0);
});

test("previews (goal state) mixed with exports (deployed state) compare; unknowns are indeterminate, failing only with --strict", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parity-unknown-"));
  const doc = JSON.parse(fs.readFileSync(fx("previews/staging.json"), "utf8"));
  const fn = doc.steps.find(
    (s: { newState?: { type: string } }) => s.newState?.type === "aws:lambda/function:Function",
  );
  fn.op = "update";
  fn.newState.inputs.timeout = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
  const f = path.join(dir, "staging-preview.json");
  fs.writeFileSync(f, JSON.stringify(doc));
  const rules = path.join(dir, "r.rules.json");
  const r0 = JSON.parse(fs.readFileSync(RULES, "utf8"));
  r0.configSchema = path.resolve(path.dirname(RULES), r0.configSchema);
  r0.invariants.push({
    id: "parity-lambda-timeout",
    type: "aws:lambda/function:Function",
    path: "timeout",
    severity: "medium",
  });
  fs.writeFileSync(rules, JSON.stringify(r0));
  const lax = await json(["diff", EXPORTS[0], f, EXPORTS[2], "--rules", rules]);
  expect(lax.report.findings).toEqual(
    expect.arrayContaining([expect.objectContaining({ ruleId: "parity-lambda-timeout", status: "indeterminate" })]),
  );
  expect(lax.report.findings.filter((x: { status: string }) => x.status === "fail")).toEqual([]);
  expect(lax.code).toBe(0);
  const strict = await json(["diff", EXPORTS[0], f, EXPORTS[2], "--rules", rules, "--strict"]);
  expect(strict.code).toBe(1);
  expect(strict.report.summary).toMatchObject({ fail: 0, indeterminate: expect.any(Number), result: "findings" });
  fs.rmSync(dir, { recursive: true });
});

test("config files compare at config level", async () => {
  const r = await json([
    "diff",
    ...["dev", "staging", "prod"].map((e) => fx(`config/Pulumi.${e}.yaml`)),
    "--rules",
    RULES,
  ]);
  expect(r.code).toBe(0);
  expect(
    r.report.findings.some(
      (f: { path: string; status: string }) => f.path === "lambdaMemoryMb" && f.status === "approved",
    ),
  ).toBe(true);
  expect(r.stdout).not.toMatch(/v1:[A-Za-z0-9+/]{10,}/); // no ciphertext either
});

test("--out writes the report and prints a summary line; --quiet prints nothing", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parity-out-"));
  const out = path.join(dir, "parity.sarif");
  const r = await cli(["diff", ...EXPORTS, "--rules", RULES, "--format", "sarif", "--out", out]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(
    /^parity: OK 0 failed, 0 indeterminate, \d+ approved, \d+ passed — sarif report written to /,
  );
  expect(JSON.parse(fs.readFileSync(out, "utf8")).version).toBe("2.1.0");
  expectValidSarif(fs.readFileSync(out, "utf8"));
  const q = await cli(["diff", ...EXPORTS, "--rules", RULES, "--out", out, "--quiet"]);
  expect([q.stdout, q.stderr]).toEqual(["", ""]);
  fs.rmSync(dir, { recursive: true });
});

test("colour only on a TTY and never with NO_COLOR; progress only on a TTY or with --progress", async () => {
  const args = ["diff", ...EXPORTS, "--rules", RULES];
  expect((await cli(args, { isTTY: true })).stdout).toMatch(/\u001b\[/);
  expect((await cli(args, { isTTY: true, env: { NO_COLOR: "1" } })).stdout).not.toMatch(/\u001b\[/);
  expect((await cli(args)).stdout).not.toMatch(/\u001b\[/);
  expect((await cli(args)).stderr).toBe("");
  expect((await cli([...args, "--progress"])).stderr).toMatch(/^parity: \[\d+\.\ds\] reading /m);
  // on a terminal a quick diff prints its report only (progress lines appear once a run has taken a second)
  expect((await cli(args, { isTTY: true })).stderr).toBe("");
});

test("--timings / PARITY_TIMINGS=1: one line per phase on stderr, the report unchanged on stdout", async () => {
  const args = ["diff", ...EXPORTS, "--rules", RULES, "--format", "json"];
  const plain = await cli(args);
  for (const r of [await cli([...args, "--timings"]), await cli(args, { env: { PARITY_TIMINGS: "1" } })]) {
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(plain.stdout);
    const phases = [...r.stderr.matchAll(/^parity: timing (\S+) \d+ ms/gm)].map((m) => m[1]);
    expect(new Set(phases)).toEqual(
      new Set(["rules", "read", "parse", "convert", "normalise", "compare", "report", "total"]),
    );
    expect(phases.filter((p) => p === "convert")).toHaveLength(3); // one per file
  }
  expect((await cli(args, { env: { PARITY_TIMINGS: "0" } })).stderr).toBe("");
});

test("the rules are found from the working directory when --rules is not given", async () => {
  const r = await cli(["diff", ...EXPORTS, "--format", "json"], { cwd: path.resolve(__dirname, "../..") });
  expect(r.stderr).toBe("");
  expect([0, 1]).toContain(r.code);
});

test("rules validate and explain", async () => {
  const v = await cli(["rules", "validate", RULES]);
  expect(v.code).toBe(0);
  expect(v.stdout).toMatch(
    /is valid: project data-platform, 3 environments \(dev, staging, prod\), 4 invariants, 19 approvals/,
  );
  const inv = await cli(["explain", "parity-lambda-runtime", "--rules", RULES]);
  expect(inv.code).toBe(0);
  expect(inv.stdout).toMatch(
    /what: All functions run the same, supported runtime\.\n {2}why: .*\n {2}fix: +Set `runtime` to "nodejs22.x"/,
  );
  const appr = await cli(["explain", "lambda-memory", "--rules", RULES]);
  expect(appr.stdout).toContain("prod validates about ten times the volume");
  const builtin = await cli(["explain", "parity-unapproved-difference", "--rules", RULES]);
  expect(builtin.stdout).toMatch(/fix: .*approval/);
});

test("--help on every command, --version", async () => {
  for (const cmd of [[], ["check"], ["diff"], ["plan"], ["rules"], ["rules", "validate"], ["explain"]]) {
    const r = await cli([...cmd, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: parity/);
  }
  expect((await cli(["--version"])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
});
