/**
 * Policy pack figures as ratios against anchors measured in the same run (not a test):
 *   - our pack (policy-pack/, the bundle),
 *   - the floor (bench/floor-pack: two trivial policies, plain JS, @pulumi/policy as published),
 *   - @pulumi/awsguard, if installed in the bench's own scratch folder:
 *       npm i --prefix bench/.scratch @pulumi/awsguard@0.3.1
 * Interleaved (each round starts every pack in turn), PACK_ROUNDS rounds (default 3, at least 3). Per pack and round:
 * ready (spawn → port), Analyze sequential and 64 in flight (resources/s), AnalyzeStack of 10,000 resources (ms),
 * peak RSS of the pack process during the AnalyzeStack (VmHWM reset just before it through /proc/<pid>/clear_refs; the
 * round's peak where that is not allowed) and over the whole round. Printed: each figure's ratio ours/anchor as min/median/max
 * over the rounds, with the targets of issue 13 and the load.
 *
 * The 10,000-resource stack is the reference prod stack copied under new names, each copy with physical names of
 * its own (as `referenceStack(env, { suffix })` builds them: copies sharing one bucket or function name would be
 * thousands of violations no real stack has), in a project of its own
 * (`bench-platform`, the data-platform rules given inline under that name, as `parity check` gives a project's rules):
 * every rule runs, and no parity lock applies (the pack carries the repository's locks, in which ten thousand
 * copies would be ten thousand lock-inventory diagnostics). Our pack then runs the same stack once more as
 * data-platform with the parity lock of those copies in policy config (dev, staging and prod of the same shape, as
 * `parity lock` writes it): the AnalyzeStack cost with a 10k-resource lock, printed beside (not in the RSS figure).
 *
 *   npm run bench -- pack
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { lockFromSnapshots, type ParityLock } from "../consistency-rules/src/lock";
import type { SnapshotResource } from "../consistency-rules/src/model";
import { projectPackConfig } from "../cli/util/pack";
import { startPack, type PackSession } from "../policy-pack/harness";
import { buildPack, referenceStack, RULES } from "../test/policy-pack/fixtures";

const ROOT = process.env.ENV_PARITY_ROOT ?? path.resolve(__dirname, "..");
const OURS = path.join(ROOT, "policy-pack");
const FLOOR = path.join(ROOT, "bench", "floor-pack");
const SCRATCH = path.join(ROOT, "bench", ".scratch");
const RULES_FILE = path.join(ROOT, "consistency-rules", "data-platform.rules.json");
const ROUNDS = Math.max(3, Number(process.env.PACK_ROUNDS ?? 3));
const ANALYZE_N = Number(process.env.PACK_ANALYZE_N ?? 1000);
const STACK_N = 10_000;
/** The synthetic stack's own project: the data-platform rules apply under this name, no parity lock does. */
const BENCH_PROJECT = "bench-platform";

/** `resources` moved to {@link BENCH_PROJECT} (every URN and reference to one). */
function inBenchProject(resources: SnapshotResource[]): SnapshotResource[] {
  return JSON.parse(JSON.stringify(resources).replaceAll("::data-platform::", `::${BENCH_PROJECT}::`));
}

function stackOf(n: number, env: "dev" | "staging" | "prod" = "prod"): SnapshotResource[] {
  const out: SnapshotResource[] = [referenceStack(env).resources[0]];
  for (let i = 0; out.length < n; i++) {
    // each copy with physical names of its own (bucket, table, function, role names), as in a real stack
    for (const r of referenceStack(env, { suffix: `x${i}` }).resources.slice(1)) {
      if (out.length >= n) break;
      const name = `${r.name}${i}`;
      out.push({
        ...r,
        name,
        urn: r.urn.replace(/::[^:]+$/, `::${name}`),
        dependencies: r.dependencies.map((d) => `${d}${i}`),
      });
    }
  }
  return out;
}

/** A pack directory running awsguard with every policy mandatory (as issue 13 measured it), or undefined. */
function awsguardPack(): string | undefined {
  const lib = path.join(SCRATCH, "node_modules", "@pulumi", "awsguard");
  if (!fs.existsSync(path.join(lib, "package.json"))) return undefined;
  const dir = path.join(SCRATCH, "awsguard-pack");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name: "awsguard-bench", version: "0.0.1", main: "index.js" }),
  );
  fs.writeFileSync(path.join(dir, "PulumiPolicy.yaml"), "runtime: nodejs\n");
  fs.writeFileSync(
    path.join(dir, "index.js"),
    `const { AwsGuard } = require("@pulumi/awsguard");\nnew AwsGuard({ all: "mandatory" });\n`,
  );
  return dir;
}

interface Figures {
  readyMs: number;
  seqPerS: number;
  par64PerS: number;
  stackMs: number;
  /** Diagnostics the AnalyzeStack reported (a consistent stack: 0 for every pack). */
  stackDiagnostics: number;
  /** Peak RSS during the AnalyzeStack (the round's, if the peak could not be reset). */
  rssMb: number;
  /** Peak RSS over the round (start, configure, Analyze, AnalyzeStack). */
  roundRssMb: number;
  /** Ours: AnalyzeStack of the stack as data-platform with the 10k-resource lock of its copies (after the figures). */
  lockedStackMs?: number;
  policies: number;
}

let peakReset = true;
/** Resets the process's peak RSS (VmHWM) to its current RSS (Linux: `5` to /proc/<pid>/clear_refs). */
function resetPeakRss(pid: number): void {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, "5");
  } catch {
    peakReset = false;
  }
}

function peakRssMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** The parity lock of the synthetic stacks (dev, staging, prod of `n` resources each). */
function lockOf(n: number): ParityLock {
  const envs = ["dev", "staging", "prod"] as const;
  return lockFromSnapshots(
    envs.map((env) => ({ ...referenceStack(env), resources: stackOf(n, env) })),
    RULES,
  );
}

async function measure(
  packDir: string,
  analyzeSet: SnapshotResource[],
  stack: SnapshotResource[],
  locked: { stack: SnapshotResource[]; lock: ParityLock },
): Promise<Figures> {
  const s: PackSession = await startPack({ packDir, readyTimeoutMs: 120_000 });
  try {
    const info = await s.info();
    await s.configureStack({ stack: "prod", project: BENCH_PROJECT });
    // as `parity check` configures it: the project's rules inline to every policy that takes them
    const rules = JSON.parse(fs.readFileSync(RULES_FILE, "utf8")) as Record<string, unknown>;
    if (packDir === OURS) await s.configure(projectPackConfig(info, { rules: { ...rules, project: BENCH_PROJECT } }));
    const byUrn = new Map(stack.map((r) => [r.urn, r]));
    for (const r of analyzeSet.slice(0, 100)) await s.analyze(r, byUrn, { remediate: false }); // warm-up
    let t = performance.now();
    for (const r of analyzeSet) await s.analyze(r, byUrn, { remediate: false });
    const seqPerS = (analyzeSet.length / (performance.now() - t)) * 1000;
    t = performance.now();
    for (let i = 0; i < analyzeSet.length; i += 64)
      await Promise.all(analyzeSet.slice(i, i + 64).map((r) => s.analyze(r, byUrn, { remediate: false })));
    const par64PerS = (analyzeSet.length / (performance.now() - t)) * 1000;
    const roundBefore = peakRssMb(s.pid);
    resetPeakRss(s.pid);
    t = performance.now();
    const stackDiagnostics = (await s.analyzeStack(stack)).length;
    const stackMs = performance.now() - t;
    const rssMb = peakRssMb(s.pid);
    let lockedStackMs: number | undefined;
    if (packDir === OURS) {
      const config = projectPackConfig(info, { rules });
      const parity = config["parity-consistency-rules"];
      await s.configure({
        ...config,
        "parity-consistency-rules": { ...(typeof parity === "object" ? parity : {}), lock: locked.lock },
      });
      t = performance.now();
      await s.analyzeStack(locked.stack);
      lockedStackMs = performance.now() - t;
    }
    return {
      lockedStackMs,
      readyMs: s.readyMs,
      seqPerS,
      par64PerS,
      stackMs,
      stackDiagnostics,
      rssMb,
      roundRssMb: Math.max(roundBefore, rssMb),
      policies: info.policies.length,
    };
  } finally {
    await s.close();
  }
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const mmm = (xs: number[]) => {
  const s = sorted(xs);
  return `${s[0].toFixed(2)} / ${s[Math.floor(s.length / 2)].toFixed(2)} / ${s[s.length - 1].toFixed(2)}`;
};
const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)];

async function main() {
  buildPack();
  const packs: [string, string][] = [
    ["ours", OURS],
    ["floor", FLOOR],
  ];
  const guard = awsguardPack();
  if (guard) packs.push(["awsguard", guard]);
  else
    console.log(
      `@pulumi/awsguard not installed in ${path.relative(ROOT, SCRATCH)} (npm i --prefix bench/.scratch @pulumi/awsguard@0.3.1): no awsguard ratios`,
    );
  console.log(
    `load before: ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}; ${os.cpus().length} cpus; ${ROUNDS} rounds, interleaved`,
  );
  const dataPlatformStack = stackOf(STACK_N);
  const stack = inBenchProject(dataPlatformStack);
  const locked = { stack: dataPlatformStack, lock: lockOf(STACK_N) };
  const analyzeSet = stack.filter((r) => !r.type.startsWith("pulumi:providers:")).slice(0, ANALYZE_N);
  const results = new Map<string, Figures[]>(packs.map(([n]) => [n, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // rotate the order each round so no pack always runs first (cache/thermal effects)
    const order = packs.map((_, i) => packs[(i + round) % packs.length]);
    for (const [name, dir] of order) results.get(name)!.push(await measure(dir, analyzeSet, stack, locked));
  }
  for (const [name, fs_] of results) {
    console.log(
      `${name.padEnd(8)} (${fs_[0].policies} policies) median: ready ${median(fs_.map((f) => f.readyMs)).toFixed(0)} ms; Analyze ${median(fs_.map((f) => f.seqPerS)).toFixed(0)}/s seq, ` +
        `${median(fs_.map((f) => f.par64PerS)).toFixed(0)}/s 64 in flight; AnalyzeStack ${STACK_N} ${median(fs_.map((f) => f.stackMs)).toFixed(0)} ms (${fs_[0].stackDiagnostics} diagnostics); peak RSS ${median(fs_.map((f) => f.rssMb)).toFixed(0)} MB (round ${median(fs_.map((f) => f.roundRssMb)).toFixed(0)} MB)`,
    );
  }
  const ours = results.get("ours")!;
  const ratio = (anchor: string, pick: (f: Figures) => number, inverse = false) => {
    const a = results.get(anchor)!;
    return ours.map((o, i) => (inverse ? pick(a[i]) / pick(o) : pick(o) / pick(a[i])));
  };
  console.log(
    "ratios ours/anchor per round, min / median / max (time and memory: lower is better; for throughput the ratio is anchor/ours, so lower is better too):",
  );
  for (const anchor of ["floor", "awsguard"].filter((a) => results.has(a))) {
    console.log(`  vs ${anchor}:`);
    console.log(
      `    pack ready              ${mmm(ratio(anchor, (f) => f.readyMs))}${anchor === "floor" ? "   target ≤ 0.9" : ""}`,
    );
    console.log(`    Analyze sequential      ${mmm(ratio(anchor, (f) => f.seqPerS, true))}`);
    console.log(`    Analyze 64 in flight    ${mmm(ratio(anchor, (f) => f.par64PerS, true))}`);
    console.log(
      `    AnalyzeStack ${STACK_N}     ${mmm(ratio(anchor, (f) => f.stackMs))}${anchor === "awsguard" ? "   target ≤ 1.5" : ""}`,
    );
    console.log(
      `    peak RSS (AnalyzeStack) ${mmm(ratio(anchor, (f) => f.rssMb))}${anchor === "awsguard" ? "   target ≤ 1.3" : ""}${peakReset ? "" : " (peak not resettable here: the round's)"}`,
    );
    console.log(`    peak RSS (round)        ${mmm(ratio(anchor, (f) => f.roundRssMb))}`);
    console.log(
      `    AnalyzeStack, 10k lock  ${mmm(ours.map((o, i) => o.lockedStackMs! / results.get(anchor)![i].stackMs))}   (ours as data-platform with its stacks' lock, against the anchor's plain AnalyzeStack)`,
    );
  }
  console.log(
    `load after: ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
