/**
 * The offline planner (`cli/sources/plan.ts`): wall time of planning stacks in one child process, and where it goes.
 * Prints, each as the median of BENCH_RUNS runs (default 3):
 *   - one stack (reference `dev`) in a fresh child, without the on-disk caches (every file transpiled, the program
 *     type-checked as the engine does) and with them (the anchor: the ratio cold / warm is printed);
 *   - the three reference stacks in one worker (what `parity check` plans), per stack; then without the V8 code cache of
 *     installed modules (planner/compile-cache.ts) and the ratio;
 *   - the three payments stacks (`examples/payments`) in one worker, per stack;
 *   - esbuild bundling of the validator handler, first build and a rebuild of unchanged sources.
 * Phases per stack: child boot (TypeScript + ts-node loaded and the type check, shared by the stacks of a child), load (requiring the
 * program until it returns, SDK and transpilation included), of which transpile, and settle (registrations until
 * the runtime disconnects). Goal of the whole `parity check`: ≤ 5 s on 2 cores. Prints figures; asserts nothing.
 *   npm run build && npm run bench -- plan
 */
import * as os from "node:os";
import * as path from "node:path";
import type { PlanOptions } from "../cli/sources/plan";
import type { PlanTimings } from "../cli/sources/plan-worker";
import { bundleHandler } from "@env-parity/components";

const ROOT = process.env.ENV_PARITY_ROOT ?? path.resolve(__dirname, "..");
// The built planner (`npm run build` first), as `parity` runs it: it starts its child from its own directory.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { planAll } = require(path.join(ROOT, "dist/cli/sources/plan.js")) as typeof import("../cli/sources/plan");
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const REFERENCE = ["dev", "staging", "prod"];

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Run {
  wall: number;
  stacks: { ms: number; timings: PlanTimings }[];
}

async function planOnce(requests: readonly PlanOptions[]): Promise<Run> {
  const stacks: Run["stacks"] = [];
  const t = performance.now();
  const settled = await planAll(requests, { timings: (i, ms, timings) => (stacks[i] = { ms, timings }) });
  const wall = performance.now() - t;
  const failed = settled.find((s) => s.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return { wall, stacks };
}

async function measure(
  label: string,
  requests: readonly PlanOptions[],
  diskCache = true,
  env: Record<string, string> = {},
): Promise<number> {
  const vars = { ...env, ...(!diskCache && { ENV_PARITY_PLAN_CACHE: "0" }) };
  const previous = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  const runs: Run[] = [];
  try {
    for (let i = 0; i < RUNS; i++) runs.push(await planOnce(requests));
  } finally {
    for (const [k, v] of Object.entries(previous)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  const walls = runs.map((r) => r.wall);
  const boot = median(runs.map((r) => r.stacks[0]?.timings.bootMs ?? 0));
  const check = median(runs.map((r) => r.stacks[0]?.timings.typecheckMs ?? 0));
  const cached = runs.filter((r) => r.stacks[0]?.timings.typecheckCached).length;
  console.log(
    `${label}: wall median ${median(walls).toFixed(0)} ms (min ${Math.min(...walls).toFixed(0)}, max ${Math.max(...walls).toFixed(0)}); ` +
      `child boot ${boot} ms, of which type check ${check} ms (${cached}/${runs.length} runs from the cache)`,
  );
  requests.forEach((req, i) => {
    const m = (f: (s: Run["stacks"][number]) => number) => median(runs.map((r) => f(r.stacks[i])));
    console.log(
      `  ${path.relative(ROOT, path.resolve(req.projectDir)) || "."} ${req.stack}: ${m((s) => s.ms)} ms = load ${m((s) => s.timings.loadMs)} ` +
        `(transpile ${m((s) => s.timings.transpileMs)}: ${m((s) => s.timings.transpiled)} files transpiled, ${m((s) => s.timings.reused)} reused) + settle ${m((s) => s.timings.settleMs)}`,
    );
  });
  return median(walls);
}

function measureBundle(): void {
  const entry = path.join(ROOT, "infra/functions/validator/index.ts");
  const t0 = performance.now();
  bundleHandler(entry);
  const first = performance.now() - t0;
  const again: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    bundleHandler(entry);
    again.push(performance.now() - t);
  }
  console.log(
    `esbuild bundle of infra/functions/validator: first ${first.toFixed(0)} ms, unchanged sources ${median(again).toFixed(1)} ms (cached in-process)`,
  );
}

async function main(): Promise<void> {
  console.log(
    `\n${RUNS} runs each in ${ROOT}; ${os.cpus().length} cores, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  const payments = path.join(ROOT, "examples/payments");
  const cold = await measure(
    "1 stack (reference dev), no compile or type-check cache on disk",
    [{ projectDir: ROOT, stack: "dev" }],
    false,
  );
  const warm = await measure("1 stack (reference dev), caches on disk (anchor)", [{ projectDir: ROOT, stack: "dev" }]);
  console.log(`  cold / warm: ${(cold / warm).toFixed(2)}×`);
  const three = await measure(
    "3 reference stacks, one child",
    REFERENCE.map((stack) => ({ projectDir: ROOT, stack })),
  );
  // The V8 code cache of installed modules alone (the SDK, @pulumi/aws, TypeScript): the other caches stay on.
  const noCodeCache = await measure(
    "3 reference stacks, one child, no V8 code cache (ENV_PARITY_COMPILE_CACHE=0)",
    REFERENCE.map((stack) => ({ projectDir: ROOT, stack })),
    true,
    { ENV_PARITY_COMPILE_CACHE: "0" },
  );
  console.log(`  without / with the code cache: ${(noCodeCache / three).toFixed(2)}×`);
  await measure(
    "3 payments stacks, one child",
    REFERENCE.map((stack) => ({ projectDir: payments, stack })),
  );
  measureBundle();
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
