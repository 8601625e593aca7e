/**
 * Every report format on 5k, 10k, 20k and 40k findings (a drifted fleet: leaves of policy documents, tags on many
 * resources, config keys and the properties they feed, approvals, passes), next to `JSON.stringify` of the same
 * findings in the same process (the anchor). Linear means the ms per 1,000 findings stays flat as N doubles.
 * Prints figures; asserts nothing.   npm run bench -- report        BENCH_RUNS=n (default 3)
 */
import * as os from "node:os";
import type { Finding } from "../consistency-rules/src/model";
import { FORMATS, renderReport } from "../cli/reports";
import { RuleCatalog } from "../cli/util/catalog";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ENVS = ["dev", "staging", "prod"];

function fleet(n: number): Finding[] {
  const out: Finding[] = [];
  const base = { kind: "parity", environments: ENVS, file: "Pulumi.dev.yaml", severity: "high" } as const;
  for (let i = 0; out.length < n; i++) {
    const r = `aws:iam/rolePolicy:RolePolicy::role-${i}`;
    out.push({
      ...base,
      ruleId: "parity-unapproved-difference",
      status: "fail",
      message: `policy.Statement.${i % 7}.Action differs`,
      resource: r,
      path: `policy.Statement.${i % 7}.Action`,
      values: { dev: "s3:GetObject", staging: `s3:${"x".repeat(i % 200)}`, prod: "s3:GetObject" },
    });
    out.push({
      ...base,
      ruleId: "parity-unapproved-difference",
      status: "fail",
      message: "tags.Owner differs",
      resource: `aws:s3/bucket:Bucket::b-${i}`,
      path: "tags.Owner",
      values: { dev: undefined, staging: undefined, prod: "team" },
    });
    out.push({
      ...base,
      ruleId: "parity-unapproved-difference",
      status: "approved",
      severity: "low",
      message: "memorySize differs as approved",
      resource: `aws:lambda/function:Function::f-${i}`,
      path: "memorySize",
      values: { dev: 512, staging: 512, prod: 1024 },
      approval: { id: `mem-${i}`, reason: "prod volume", owner: "platform-team" },
    });
    out.push({
      ...base,
      ruleId: "parity-lambda-timeout",
      status: "pass",
      message: "timeout is 60 everywhere",
      resource: `aws:lambda/function:Function::f-${i}`,
      path: "timeout",
      values: { dev: 60, staging: 60, prod: 60 },
    });
  }
  return out.slice(0, n);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(f: () => unknown): number {
  const xs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    f();
    xs.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(xs);
}

function main(): void {
  console.log(
    `report formats, median of ${RUNS} runs; ${os.cpus().length} cores, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  const catalog = new RuleCatalog();
  for (const n of [5_000, 10_000, 20_000, 40_000]) {
    const findings = fleet(n);
    const anchor = time(() => JSON.stringify(findings));
    const cells = [`JSON.stringify ${anchor.toFixed(0)} ms`];
    for (const format of FORMATS) {
      // a new array each run: the causes are cached per findings array, and each run must group afresh
      const ms = time(() =>
        renderReport(format, {
          findings: [...findings],
          strict: false,
          rules: catalog.lookup,
          toolVersion: "bench",
          cwd: process.cwd(),
          subject: "bench",
          width: 100,
        }),
      );
      cells.push(`${format} ${ms.toFixed(0)} ms (${((ms / n) * 1000).toFixed(1)}/1k)`);
    }
    console.log(`${String(n).padStart(6)} findings: ${cells.join(", ")}`);
  }
}

main();
