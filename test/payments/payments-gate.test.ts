/**
 * The gate on the payments platform through the built CLI (`npm run build` first): `parity check examples/payments`
 * exits 0, and a one-line change to an invariant in one stack file exits 1 naming the rule, the resource and both values.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { binParity } from "../cli/run-cli";
import { PROJECT_DIR, ROOT } from "./plans";

beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, "dist/cli/index.js")))
    throw new Error("dist/cli/index.js missing: run `npm run build` first");
});

interface Finding {
  ruleId: string;
  status: string;
  resource?: string;
  path?: string;
  values?: Record<string, unknown>;
  message: string;
  related?: Finding[];
}
interface Report {
  findings: Finding[];
}

test("check examples/payments: exit 0", () => {
  const r = binParity(["check", "examples/payments", "--format", "json"]);
  const report = JSON.parse(r.stdout) as Report;
  expect(report.findings.filter((f) => f.status === "fail").map((f) => `${f.ruleId}: ${f.message}`)).toEqual([]);
  expect([r.code, r.stderr]).toEqual([0, ""]);
}, 180_000);

describe("a one-line change to an invariant in Pulumi.staging.yaml", () => {
  let dir: string;
  beforeAll(() => {
    // A copy of the project whose program is the real one (main: absolute path): only the stack files differ.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "payments-gate-"));
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    fs.cpSync(path.join(PROJECT_DIR, "consistency-rules"), path.join(dir, "consistency-rules"), { recursive: true });
    const project = fs
      .readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")
      .replace(/^main: .*$/m, `main: ${path.join(PROJECT_DIR, "index.ts")}`);
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), project);
    for (const env of ["dev", "staging", "prod"]) {
      let text = fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${env}.yaml`), "utf8");
      if (env === "staging") {
        const changed = text.replace("payments:logRetentionDays: 30", "payments:logRetentionDays: 14");
        expect(changed).not.toBe(text);
        text = changed;
      }
      fs.writeFileSync(path.join(dir, `Pulumi.${env}.yaml`), text);
    }
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("exits 1 naming parity-log-retention, the log group and both values", () => {
    const r = binParity(["check", dir, "--format", "json"]);
    expect([r.code, r.stderr]).toEqual([1, ""]);
    // one entry per cause (the config key); the property it feeds is among its related findings
    const fails = (JSON.parse(r.stdout) as Report).findings
      .filter((f) => f.status === "fail")
      .flatMap((f) => [f, ...(f.related ?? [])]);
    const f = fails.find((x) => x.ruleId === "parity-log-retention");
    expect(f).toMatchObject({
      resource: "aws:cloudwatch/logGroup:LogGroup::payments-payment-logs",
      path: "retentionInDays",
      values: { dev: 30, staging: 14, prod: 30 },
    });
    expect(f?.message).toMatch(/30/);
    expect(f?.message).toMatch(/14/);
    // the table report says the same in one line
    const table = binParity(["check", dir]);
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/parity-log-retention[^\n]*|payments-payment-logs/);
  }, 240_000);
});
