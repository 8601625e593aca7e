/**
 * `parity diff` on synthetic exports (dev/staging/prod) against `JSON.parse` of the same files (issue 13.3 goal:
 * 3 × 10k in a fresh process ≤ 3 × a fresh process that only parses them). Per size and per round, interleaved:
 *   in-process:    JSON.parse of the 3 files  vs  run(["diff", …]) in this process (warm modules)
 *   fresh process: `node -e` reading + parsing the 3 files  vs  `node bin/parity.js diff …` (needs `npm run build`)
 * and prints min / median / max of the per-round ratios (and of `parity --version` against `node -e 0`, the start-up), the median per-phase breakdown (`--timings`) and the time per
 * resource (median, fresh process and in-process); with several sizes, the per-resource time of each size against the
 * smallest (linear: about 1).
 *   npm run bench -- diff
 *   BENCH_RUNS=n (rounds, default 3, at least 3), BENCH_SIZES=10000,50000 (default), BENCH_FORMAT=json|sarif|… (default json)
 * Asserts nothing; prints the machine load (`os.loadavg()`) beside the figures.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { run } from "../cli/main";
import { parseTimings } from "../cli/util/timings";
import { ENVS, stackExport } from "../test/fixtures/pulumi-docs";

const ROOT = process.env.ENV_PARITY_ROOT ?? path.resolve(__dirname, "..");
const RULES = path.join(ROOT, "test/fixtures/rules/data-platform.rules.json");
const BIN = path.join(ROOT, "bin/parity.js");
const RUNS = Math.max(3, Number(process.env.BENCH_RUNS ?? 3));
const SIZES = (process.env.BENCH_SIZES ?? "10000,50000").split(",").map(Number);
const FORMAT = process.env.BENCH_FORMAT ?? "json";
const PHASES = ["read", "parse", "convert", "normalise", "compare", "report"] as const;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;
const spread = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${s[0].toFixed(2)} / ${median(s).toFixed(2)} / ${s[s.length - 1].toFixed(2)}`;
};

function fresh(args: string[]): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"], cwd: ROOT, maxBuffer: 1 << 30 });
  const took = ms(t);
  if (r.status !== 0)
    throw new Error(`${args.slice(0, 2).join(" ")} exited ${r.status}: ${String(r.stderr).slice(0, 400)}`);
  return took;
}

interface PerResource {
  readonly size: number;
  readonly freshUs: number;
  readonly inUs: number;
}

async function measure(size: number, dir: string): Promise<PerResource> {
  const files = ["dev", "staging", "prod"].map((env) => {
    const f = path.join(dir, `${env}-${size}.json`);
    // stackResources() has 10-11 fixed resources plus one per extra queue
    fs.writeFileSync(f, JSON.stringify(stackExport({ ...ENVS[env], extraQueues: Math.max(0, size - 11) })));
    return f;
  });
  const mb = files.reduce((n, f) => n + fs.statSync(f).size, 0) / 1e6;
  const diffArgs = ["diff", ...files, "--rules", RULES, "--format", FORMAT, "--quiet"];
  const parseScript = `const fs=require("fs");for(const f of ${JSON.stringify(files)})JSON.parse(fs.readFileSync(f,"utf8"))`;
  const inRatio: number[] = [];
  const freshRatio: number[] = [];
  const rows: string[] = [];
  const phases: Record<string, number[]> = {};
  const freshDiffs: number[] = [];
  const inDiffs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    let t = process.hrtime.bigint();
    for (const f of files) JSON.parse(fs.readFileSync(f, "utf8"));
    const parseMs = ms(t);
    let stderr = "";
    t = process.hrtime.bigint();
    const code = await run([...diffArgs, "--timings"], {
      stdout: () => undefined,
      stderr: (s) => (stderr += s),
      isTTY: false,
      env: {},
      cwd: ROOT,
      now: () => new Date(),
    });
    const diffMs = ms(t);
    if (code !== 0) throw new Error(`diff exited ${code}: ${stderr}`);
    for (const [k, v] of Object.entries(parseTimings(stderr))) (phases[k] ??= []).push(v);
    const freshParse = fresh(["-e", parseScript]);
    const freshDiff = fresh([BIN, ...diffArgs]);
    inRatio.push(diffMs / parseMs);
    freshRatio.push(freshDiff / freshParse);
    inDiffs.push(diffMs);
    freshDiffs.push(freshDiff);
    rows.push(
      `  round ${i + 1}: in-process parse ${parseMs.toFixed(0)} ms, diff ${diffMs.toFixed(0)} ms; fresh process parse ${freshParse.toFixed(0)} ms, diff ${freshDiff.toFixed(0)} ms`,
    );
  }
  console.log(
    `\n3 × ${size} resources (${mb.toFixed(1)} MB), --format ${FORMAT}, ${RUNS} rounds, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  for (const r of rows) console.log(r);
  console.log(
    `  ratio diff / JSON.parse, min / median / max:  in-process ${spread(inRatio)}   fresh process ${spread(freshRatio)}`,
  );
  console.log(
    `  in-process phases (median ms): ${PHASES.map((p) => `${p} ${(phases[p] ? median(phases[p]) : 0).toFixed(0)}`).join(", ")}`,
  );
  // Per resource of all three stacks (3 × size), median of the rounds.
  const per = { size, freshUs: (median(freshDiffs) * 1000) / (3 * size), inUs: (median(inDiffs) * 1000) / (3 * size) };
  console.log(
    `  time per resource (median): fresh process ${per.freshUs.toFixed(1)} µs, in-process ${per.inUs.toFixed(1)} µs`,
  );
  return per;
}

/** The CLI's start-up: `parity --version` against `node -e 0`, fresh processes, interleaved. */
function startup(): void {
  const node: number[] = [];
  const version: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    node.push(fresh(["-e", "0"]));
    version.push(fresh([BIN, "--version"]));
  }
  console.log(
    `start-up (median of ${RUNS}): node -e 0 ${median(node).toFixed(0)} ms, parity --version ${median(version).toFixed(0)} ms (+${(median(version) - median(node)).toFixed(0)} ms); ratio min / median / max ${spread(version.map((v, i) => v / node[i]))}`,
  );
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(ROOT, "dist/cli/index.js")))
    throw new Error("run `npm run build` first: the fresh-process figures run bin/parity.js");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parity-bench-"));
  try {
    startup();
    const per: PerResource[] = [];
    for (const size of SIZES) per.push(await measure(size, dir));
    if (per.length > 1) {
      // Linear: the time per resource does not grow with the stack (1.00 = the smallest size's).
      const [base] = per;
      console.log(
        `\nlinearity (time per resource against 3 × ${base.size}): ${per
          .slice(1)
          .map(
            (p) =>
              `3 × ${p.size}: fresh process ${(p.freshUs / base.freshUs).toFixed(2)}×, in-process ${(p.inUs / base.inUs).toFixed(2)}×`,
          )
          .join("; ")}`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(String((e as Error)?.message ?? e));
  process.exit(1);
});
