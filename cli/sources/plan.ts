/**
 * The offline planner: runs a Pulumi TypeScript program for one stack under `pulumi.runtime.setMocks` and returns
 * every resource it registers as a {@link Snapshot} (source `plan`). Used by the infra tests, the policy-pack tests
 * and `parity` when no AWS or Pulumi CLI is at hand.
 *
 * Each stack runs in its own worker thread (the Pulumi runtime is process-global), set up as the engine's
 * nodejs language host sets up a program: the project's `@pulumi/pulumi`, ts-node registered by the same code
 * path as `cmd/run` (transpile-only, the project's tsconfig), config passed as strings with the secret keys
 * flagged, the program `require`d from `<projectDir>/<main>` inside `runInPulumiStack`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { parse as parseYaml } from "yaml";
import type { Snapshot, SnapshotResource } from "../../consistency-rules/src/model";
import { SECRET_PLACEHOLDER, SECRET_SIG, SIG_KEY, isSecret } from "../../consistency-rules/src/sentinels";
import { readStackConfigFile } from "../../consistency-rules/src/config";
import { InputError, InputErrors } from "../util/errors";
import { readProject } from "../util/project";
import { readTextFile } from "../util/files";
import type { PlanTimings, PlanWorkerInput, PlanWorkerResult } from "./plan-worker";

export interface PlanOptions {
  /** Directory holding `Pulumi.yaml` and `Pulumi.<stack>.yaml`. */
  readonly projectDir: string;
  readonly stack: string;
  /** Outputs of other stacks, by stack name (or `org/project/stack`), for `pulumi.StackReference`. */
  readonly stackOutputs?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/**
 * A program that failed for a reason other than its config (a throw, a failed registration, an unresolvable
 * `pulumi.StackReference`). `message` is one line: `planning stack <stack> failed: <first line of the error>`;
 * the full text (stack trace) is in `detail`.
 */
export class ProgramError extends Error {
  override readonly name = "ProgramError";
  constructor(
    readonly stackName: string,
    readonly firstLine: string,
    readonly detail: string = firstLine,
  ) {
    super(`planning stack ${stackName} failed: ${firstLine}`);
  }
}

/** How long one stack may take before the planner gives up (a program that never settles is a bug). */
const PLAN_TIMEOUT_MS = 120_000;

/** `main` of Pulumi.yaml, resolved against the project directory (default: the directory itself). */
function programPath(projectFile: string, projectDir: string): string {
  const doc = parseYaml(readTextFile(projectFile)) as Record<string, unknown> | null;
  const main = doc?.main ?? ".";
  if (typeof main !== "string" || main === "") throw new InputError(projectFile, "main", "must be a path relative to the project directory");
  const program = path.resolve(projectDir, main);
  if (!fs.existsSync(program)) throw new InputError(projectFile, "main", `names ${JSON.stringify(main)}, which does not exist`);
  return program;
}

/** Config as the engine hands it to a program: strings (structured values as JSON), secrets flagged. */
export function engineConfig(values: Readonly<Record<string, unknown>>): { config: Record<string, string>; secretKeys: string[]; snapshotConfig: Record<string, unknown> } {
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const snapshotConfig: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (isSecret(value)) {
      // No decryption key offline: the program sees a placeholder, as a secret.
      config[key] = SECRET_PLACEHOLDER;
      secretKeys.push(key);
      snapshotConfig[key] = { [SIG_KEY]: SECRET_SIG };
      continue;
    }
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
    snapshotConfig[key] = value;
  }
  return { config, secretKeys, snapshotConfig };
}

/** Registers ts-node like `@pulumi/pulumi/cmd/run` does, then loads the worker module. Runs in the worker. */
const BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
const fs = require("node:fs");
const path = require("node:path");
const crypto = require("node:crypto");
const tsutils = require(path.join(workerData.pulumiDir, "tsutils"));
const tsConfigPath = path.join(workerData.projectDir, "tsconfig.json");
const skipProject = !fs.existsSync(tsConfigPath);
const compilerOptions = tsutils.loadTypeScriptCompilerOptions(tsConfigPath);
const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
// Resolved as tsutils resolves them (from the SDK's own location), not from this eval'd script's cwd.
const fromSdk = (id) => (path.isAbsolute(id) ? id : require.resolve(id, { paths: [workerData.pulumiDir] }));
const tsnode = require(fromSdk(tsnodeRequire));
globalThis.__planTsNodeVersion = tsnode.VERSION;
const service = tsnode.register({
  compiler: fromSdk(typescriptRequire),
  transpileOnly: true,
  project: tsConfigPath,
  skipProject,
  compilerOptions: { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: "true", ...compilerOptions },
});
// Stacks of one worker load the same program files afresh, and runs of the planner load the same files again:
// each file is transpiled once per source text, options and TypeScript version (in memory, and on disk under the
// SDK's node_modules/.cache unless ENV_PARITY_PLAN_CACHE=0; ts-node keeps no such cache). Output served from a cache is registered for source maps,
// as ts-node registers what it compiles.
const timings = (globalThis.__planTimings = { bootMs: 0, transpileMs: 0, transpiled: 0, reused: 0 });
const compile = service.compile;
const compiled = new Map();
const cacheDir = process.env.ENV_PARITY_PLAN_CACHE === "0" ? undefined : path.resolve(workerData.pulumiDir, "..", "..", ".cache", "env-parity-plan");
const optionsKey = JSON.stringify([service.ts.version, tsnode.VERSION, service.config.options]);
const cacheFile = (fileName, code) =>
  path.join(cacheDir, crypto.createHash("sha256").update(optionsKey).update("\\0").update(fileName).update("\\0").update(code).digest("hex") + ".js");
require(require.resolve("@cspotcode/source-map-support", { paths: [path.dirname(fromSdk(tsnodeRequire))] })).install({
  retrieveFile: (file) => compiled.get(file)?.output ?? "",
});
service.compile = (code, fileName, lineOffset) => {
  const hit = compiled.get(fileName);
  if (hit && hit.code === code && !lineOffset) return (timings.reused++, hit.output);
  const t = performance.now();
  const file = lineOffset || !cacheDir ? undefined : cacheFile(fileName, code);
  let output;
  try {
    if (file) output = fs.readFileSync(file, "utf8");
  } catch {}
  if (output === undefined) {
    output = compile(code, fileName, lineOffset);
    timings.transpiled++;
    if (file) {
      try {
        fs.mkdirSync(cacheDir, { recursive: true });
        const tmp = file + "." + process.pid + "." + require("node:worker_threads").threadId;
        fs.writeFileSync(tmp, output);
        fs.renameSync(tmp, file);
      } catch {}
    }
  } else timings.reused++;
  timings.transpileMs += performance.now() - t;
  if (!lineOffset) compiled.set(fileName, { code, output });
  return output;
};
// The SDK records a stack trace on every promise it makes, shown only with PULUMI_DEBUG_PROMISE_LEAKS set; formatting
// (and source-mapping) them costs more than the plan itself. Unless that variable is set they are left unformatted;
// every other stack trace is formatted and mapped as before.
const mapped = Error.prepareStackTrace;
if (mapped && !process.env.PULUMI_DEBUG_PROMISE_LEAKS) {
  Error.prepareStackTrace = (error, frames) =>
    frames.length > 0 && frames[0].getFunctionName() === "debuggablePromise" ? String(error) : mapped(error, frames);
}
timings.bootMs = Date.now() - workerData.startedAt;
require(workerData.workerModule);
`;

function workerModule(): string {
  const ts = path.join(__dirname, "plan-worker.ts");
  const js = path.join(__dirname, "plan-worker.js");
  return __filename.endsWith(".ts") || !fs.existsSync(js) ? ts : js;
}

function runWorker(inputs: readonly PlanWorkerInput[]): Promise<PlanWorkerResult[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(BOOTSTRAP, {
      eval: true,
      workerData: { __planWorker: true, startedAt: Date.now(), inputs, projectDir: inputs[0].projectDir, pulumiDir: path.dirname(inputs[0].pulumiModule), workerModule: workerModule() },
      stdout: true, // the program's console output is not the planner's
      stderr: true,
    });
    const what = `planning ${inputs.map((i) => `${i.stack} of ${i.projectDir}`).join(", ")}`;
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
      void worker.terminate();
    };
    const timer = setTimeout(() => finish(() => reject(new Error(`${what} timed out after ${PLAN_TIMEOUT_MS} ms`))), PLAN_TIMEOUT_MS * inputs.length);
    let stderr = "";
    worker.stderr.on("data", (d) => (stderr += String(d)));
    worker.stdout.resume();
    worker.on("message", (m: PlanWorkerResult[]) => finish(() => resolve(m)));
    worker.on("error", (e) => finish(() => reject(e)));
    worker.on("exit", (code) => finish(() => reject(new Error(`${what}: worker exited with code ${code}${stderr ? `: ${stderr.trim().split("\n")[0]}` : ""}`))));
  });
}

interface Prepared {
  readonly input: PlanWorkerInput;
  readonly stackFile: string;
  readonly snapshotConfig: Record<string, unknown>;
  readonly accountId?: string;
  readonly region?: string;
  readonly suffix?: string;
}

/** Reads Pulumi.yaml and Pulumi.<stack>.yaml (InputErrors for bad files) and builds what the worker needs. */
function prepare(options: PlanOptions): Prepared {
  const projectDir = path.resolve(options.projectDir);
  const project = readProject(projectDir);
  const program = programPath(project.file, projectDir);
  const stackFile = path.join(projectDir, `Pulumi.${options.stack}.yaml`);
  if (!fs.existsSync(stackFile)) throw new InputError(stackFile, "", `does not exist: no stack ${JSON.stringify(options.stack)} in ${projectDir}`);
  const { values } = readStackConfigFile(stackFile);
  const { config, secretKeys, snapshotConfig } = engineConfig(values);

  let pulumiModule: string;
  try {
    pulumiModule = require.resolve("@pulumi/pulumi", { paths: [projectDir] });
  } catch {
    throw new InputError(project.file, "", "project has no @pulumi/pulumi installed (run npm install in the project)");
  }
  const str = (v: unknown) => (typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined);
  const accountId = str(values[`${project.name}:accountId`]);
  const region = str(values["aws:region"]);
  const suffix = str(values[`${project.name}:environmentSuffix`]);
  return {
    input: {
      projectDir,
      program,
      pulumiModule,
      project: project.name,
      stack: options.stack,
      config,
      secretKeys,
      stackOutputs: (options.stackOutputs ?? {}) as Record<string, Record<string, unknown>>,
      accountId: accountId ?? "123456789012",
      region: region ?? "us-east-1",
    },
    stackFile,
    snapshotConfig,
    accountId,
    region,
    suffix,
  };
}

function toSnapshot(p: Prepared, result: PlanWorkerResult): Snapshot {
  const { input, stackFile } = p;
  if (!result.ok) {
    if (result.kind === "config") {
      // The program names the file `Pulumi.<stack>.yaml`; report the path the planner read.
      throw new InputErrors(result.errors.map((e) => new InputError(e.file === path.basename(stackFile) ? stackFile : e.file, e.pointer, e.problem)));
    }
    if (result.kind === "deferred") throw new ProgramError(input.stack, "left unplanned (internal: deferred reference)");
    throw new ProgramError(input.stack, result.message, result.detail);
  }
  const resources: SnapshotResource[] = result.resources.map((r) => ({
    urn: r.urn,
    type: r.type,
    name: r.name,
    custom: r.custom,
    ...(r.parent && { parent: r.parent }),
    ...(r.provider && { provider: r.provider }),
    dependencies: r.dependencies,
    ...(r.protect !== undefined && { protect: r.protect }),
    ...(r.retainOnDelete !== undefined && { retainOnDelete: r.retainOnDelete }),
    ...(r.ignoreChanges && { ignoreChanges: r.ignoreChanges }),
    ...(r.deleteBeforeReplace && { deleteBeforeReplace: true }),
    ...(r.replaceOnChanges && { replaceOnChanges: r.replaceOnChanges }),
    props: r.props,
    ...(r.outputs && { outputs: r.outputs }),
  }));
  return {
    context: {
      env: input.stack,
      stack: input.stack,
      project: input.project,
      ...(p.accountId && { accountId: p.accountId }),
      ...(p.region && { region: p.region }),
      ...(p.suffix && { suffix: p.suffix }),
    },
    source: "plan",
    origin: stackFile,
    resources,
    config: p.snapshotConfig,
    outputs: result.outputs,
  };
}

/**
 * Plans one stack of the project at `projectDir`. Bad config → {@link InputErrors} (one line each); a broken program
 * (or a StackReference to a stack not in `stackOutputs`) → {@link ProgramError}.
 */
export async function planStack(options: PlanOptions): Promise<Snapshot> {
  const [snapshot] = await planStacks(options.projectDir, [options.stack], options.stackOutputs);
  return snapshot;
}

/**
 * Plans several stacks of one project; throws the first problem, in the order given. A `pulumi.StackReference` to
 * another stack of the batch reads that stack's planned outputs (it is planned first).
 */
export async function planStacks(projectDir: string, stacks: readonly string[], stackOutputs?: PlanOptions["stackOutputs"]): Promise<Snapshot[]> {
  const settled = await planAll(stacks.map((stack) => ({ projectDir, stack, stackOutputs })));
  return settled.map((r) => {
    if (r.status === "rejected") throw r.reason;
    return r.value;
  });
}

/** Optional observer of {@link planAll} (the bench): where each successfully planned stack's time went. */
export interface PlanObserver {
  timings?(requestIndex: number, ms: number, timings: PlanTimings): void;
}

/**
 * Plans any stacks of any projects, one worker per SDK installation and tsconfig, stacks one after the other inside it (each
 * with fresh runtime state and program modules); every request gets its own result or error. A stack whose program
 * reads `pulumi.StackReference("<org>/<project>/<stack>")` of another stack in the same worker gets that stack's
 * planned outputs (the referenced stack is planned first); a reference that is neither in `stackOutputs` nor planned
 * in the batch fails that plan ({@link ProgramError} naming it).
 */
export async function planAll(requests: readonly PlanOptions[], observe?: PlanObserver): Promise<PromiseSettledResult<Snapshot>[]> {
  const settled: PromiseSettledResult<Snapshot>[] = new Array(requests.length);
  const groups = new Map<string, { index: number; prepared: Prepared }[]>();
  requests.forEach((req, index) => {
    try {
      const prepared = prepare(req);
      // One worker per SDK and TypeScript setup (ts-node is registered once per worker, as the engine does per run).
      const tsconfig = path.join(prepared.input.projectDir, "tsconfig.json");
      const key = `${prepared.input.pulumiModule}\0${fs.existsSync(tsconfig) ? fs.readFileSync(tsconfig, "utf8") : ""}`;
      const group = groups.get(key) ?? [];
      group.push({ index, prepared });
      groups.set(key, group);
    } catch (reason) {
      settled[index] = { status: "rejected", reason };
    }
  });
  await Promise.all(
    [...groups.values()].map(async (group) => {
      let results: PlanWorkerResult[];
      try {
        results = await runWorker(group.map((g) => g.prepared.input));
      } catch (reason) {
        for (const g of group) settled[g.index] = { status: "rejected", reason };
        return;
      }
      group.forEach((g, i) => {
        const r = results[i];
        if (r.ok && r.timings) observe?.timings?.(g.index, r.ms, r.timings);
        try {
          settled[g.index] = { status: "fulfilled", value: toSnapshot(g.prepared, results[i]) };
        } catch (reason) {
          settled[g.index] = { status: "rejected", reason };
        }
      });
    }),
  );
  return settled;
}
