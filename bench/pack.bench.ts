/**
 * Policy pack figures (not a test): ready time of the bundled pack vs the TypeScript pack (ts-node), where start-up
 * time goes (module loads in a fresh node), Analyze throughput over gRPC (sequential and concurrent), AnalyzeStack
 * with 1,000 and 10,000 resources. Goals: ready ≤ 1 s, ≥ 5,000 resources/s.
 *
 *   node bench/run.js pack                 figures
 *   PACK_PROFILE=/tmp/pack.cpuprofile …    also profiles the pack process over the Analyze runs (inspector session
 *                                          started by a --require hook; written on SIGINT; open in Chrome DevTools)
 */
import { execFileSync } from "child_process";
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

/** Milliseconds to require each module in a fresh node (cumulative order: what the runner loads before our pack). */
function startupBreakdown(): string {
  const script = `
    const t0 = process.hrtime.bigint(); const ms = () => Number(process.hrtime.bigint() - t0) / 1e6; const out = [];
    let last = 0; const step = (what, f) => { f(); const now = ms(); out.push(what + " " + (now - last).toFixed(0) + " ms"); last = now; };
    step("@pulumi/pulumi (index: automation, npm arborist/sigstore…)", () => require("@pulumi/pulumi"));
    step("@pulumi/policy", () => require("@pulumi/policy"));
    step("ts-node + typescript registration (what the runner does)", () => { try { require("ts-node").register({ transpileOnly: true }); } catch (e) { out.push("(ts-node: " + e.message + ")"); } });
    step("our bundle (policies + rules library + ajv)", () => require(${JSON.stringify(path.join(PACK, "dist", "index.js"))}));
    console.log(out.join("; ") + "; total " + ms().toFixed(0) + " ms"); process.exit(0); // the pack serves gRPC once loaded`;
  return execFileSync(process.execPath, ["-e", script], { cwd: PACK, encoding: "utf8", timeout: 60_000 }).trim().split("\n").pop()!;
}

/** A --require hook that profiles the whole process and writes the profile on SIGINT. */
function profileHook(file: string): string {
  const hook = path.join(os.tmpdir(), `env-parity-prof-hook-${process.pid}.js`);
  fs.writeFileSync(
    hook,
    `const inspector = require("inspector"); const fs = require("fs"); const s = new inspector.Session(); s.connect();
     s.post("Profiler.enable", () => s.post("Profiler.setSamplingInterval", { interval: 200 }, () => s.post("Profiler.start")));
     process.on("SIGINT", () => s.post("Profiler.stop", (err, r) => { if (!err) fs.writeFileSync(${JSON.stringify(file)}, JSON.stringify(r.profile)); process.exit(0); }));`,
  );
  return hook;
}

/** Self time per function (top n) of a .cpuprofile. */
function topSelf(file: string, n: number): string {
  const prof = JSON.parse(fs.readFileSync(file, "utf8")) as { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]; samples: number[] };
  const counts = new Map<number, number>();
  for (const id of prof.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  const self = new Map<string, number>();
  for (const node of prof.nodes) {
    const c = counts.get(node.id) ?? 0;
    if (!c) continue;
    const k = `${node.callFrame.functionName || "(anonymous)"} ${node.callFrame.url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*\/policy-pack\//, "pack/")}:${node.callFrame.lineNumber + 1}`;
    self.set(k, (self.get(k) ?? 0) + c);
  }
  const total = prof.samples.length;
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, c]) => `  ${((100 * c) / total).toFixed(1)}%  ${k}`).join("\n");
}

async function main() {
  buildPack();
  console.log(`load: ${os.loadavg().map((x: number) => x.toFixed(2)).join(" ")}`);
  console.log(`start-up breakdown (fresh node): ${startupBreakdown()}`);
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

  const profile = process.env.PACK_PROFILE;
  const s = await startPack({ packDir: PACK, env: profile ? { NODE_OPTIONS: `--require ${profileHook(profile)}` } : undefined });
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
    if (profile) {
      process.kill(s.pid, "SIGINT");
      for (let i = 0; i < 100 && !fs.existsSync(profile); i++) await new Promise((r) => setTimeout(r, 100));
      console.log(`profile of the pack process: ${profile}; top self time:\n${topSelf(profile, 15)}`);
    }
  } finally {
    await s.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
