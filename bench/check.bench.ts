/**
 * `node bin/parity.js check` on the reference stacks (the gate, as CI runs it; `npm run build` first): wall time of
 * the whole process over N runs, and the per-phase breakdown the CLI prints with `--timings` (phases overlap: the
 * policy pack starts while the stacks are planned). Goal: ≤ 5 s on 2 cores. Then the pack's share: `check` and
 * `check --no-pack` interleaved, the ratio per pair as min/median/max (issue 13 target ≤ 1.5). Prints figures;
 * asserts nothing.
 *   npm run bench -- check        BENCH_RUNS=n (default 3)
 */
import { spawnSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { parseTimings } from "../cli/util/timings";

const ROOT = process.env.ENV_PARITY_ROOT ?? path.resolve(__dirname, "..");
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PHASES = ["rules", "configs", "pack-start", "plan", "pack", "normalise", "compare", "report"] as const;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function main(): void {
  console.log(
    `\n${RUNS} runs of \`node bin/parity.js check --timings\` in ${ROOT}; ${os.cpus().length} cores, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  const walls: number[] = [];
  const phases: Record<string, number[]> = {};
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [path.join(ROOT, "bin/parity.js"), "check", "--timings", "--quiet"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    const wall = Number(process.hrtime.bigint() - t) / 1e6;
    if (r.status !== 0) throw new Error(`check exited ${r.status}: ${r.stderr}`);
    walls.push(wall);
    const timings = parseTimings(r.stderr);
    for (const [k, v] of Object.entries(timings)) (phases[k] ??= []).push(v);
    console.log(`run ${i + 1}: ${wall.toFixed(0)} ms wall; ${PHASES.map((p) => `${p} ${timings[p] ?? 0}`).join(", ")}`);
  }
  console.log(
    `wall ms: median ${median(walls).toFixed(0)}, min ${Math.min(...walls).toFixed(0)}, max ${Math.max(...walls).toFixed(0)} (goal ≤ 5000)`,
  );
  console.log(
    `phase medians ms: ${PHASES.map((p) => `${p} ${median(phases[p] ?? [0])}`).join(", ")}; in-process total ${median(phases.total ?? [0])}`,
  );

  const ratios: number[] = [];
  const wall = (args: string[]) => {
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [path.join(ROOT, "bin/parity.js"), "check", "--quiet", ...args], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    if (r.status !== 0) throw new Error(`check ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  for (let i = 0; i < Math.max(3, RUNS); i++) {
    // alternate which runs first, so neither always gets the warmer cache
    let full: number, noPack: number;
    if (i % 2) {
      noPack = wall(["--no-pack"]);
      full = wall([]);
    } else {
      full = wall([]);
      noPack = wall(["--no-pack"]);
    }
    ratios.push(full / noPack);
  }
  const r = [...ratios].sort((x, y) => x - y);
  console.log(
    `check / check --no-pack wall, min / median / max: ${r[0].toFixed(2)} / ${median(r).toFixed(2)} / ${r[r.length - 1].toFixed(2)} (target ≤ 1.5); load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
}

main();
