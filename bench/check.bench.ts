/**
 * `node bin/parity.js check` on the reference stacks (the gate, as CI runs it; `npm run build` first): wall time of
 * the whole process over N runs, and the per-phase breakdown the CLI prints with `--timings` (phases overlap: the
 * policy pack starts while the stacks are planned, takes each environment's config meanwhile and analyses each stack
 * as soon as its plan is made). Goal: ≤ 5 s on 2 cores. Then the pack's share: `check` and `check --no-pack`
 * interleaved (which of the two runs first alternates), per pair the wall ratio, as min/median/max (issue 13 target
 * ≤ 1.5), with each side's median wall and CPU time (user + system of the process and its children: the planner's
 * child, the pack, esbuild). The load average is printed before and after: on a loaded machine the wall ratio tends to
 * the CPU ratio. Prints figures; asserts nothing.
 *   npm run bench -- check        BENCH_RUNS=n (default 3; the pairs: at least 3)
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
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
  const sides: Record<"check" | "no-pack", { wall: number[]; cpu: number[] }> = {
    check: { wall: [], cpu: [] },
    "no-pack": { wall: [], cpu: [] },
  };
  /** One run in a child shell that reports its children's CPU (`times`), so the pack and the planner count too. */
  const run = (side: "check" | "no-pack") => {
    const args = side === "check" ? [] : ["--no-pack"];
    const script = `"$0" "$1" check --quiet ${args.join(" ")} >/dev/null 2>"$2"; s=$?; times; exit $s`;
    const err = path.join(os.tmpdir(), `parity-check-bench-${process.pid}.err`);
    const t = process.hrtime.bigint();
    const r = spawnSync("bash", ["-c", script, process.execPath, path.join(ROOT, "bin/parity.js"), err], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    const wall = Number(process.hrtime.bigint() - t) / 1e6;
    if (r.status !== 0) throw new Error(`check ${args.join(" ")} exited ${r.status}: ${fs.readFileSync(err, "utf8")}`);
    fs.rmSync(err, { force: true });
    // `times`: the shell's own user/system, then its children's (`0m1.234s 0m0.123s`)
    const [, children] = r.stdout.trim().split("\n");
    const cpu = (children ?? "")
      .split(/\s+/)
      .map((x) => /^(\d+)m([\d.]+)s$/.exec(x))
      .reduce((sum, m) => sum + (m ? (Number(m[1]) * 60 + Number(m[2])) * 1000 : 0), 0);
    sides[side].wall.push(wall);
    sides[side].cpu.push(cpu);
    return wall;
  };
  const loadBefore = os.loadavg();
  for (let i = 0; i < Math.max(3, RUNS); i++) {
    // alternate which runs first, so neither always gets the warmer cache
    let full: number, noPack: number;
    if (i % 2) {
      noPack = run("no-pack");
      full = run("check");
    } else {
      full = run("check");
      noPack = run("no-pack");
    }
    ratios.push(full / noPack);
  }
  const r = [...ratios].sort((x, y) => x - y);
  const fmt = (xs: number[]) => median(xs).toFixed(0);
  const cpuRatios = sides.check.cpu.map((c, i) => c / sides["no-pack"].cpu[i]).sort((x, y) => x - y);
  console.log(
    `check / check --no-pack wall, min / median / max of ${r.length} interleaved pairs: ${r[0].toFixed(2)} / ${median(r).toFixed(2)} / ${r[r.length - 1].toFixed(2)} (target ≤ 1.5)`,
  );
  console.log(
    `  medians: check ${fmt(sides.check.wall)} ms wall, ${fmt(sides.check.cpu)} ms CPU; --no-pack ${fmt(sides["no-pack"].wall)} ms wall, ${fmt(sides["no-pack"].cpu)} ms CPU; CPU ratio min / median / max ${cpuRatios[0].toFixed(2)} / ${median(cpuRatios).toFixed(2)} / ${cpuRatios[cpuRatios.length - 1].toFixed(2)}`,
  );
  console.log(
    `  load average before ${loadBefore.map((l) => l.toFixed(1)).join(" ")}, after ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
}

main();
