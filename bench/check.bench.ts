/**
 * `node bin/parity.js check` on the reference stacks (the gate, as CI runs it; `npm run build` first): wall time of
 * the whole process over N runs, and the per-phase breakdown the CLI prints with `--timings` (phases overlap: the
 * policy pack starts while the stacks are planned, takes each environment's config meanwhile and analyses each stack
 * as soon as its plan is made). Goal: ≤ 5 s on 2 cores. Then the pack's share: `check` and `check --no-pack`
 * interleaved (which of the two runs first alternates), per pair the wall ratio, as min/median/max (issue 13 target
 * ≤ 1.5), with each side's median wall and CPU time (user + system of the process and its children: the planner's
 * child, the pack, esbuild). The load average is printed before and after: on a loaded machine the wall ratio tends to
 * the CPU ratio. Prints figures; asserts nothing.
 *
 * With CHECK_ANCHOR=<dir> (a checkout of older code, built, e.g. a `git worktree` of the commit to compare with), each
 * round also runs `node <dir>/bin/parity.js check --quiet` with cwd <dir> (its own reference stacks, its own caches),
 * the three runs of a round in rotating order; flags the anchor's `check --help` does not list are left off on all
 * sides (`--timings` is added where both know it). Before the rounds each side runs once untimed, so both trees' caches
 * (the planner's type-check cache, the code cache) are warm alike. Prints, per round, ours / anchor wall and CPU as
 * min/median/max with each side's median, and the load average before and after: ours and the anchor measured under
 * the same load, which two separate bench runs at different times of day are not.
 *   npm run bench -- check        BENCH_RUNS=n (default 3; the pairs: at least 3)
 *   CHECK_ANCHOR=/tmp/old-tree npm run bench -- check
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseTimings } from "../cli/util/timings";

const ROOT = process.env.ENV_PARITY_ROOT ?? path.resolve(__dirname, "..");
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PHASES = ["rules", "configs", "pack-start", "plan", "pack", "normalise", "compare", "report"] as const;

const ANCHOR = process.env.CHECK_ANCHOR ? path.resolve(process.env.CHECK_ANCHOR) : undefined;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const loadavg = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
/** `min / median / max` of xs, to `digits` decimals. */
const spread = (xs: number[], digits = 2): string =>
  `${Math.min(...xs).toFixed(digits)} / ${median(xs).toFixed(digits)} / ${Math.max(...xs).toFixed(digits)}`;

/** The `check` flags of `wanted` the CLI at `root` lists in its `check --help` (an older CLI may not know some). */
function knownFlags(root: string, wanted: readonly string[]): string[] {
  const r = spawnSync(process.execPath, [path.join(root, "bin/parity.js"), "check", "--help"], {
    cwd: root,
    encoding: "utf8",
    env: childEnv(root),
  });
  if (r.status !== 0) throw new Error(`${root}: check --help exited ${r.status}: ${r.stderr}`);
  return wanted.filter((f) => new RegExp(`(^|[\\s,])${f}(?![\\w-])`, "m").test(r.stdout));
}

/** The environment for a CLI run in `root`: no colour; the anchor does not see this tree's ENV_PARITY_ROOT. */
function childEnv(root: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  if (root !== ROOT) delete env.ENV_PARITY_ROOT;
  return env;
}

/**
 * One `node <root>/bin/parity.js check <args>` with cwd `root`, in a child shell that reports its children's CPU
 * (`times`), so the pack and the planner count too. Wall and CPU ms, the phase timings if asked, and with `keepOutput`
 * stdout's last line (the summary; otherwise stdout goes to /dev/null).
 */
function timedCheck(root: string, args: readonly string[], keepOutput = false) {
  const script = `"$0" "$1" check ${args.join(" ")} >"$3" 2>"$2"; s=$?; times; exit $s`;
  const err = path.join(os.tmpdir(), `parity-check-bench-${process.pid}.err`);
  const out = keepOutput ? path.join(os.tmpdir(), `parity-check-bench-${process.pid}.out`) : "/dev/null";
  const t = process.hrtime.bigint();
  const r = spawnSync("bash", ["-c", script, process.execPath, path.join(root, "bin/parity.js"), err, out], {
    cwd: root,
    encoding: "utf8",
    env: childEnv(root),
  });
  const wall = Number(process.hrtime.bigint() - t) / 1e6;
  const stderr = fs.readFileSync(err, "utf8");
  const lastLine = keepOutput ? (fs.readFileSync(out, "utf8").trim().split("\n").pop() ?? "") : "";
  fs.rmSync(err, { force: true });
  if (keepOutput) fs.rmSync(out, { force: true });
  if (r.status !== 0) throw new Error(`${root}: check ${args.join(" ")} exited ${r.status}: ${stderr}`);
  // `times`: the shell's own user/system, then its children's (`0m1.234s 0m0.123s`)
  const [, children] = r.stdout.trim().split("\n");
  const cpu = (children ?? "")
    .split(/\s+/)
    .map((x) => /^(\d+)m([\d.]+)s$/.exec(x))
    .reduce((sum, m) => sum + (m ? (Number(m[1]) * 60 + Number(m[2])) * 1000 : 0), 0);
  return { wall, cpu, lastLine, timings: args.includes("--timings") ? parseTimings(stderr) : {} };
}

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

  anchoredPairs();
}

/**
 * `check` and `check --no-pack` interleaved, per round the wall ratio; with CHECK_ANCHOR also the anchor's `check`
 * in the same rounds, and per round ours / anchor.
 */
function anchoredPairs(): void {
  type Side = "check" | "no-pack" | "anchor";
  const rounds = Math.max(3, RUNS);
  // Flags every side gets: those the anchor knows (ours knows both).
  const flags = ANCHOR ? knownFlags(ANCHOR, ["--quiet", "--timings"]) : ["--quiet"];
  const argsOf: Record<Side, string[]> = { check: flags, "no-pack": [...flags, "--no-pack"], anchor: flags };
  const rootOf = (side: Side) => (side === "anchor" ? ANCHOR! : ROOT);
  const sides: Record<Side, { wall: number[]; cpu: number[]; timings: Record<string, number>[] }> = {
    check: { wall: [], cpu: [], timings: [] },
    "no-pack": { wall: [], cpu: [], timings: [] },
    anchor: { wall: [], cpu: [], timings: [] },
  };
  const run = (side: Side): void => {
    const r = timedCheck(rootOf(side), argsOf[side]);
    sides[side].wall.push(r.wall);
    sides[side].cpu.push(r.cpu);
    sides[side].timings.push(r.timings);
  };
  const order: Side[] = ANCHOR ? ["check", "no-pack", "anchor"] : ["check", "no-pack"];
  if (ANCHOR) {
    const head = spawnSync("git", ["-C", ANCHOR, "log", "-1", "--format=%h %s"], { encoding: "utf8" }).stdout.trim();
    const dirty = spawnSync("git", ["-C", ANCHOR, "status", "--porcelain"], { encoding: "utf8" }).stdout.trim();
    console.log(
      `\nanchor ${ANCHOR}: ${head.slice(0, 100) || "(not a git checkout)"}${dirty ? `; not committed there: ${dirty.split("\n").join(", ")}` : ""}`,
    );
    console.log(`  flags on every side: ${flags.join(" ") || "(none)"}; one untimed run of each side first:`);
    for (const side of order) {
      const r = timedCheck(rootOf(side), argsOf[side], true);
      console.log(`  warm-up ${side}: ${r.wall.toFixed(0)} ms wall, ${r.cpu.toFixed(0)} ms CPU; ${r.lastLine}`);
    }
  }
  const loadBefore = loadavg();
  for (let i = 0; i < rounds; i++) {
    // rotate which runs first, so none always gets the warmer cache (two sides: they alternate)
    for (let k = 0; k < order.length; k++) run(order[(i + k) % order.length]);
  }
  const fmt = (xs: number[]) => median(xs).toFixed(0);
  const per = (a: Side, b: Side, what: "wall" | "cpu") => sides[a][what].map((x, i) => x / sides[b][what][i]);
  const ratios = per("check", "no-pack", "wall");
  const cpuRatios = per("check", "no-pack", "cpu");
  console.log(
    `check / check --no-pack wall, min / median / max of ${ratios.length} interleaved pairs: ${spread(ratios)} (target ≤ 1.5)`,
  );
  console.log(
    `  medians: check ${fmt(sides.check.wall)} ms wall, ${fmt(sides.check.cpu)} ms CPU; --no-pack ${fmt(sides["no-pack"].wall)} ms wall, ${fmt(sides["no-pack"].cpu)} ms CPU; CPU ratio min / median / max ${spread(cpuRatios)}`,
  );
  if (ANCHOR) {
    console.log(
      `ours / anchor \`check\`, min / median / max of ${rounds} rounds: wall ${spread(per("check", "anchor", "wall"))}, CPU ${spread(per("check", "anchor", "cpu"))} (goal: wall ≤ 1.00)`,
    );
    console.log(
      `  medians: ours ${fmt(sides.check.wall)} ms wall, ${fmt(sides.check.cpu)} ms CPU; anchor ${fmt(sides.anchor.wall)} ms wall, ${fmt(sides.anchor.cpu)} ms CPU`,
    );
    console.log(
      `  per round ours/anchor wall ms: ${sides.check.wall.map((w, i) => `${w.toFixed(0)}/${sides.anchor.wall[i].toFixed(0)}`).join(", ")}`,
    );
    if (flags.includes("--timings")) {
      const phases = [...new Set([...sides.check.timings, ...sides.anchor.timings].flatMap((t) => Object.keys(t)))];
      const med = (side: Side, p: string) =>
        sides[side].timings.some((t) => p in t) ? median(sides[side].timings.map((t) => t[p] ?? 0)).toFixed(0) : "-";
      console.log(
        `  phase medians ms, ours/anchor: ${phases.map((p) => `${p} ${med("check", p)}/${med("anchor", p)}`).join(", ")}`,
      );
    }
  }
  console.log(`  load average before ${loadBefore}, after ${loadavg()}`);
}

main();
