/**
 * Policy pack figures (not a test): ready time of the bundled pack vs the TypeScript pack (ts-node), Analyze
 * throughput over gRPC (sequential and concurrent), AnalyzeStack with 1,000 and 10,000 resources.
 * Goals: ready ≤ 1 s, ≥ 5,000 resources/s.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { SnapshotResource } from "../consistency-rules/src/model";
import { startPack } from "../policy-pack/harness";
import { buildPack, referenceStack } from "../test/policy-pack/fixtures";

const ROOT = process.env.ENV_PARITY_ROOT ?? path.resolve(__dirname, "..");
const PACK = path.join(ROOT, "policy-pack");

function stackOf(n: number): SnapshotResource[] {
  const base = referenceStack("prod").resources;
  const out: SnapshotResource[] = [base[0]];
  for (let i = 0; out.length < n; i++) {
    for (const r of base.slice(1)) {
      if (out.length >= n) break;
      const name = `${r.name}${i}`;
      out.push({ ...r, name, urn: r.urn.replace(/::[^:]+$/, `::${name}`), dependencies: r.dependencies.map((d) => `${d}${i}`) });
    }
  }
  return out;
}

async function ready(packDir: string, runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = await startPack({ packDir, readyTimeoutMs: 120_000 });
    times.push(s.readyMs);
    await s.close();
  }
  return times;
}

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  buildPack();
  const compiled = await ready(PACK, 5);
  console.log(`ready (bundled dist/index.js): median ${med(compiled).toFixed(0)} ms  [${compiled.map((t) => t.toFixed(0)).join(", ")}]  goal ≤ 1000 ms`);

  // The same pack from TypeScript: a dir whose package.json main is index.ts (the runner registers ts-node).
  const tsDir = fs.mkdtempSync(path.join(os.tmpdir(), "env-parity-tspack-"));
  try {
    fs.writeFileSync(path.join(tsDir, "package.json"), JSON.stringify({ name: "env-parity-ts", version: "0.1.0", main: "index.ts" }));
    fs.writeFileSync(path.join(tsDir, "index.ts"), `require(${JSON.stringify(path.join(PACK, "index.ts"))});\n`);
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(tsDir, "node_modules"), "dir");
    try {
      const ts = await ready(tsDir, 1);
      console.log(`ready (TypeScript via ts-node): ${ts[0].toFixed(0)} ms`);
    } catch (e) {
      console.log(`ready (TypeScript via ts-node): could not start: ${(e as Error).message.split("\n")[0].slice(0, 300)}`);
    }
  } finally {
    fs.rmSync(tsDir, { recursive: true, force: true });
  }

  const s = await startPack({ packDir: PACK });
  try {
    await s.configureStack({ stack: "prod", project: "data-platform" });
    const res = stackOf(2000).filter((r) => !r.type.startsWith("pulumi:providers:"));
    const byUrn = new Map(res.map((r) => [r.urn, r]));
    for (const r of res.slice(0, 200)) await s.analyze(r, byUrn); // warm-up
    let t = performance.now();
    for (const r of res) await s.analyze(r, byUrn);
    let dt = performance.now() - t;
    console.log(`Analyze sequential: ${res.length} resources in ${dt.toFixed(0)} ms = ${((res.length / dt) * 1000).toFixed(0)} resources/s  goal ≥ 5000/s`);
    for (const c of [16, 64]) {
      t = performance.now();
      for (let i = 0; i < res.length; i += c) await Promise.all(res.slice(i, i + c).map((r) => s.analyze(r, byUrn)));
      dt = performance.now() - t;
      console.log(`Analyze concurrent (${c} in flight): ${((res.length / dt) * 1000).toFixed(0)} resources/s`);
    }
    for (const n of [1000, 10000]) {
      const stack = stackOf(n);
      t = performance.now();
      const d = await s.analyzeStack(stack);
      dt = performance.now() - t;
      console.log(`AnalyzeStack ${n} resources: ${dt.toFixed(0)} ms (${((n / dt) * 1000).toFixed(0)} resources/s, ${d.length} diagnostics)`);
    }
  } finally {
    await s.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
