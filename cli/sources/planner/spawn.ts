/**
 * The parent side of a batch: starts the child process (./child.ts) in the project directory with a heap limit,
 * sends it the stacks, gives each stack a wall-time limit, and turns a stopped, crashed or exhausted child into a
 * one-line failure of the stack it was running; the stacks after it go on in a fresh child.
 */
import { type ChildProcess, fork } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ChildMessage, PlanWorkerInput, PlanWorkerResult } from "./types";

export interface PlanLimits {
  /** Wall time one stack may take (default: PARITY_PLAN_TIMEOUT_S seconds, else 120 s). */
  readonly timeoutMs?: number;
  /** Heap limit of the child (`--max-old-space-size`, default: PARITY_PLAN_MAX_MB, else 2048). */
  readonly maxMemoryMb?: number;
}

function envNumber(name: string): number | undefined {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

export function resolveLimits(limits: PlanLimits = {}): Required<PlanLimits> {
  return {
    timeoutMs: limits.timeoutMs ?? (envNumber("PARITY_PLAN_TIMEOUT_S") ?? 120) * 1000,
    maxMemoryMb: limits.maxMemoryMb ?? envNumber("PARITY_PLAN_MAX_MB") ?? 2048,
  };
}

const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");

/**
 * The child's script: the compiled child.js next to this file, or (when the planner runs from its TypeScript
 * sources, as under jest) the sources bundled once into a cached script; the program's own ts-node never compiles
 * the planner.
 */
function childScript(): string {
  const js = path.join(__dirname, "child.js");
  if (__filename.endsWith(".js") && fs.existsSync(js)) return js;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require("esbuild") as typeof import("esbuild");
  const out = esbuild.buildSync({
    entryPoints: [path.join(__dirname, "child.ts")],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    packages: "external",
    write: false,
    logLevel: "silent",
  });
  const text = out.outputFiles[0].text;
  const dir = path.join(REPO_ROOT, "node_modules", ".cache", "env-parity-plan");
  const file = path.join(dir, `child-${createHash("sha256").update(text).digest("hex").slice(0, 16)}.js`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  }
  return file;
}

let script: string | undefined;

const failure = (message: string, detail = message): PlanWorkerResult => ({
  ok: false,
  kind: "program",
  message,
  detail,
});

/** Runs one child over `inputs`; resolves with what it reported, and the index it was running when it stopped, if any. */
function runChild(
  inputs: PlanWorkerInput[],
  limits: Required<PlanLimits>,
  got: (index: number, result: PlanWorkerResult, raw?: Record<string, unknown>) => void,
): Promise<{ stoppedAt?: number; why?: string }> {
  script ??= childScript();
  return new Promise((resolve) => {
    const child: ChildProcess = fork(script!, [], {
      cwd: inputs[0].projectDir,
      execArgv: [`--max-old-space-size=${limits.maxMemoryMb}`],
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      serialization: "advanced",
    });
    let current: number | undefined;
    let stderr = "";
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let why: string | undefined;
    const seconds = Math.round(limits.timeoutMs / 100) / 10;
    const arm = (ms: number, what: string) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        why = what;
        child.kill("SIGKILL");
      }, ms);
    };
    // Booting (TypeScript, a type check on a cold cache) gets twice a stack's time.
    arm(limits.timeoutMs * 2, `the planner did not start within ${seconds * 2} s`);
    child.stderr?.on("data", (d: Buffer) => {
      stderr = (stderr + String(d)).slice(-8192);
    });
    child.on("message", (m: ChildMessage) => {
      if (m.type === "start") {
        current = m.index;
        arm(
          limits.timeoutMs,
          `stopped after ${seconds} s: the program did not finish within the planner's time limit (PARITY_PLAN_TIMEOUT_S)`,
        );
      } else if (m.type === "result") {
        current = undefined;
        clearTimeout(timer);
        got(m.index, m.result, m.raw);
      } else if (m.type === "done") done = true;
    });
    child.on("error", (e) => {
      why ??= `the planner could not start a process: ${e.message}`;
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (done) return resolve({});
      if (!why) {
        if (/heap out of memory|Allocation failed/i.test(stderr))
          why = `stopped: the program ran out of memory (limit ${limits.maxMemoryMb} MB, PARITY_PLAN_MAX_MB)`;
        else if (code === 0 && current !== undefined)
          why = "the program never finished: it left promises that never settle and nothing else to do";
        else
          why = `the program's process exited (${signal ?? `code ${code}`})${stderr.trim() ? `: ${stderr.trim().split("\n").pop()}` : ""}`;
      }
      resolve({ stoppedAt: current, why });
    });
    child.send({ inputs, startedAt: Date.now() });
  });
}

/**
 * Plans `inputs` (one project setup) in child processes: every input gets a result. A stack that exceeds a limit
 * gets a failure naming the limit; the rest of the batch continues in a new child, reading the outputs of the
 * stacks planned so far.
 */
export async function runBatch(
  inputs: readonly PlanWorkerInput[],
  limits: PlanLimits = {},
  /** Each stack's result as soon as it is final (the batch goes on): `parity check` starts the pack on it. */
  onResult?: (index: number, result: PlanWorkerResult) => void,
): Promise<PlanWorkerResult[]> {
  const resolved = resolveLimits(limits);
  const results: (PlanWorkerResult | undefined)[] = new Array(inputs.length);
  const planned: Record<string, Record<string, unknown>> = {};
  for (;;) {
    const remaining = inputs.map((_, i) => i).filter((i) => !results[i]);
    if (remaining.length === 0) break;
    const batch = remaining.map((i) => ({ ...inputs[i], stackOutputs: { ...planned, ...inputs[i].stackOutputs } }));
    const { stoppedAt, why } = await runChild(batch, resolved, (index, result, raw) => {
      results[remaining[index]] = result;
      const input = inputs[remaining[index]];
      if (raw) planned[`${input.project}/${input.stack}`] = planned[input.stack] = raw;
      onResult?.(remaining[index], result);
    });
    if (why === undefined) continue;
    if (stoppedAt !== undefined) {
      results[remaining[stoppedAt]] = failure(why);
      onResult?.(remaining[stoppedAt], results[remaining[stoppedAt]]!);
    } else
      for (const i of remaining)
        if (!results[i]) {
          results[i] = failure(why);
          onResult?.(i, results[i]);
        }
  }
  return results as PlanWorkerResult[];
}
