/**
 * `parity diff` on synthetic exports (dev/staging/prod) of 1k, 5k and 10k resources each, against the time to
 * JSON.parse the same files (goal at 3 × 10k: diff ≤ 3 × parse). Prints the total and the per-phase breakdown
 * (the CLI's own `--timings`: read, parse, convert, normalise, compare, report); asserts nothing.
 *   npm run bench -- diff      (bench/run.js bundles it next to the sources and sets ENV_PARITY_ROOT)
 *   BENCH_RUNS=n (default 5), BENCH_SIZES=1000,10000 (default 1000,5000,10000), BENCH_FORMAT=json|sarif|… (default json)
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { run } from "../cli/main";
import { parseTimings } from "../cli/util/timings";
import { ENVS, stackExport } from "../test/fixtures/pulumi-docs";

const ROOT = process.env.ENV_PARITY_ROOT ?? path.resolve(__dirname, "..");
const RULES = path.join(ROOT, "test/fixtures/rules/data-platform.rules.json");
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SIZES = (process.env.BENCH_SIZES ?? "1000,5000,10000").split(",").map(Number);
const FORMAT = process.env.BENCH_FORMAT ?? "json";
const PHASES = ["read", "parse", "convert", "normalise", "compare", "report"] as const;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

interface Result {
  size: number;
  mb: number;
  parseMs: number;
  diffMs: number;
  phases: Record<string, number>;
}

async function measure(size: number, dir: string): Promise<Result> {
  const files = ["dev", "staging", "prod"].map((env) => {
    const f = path.join(dir, `${env}-${size}.json`);
    // stackResources() has 10-11 fixed resources plus one per extra queue
    fs.writeFileSync(f, JSON.stringify(stackExport({ ...ENVS[env], extraQueues: Math.max(0, size - 11) })));
    return f;
  });
  const mb = files.reduce((n, f) => n + fs.statSync(f).size, 0) / 1e6;
  const parse: number[] = [];
  const diff: number[] = [];
  const phases: Record<string, number[]> = {};
  for (let i = 0; i < RUNS; i++) {
    let t = process.hrtime.bigint();
    for (const f of files) JSON.parse(fs.readFileSync(f, "utf8"));
    parse.push(Number(process.hrtime.bigint() - t) / 1e6);
    let stderr = "";
    t = process.hrtime.bigint();
    const code = await run(["diff", ...files, "--rules", RULES, "--format", FORMAT, "--quiet", "--timings"], {
      stdout: () => undefined,
      stderr: (s) => (stderr += s),
      isTTY: false,
      env: {},
      cwd: ROOT,
      now: () => new Date(),
    });
    diff.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (code !== 0) throw new Error(`diff exited ${code}: ${stderr}`);
    for (const [k, v] of Object.entries(parseTimings(stderr))) (phases[k] ??= []).push(v);
  }
  return { size, mb, parseMs: median(parse), diffMs: median(diff), phases: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, median(v)])) };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parity-bench-"));
  try {
    console.log(`\nmedian of ${RUNS} runs, --format ${FORMAT}; phases in ms (read+parse is the CLI's own JSON.parse)`);
    console.log(
      `resources/stack  MB(3 files)  JSON.parse ms  parity diff ms  ratio  ${PHASES.map((p) => p.padStart(9)).join(" ")}`,
    );
    for (const size of SIZES) {
      const r = await measure(size, dir);
      console.log(
        `${String(r.size).padStart(15)}  ${r.mb.toFixed(1).padStart(11)}  ${r.parseMs.toFixed(0).padStart(13)}  ${r.diffMs.toFixed(0).padStart(14)}  ${(r.diffMs / r.parseMs).toFixed(1).padStart(5)}  ${PHASES.map((p) => (r.phases[p] ?? 0).toFixed(0).padStart(9)).join(" ")}`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
