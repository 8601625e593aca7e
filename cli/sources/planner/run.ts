/**
 * Runs stacks of a Pulumi program under `pulumi.runtime.setMocks` in this process (the planner's child), each with
 * its own runtime state, recording every registration the SDK sends to the (mock) resource monitor.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as PulumiModule from "@pulumi/pulumi";
import { SECRET_SIG, SIG_KEY } from "../../../consistency-rules/src/sentinels";
import { captureResource, compactWire, type ResourceRequest, type ResourceResponse } from "./capture";
import { mockInvoke } from "./invokes";
import { mockOutputs, withAutoName } from "./outputs";
import { bootTimings } from "./boot-timings";
import type { CapturedResource, PlanTimings, PlanWorkerInput, PlanWorkerResult } from "./types";

type Struct = { toJavaScript(): Record<string, unknown> } | undefined;
interface OutputsRequest {
  getUrn(): string;
  getOutputs(): Struct;
}
type Callback = (err: unknown, resp?: ResourceResponse) => void;
type MonitorMethod = (req: ResourceRequest & OutputsRequest, cb: Callback) => void;

/** How a `pulumi.StackReference` is answered: outputs, "plan stack #i of the batch first", or a one-line failure. */
export type ReferenceAnswer = { outputs: Record<string, unknown> } | { defer: number } | { error: string };
export type ReferenceResolver = (ref: string) => ReferenceAnswer;

/** Thrown by the mock when a reference must wait for another stack of the batch; ends the plan without a result. */
class DeferPlan extends Error {
  constructor(readonly needs: number) {
    super(`deferred until stack #${needs} of the batch is planned`);
  }
}

/** The first non-empty line of an error message, without a leading `Error: `. */
export function firstLine(text: string): string {
  const line =
    text
      .split("\n")
      .map((l) => l.trim())
      .find((l) => l !== "") ?? "";
  return (
    line.replace(/^(?:[A-Za-z]*Error|Running program '[^']*' failed with an unhandled exception):\s*/, "") ||
    text.trim()
  );
}

function secretNames(outputs: Record<string, unknown>): string[] {
  return Object.entries(outputs)
    .filter(([, v]) => typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG)
    .map(([k]) => k);
}

export function lookupStackOutputs(
  all: Record<string, Record<string, unknown>>,
  ref: string,
): Record<string, unknown> | undefined {
  if (all[ref]) return all[ref];
  const last = ref.split("/").pop() ?? ref;
  return all[last];
}

const awsDirs = new Map<string, string | undefined>();
/** The project's `@pulumi/aws` directory (its declarations say which resources are auto-named). */
function awsDirOf(projectDir: string): string | undefined {
  if (!awsDirs.has(projectDir)) {
    let dir: string | undefined;
    try {
      dir = path.dirname(require.resolve("@pulumi/aws/package.json", { paths: [projectDir] }));
    } catch {
      dir = undefined;
    }
    awsDirs.set(projectDir, dir);
  }
  return awsDirs.get(projectDir);
}

/** Raw (uncompacted) stack outputs of the last successful {@link runPlan}: what a StackReference to it reads. */
let lastRawOutputs: Record<string, unknown> = {};
export const lastOutputs = (): Record<string, unknown> => lastRawOutputs;

export async function runPlan(
  input: PlanWorkerInput,
  resolveReference: ReferenceResolver = defaultResolver(input),
): Promise<PlanWorkerResult> {
  const t0 = Date.now();
  const boot0 = { ...bootTimings() };
  let loadedAt = t0;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pulumi: typeof PulumiModule = require(input.pulumiModule);
  const awsDir = awsDirOf(input.projectDir);
  const captured = new Map<string, CapturedResource>();
  const order: string[] = [];
  const providers = new Map<string, { account: string; region: string }>();
  const indeterminate = new Set<string>();
  let stackUrn = "";
  let rawStackOutputs: Record<string, unknown> = {};
  const logged: string[] = [];
  let deferred: DeferPlan | undefined;
  let referenceError: string | undefined;

  const contextOf = (providerRef?: string) => {
    if (!providerRef) return { account: input.accountId, region: input.region };
    const urn = providerRef.split("::").slice(0, -1).join("::");
    return providers.get(urn) ?? { account: input.accountId, region: input.region };
  };

  const mocks: PulumiModule.runtime.Mocks = {
    newResource(args) {
      if (args.type === "pulumi:pulumi:StackReference") {
        const ref = String(args.inputs.name ?? args.name);
        const answer = resolveReference(ref);
        if ("defer" in answer) throw (deferred ??= new DeferPlan(answer.defer));
        if ("error" in answer) throw new Error((referenceError ??= answer.error));
        return {
          id: ref,
          state: { name: ref, outputs: answer.outputs, secretOutputNames: secretNames(answer.outputs) },
        };
      }
      if (!args.custom) return { id: "", state: {} };
      const { account, region } = contextOf(args.provider);
      const inputs = withAutoName(awsDir, input.stack, args.type, args.name, args.inputs);
      const { id, state } = mockOutputs(args.type, args.name, inputs, account, region);
      return { id, state: { ...inputs, ...state } };
    },
    call(args) {
      const { account, region } = contextOf(args.provider);
      const answer = mockInvoke(args.token, args.inputs, account, region);
      if (answer === undefined) indeterminate.add(args.token);
      return answer ?? {};
    },
  };

  await pulumi.runtime.setMocks(mocks, input.project, input.stack, true);
  pulumi.runtime.setAllConfig(input.config, input.secretKeys);

  // Record what the SDK sends to the resource monitor (the mock monitor itself keeps only name/type/inputs).
  const monitor = pulumi.runtime.getMonitor() as unknown as Record<string, MonitorMethod>;
  const record = (req: ResourceRequest, resp: ResourceResponse, custom: boolean, kind: "register" | "read") => {
    const type = req.getType();
    let props = (req.getObject ? req.getObject() : req.getProperties?.())?.toJavaScript() ?? {};
    if (custom && kind === "register") props = withAutoName(awsDir, input.stack, type, req.getName(), props);
    const r = captureResource(req, resp, custom, kind, props, input.projectDir);
    if (type === "pulumi:pulumi:Stack") stackUrn = r.urn;
    if (type.startsWith("pulumi:providers:")) {
      const allowed = props.allowedAccountIds;
      providers.set(r.urn, {
        account: Array.isArray(allowed) && typeof allowed[0] === "string" ? allowed[0] : input.accountId,
        region: typeof props.region === "string" ? props.region : input.region,
      });
    }
    if (!captured.has(r.urn)) order.push(r.urn);
    captured.set(r.urn, r);
  };
  for (const [method, kind] of [
    ["registerResource", "register"],
    ["readResource", "read"],
  ] as const) {
    const original = monitor[method].bind(monitor);
    monitor[method] = (req, cb) =>
      original(req, (err, resp) => {
        if (!err && resp) record(req, resp, kind === "read" ? true : Boolean(req.getCustom?.()), kind);
        cb(err, resp);
      });
  }
  const originalOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req, cb) => {
    const r = captured.get(req.getUrn());
    if (r && !r.custom) {
      const raw = req.getOutputs()?.toJavaScript() ?? {};
      if (r.urn === stackUrn) rawStackOutputs = raw;
      r.outputs = captureOutputs(raw);
    }
    originalOutputs(req, cb);
  };
  // A failed registration can leave the program's promises pending forever (the engine would end the run on the
  // logged error): the first error, logged or unhandled, ends the wait shortly after, so the batch goes on.
  let failure: unknown;
  let giveUp: () => void = () => undefined;
  const failed = new Promise<void>((resolve) => (giveUp = () => setTimeout(resolve, 250)));
  const logError = pulumi.log.error;
  (pulumi.log as { error: typeof pulumi.log.error }).error = (msg: string, ...rest) => {
    logged.push(msg);
    giveUp();
    return logError(msg, ...rest);
  };
  const onRejection = (e: unknown) => {
    failure ??= e;
    giveUp();
  };
  process.on("unhandledRejection", onRejection);
  process.on("uncaughtException", onRejection);
  try {
    const run = (async () => {
      await pulumi.runtime.runInPulumiStack(async () => {
        // As cmd/run: require the program (a folder must end in "/"), call an exported function, await the result.
        const program = fs.statSync(input.program).isDirectory() ? input.program + path.sep : input.program;
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const exported = require(program);
        const outputs = exported instanceof Function ? await exported() : exported;
        loadedAt = Date.now();
        return outputs;
      });
      await pulumi.runtime.disconnect();
    })();
    await Promise.race([run, failed]);
  } catch (e) {
    failure ??= e;
  } finally {
    // A failed program can leave further rejections of its promises: Node reports them once the microtasks drain.
    await new Promise((resolve) => setImmediate(resolve));
    process.off("unhandledRejection", onRejection);
    process.off("uncaughtException", onRejection);
    (pulumi.log as { error: typeof pulumi.log.error }).error = logError;
  }

  if (deferred) return { ok: false, kind: "deferred", needs: deferred.needs };
  if (referenceError) return { ok: false, kind: "program", message: referenceError, detail: referenceError };
  if (failure !== undefined) {
    const errs = (failure as { errors?: unknown }).errors;
    if (Array.isArray(errs) && errs.every((e) => e && typeof e.file === "string" && typeof e.problem === "string")) {
      return {
        ok: false,
        kind: "config",
        errors: errs.map((e) => ({ file: e.file, pointer: e.pointer ?? "", problem: e.problem })),
      };
    }
    const isRun = pulumi.RunError.isInstance(failure);
    const message = failure instanceof Error ? failure.message : String(failure);
    const detail =
      failure instanceof Error ? (isRun ? failure.message : String(failure.stack ?? failure.message)) : String(failure);
    return { ok: false, kind: "program", message: firstLine(message), detail };
  }
  if (logged.length > 0)
    return { ok: false, kind: "program", message: firstLine(logged.join("\n")), detail: logged.join("\n") };

  const resources = order.map((u) => captured.get(u)!);
  const stack = captured.get(stackUrn);
  lastRawOutputs = rawStackOutputs;
  const tsNode = (globalThis as { __planTsNodeVersion?: string }).__planTsNodeVersion;
  const boot = bootTimings();
  const end = Date.now();
  const timings: PlanTimings = {
    bootMs: Math.round(boot.bootMs),
    typecheckMs: Math.round(boot.typecheckMs),
    typecheckCached: boot.typecheckCached,
    transpileMs: Math.round(boot.transpileMs - boot0.transpileMs),
    transpiled: boot.transpiled - boot0.transpiled,
    reused: boot.reused - boot0.reused,
    loadMs: loadedAt - t0,
    settleMs: end - loadedAt,
  };
  return {
    ok: true,
    resources,
    outputs: stack?.outputs ?? {},
    ms: end - t0,
    ...(tsNode && { tsNode }),
    timings,
    ...(indeterminate.size > 0 && { indeterminate: [...indeterminate].sort() }),
  };
}

function captureOutputs(raw: Record<string, unknown>): Record<string, unknown> {
  return compactWire(raw) as Record<string, unknown>;
}

/** References answered from `stackOutputs` only (a plan outside a batch). */
function defaultResolver(input: PlanWorkerInput): ReferenceResolver {
  return (ref) => {
    const outputs = lookupStackOutputs(input.stackOutputs, ref);
    return outputs
      ? { outputs }
      : {
          error: `stack ${input.stack} reads StackReference ${JSON.stringify(ref)}, which is neither given in stackOutputs nor planned in this batch`,
        };
  };
}

/** `org/project/stack`, `project/stack` or `stack` → its parts. */
function parseStackName(ref: string): { project?: string; stack: string } {
  const parts = ref.split("/");
  return parts.length >= 2 ? { project: parts[parts.length - 2], stack: parts[parts.length - 1] } : { stack: ref };
}

/** The index of the batch input `ref` names (same stack, and same project when `ref` names one), if any. */
export function batchIndexOf(inputs: readonly Pick<PlanWorkerInput, "project" | "stack">[], ref: string): number {
  const { project, stack } = parseStackName(ref);
  return inputs.findIndex((i) => i.stack === stack && (project === undefined || i.project === project));
}

/** The modules loaded before any program ran: the planner's own (ts-node, the SDK's tsutils, this file, its imports). */
const plannerModules = new Set(Object.keys(require.cache));

/**
 * The rules library is pure (no Pulumi, no program state; only caches such as compiled schemas), so programs that import
 * it from source share one copy across stacks instead of recompiling the rules' meta-schema per stack.
 */
const STATELESS_LIBRARY = `${path.sep}consistency-rules${path.sep}src${path.sep}`;

/** Forgets every module a program loaded outside node_modules, so the next stack runs the program afresh. */
function forgetProgramModules(): void {
  for (const key of Object.keys(require.cache)) {
    if (
      !plannerModules.has(key) &&
      !key.includes(`${path.sep}node_modules${path.sep}`) &&
      !key.includes(STATELESS_LIBRARY)
    )
      delete require.cache[key];
  }
}

/** Another stack of the same project that a reference names and that has a stack config file: planned first, on demand. */
function referencedStackOf(input: PlanWorkerInput, ref: string): PlanWorkerInput | undefined {
  const { project, stack } = parseStackName(ref);
  if (project !== undefined && project !== input.project) return undefined;
  if (!/^[A-Za-z0-9_.-]+$/.test(stack) || !fs.existsSync(path.join(input.projectDir, `Pulumi.${stack}.yaml`)))
    return undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { prepareInput } = require("./project") as typeof import("./project");
    return prepareInput(input.projectDir, stack, input.stackOutputs).input;
  } catch {
    return undefined;
  }
}

export interface PlanEvents {
  /** Before a stack runs (in its working directory): a failure that stands for its result (a type error), if any. */
  before?(input: PlanWorkerInput): PlanWorkerResult | undefined;
  start?(index: number): void;
  result?(index: number, result: PlanWorkerResult, raw: Record<string, unknown> | undefined): void;
}

/**
 * Plans stacks one after the other in this process, each with its own Pulumi runtime state (a fresh `LocalStore`
 * through the SDK's `withLocalStorage`) and freshly loaded program modules. A StackReference to another stack of
 * the batch waits for it; one to a stack of the same project outside the batch plans that stack first (it is not
 * part of the results); a cycle is a failure naming it.
 */
export async function runPlans(
  given: readonly PlanWorkerInput[],
  events: PlanEvents = {},
): Promise<PlanWorkerResult[]> {
  const inputs = [...given];
  const results: (PlanWorkerResult | undefined)[] = new Array(inputs.length);
  const outputsOf = new Map<number, Record<string, unknown>>();
  const waitsFor = new Map<number, number>();
  const queue = inputs.map((_, i) => i);
  while (queue.length > 0) {
    const index = queue.shift()!;
    const input = inputs[index];
    const resolve: ReferenceResolver = (ref) => {
      const givenOutputs = lookupStackOutputs(input.stackOutputs, ref);
      if (givenOutputs) return { outputs: givenOutputs };
      let other = batchIndexOf(inputs, ref);
      if (other < 0) {
        const extra = referencedStackOf(input, ref);
        if (!extra) return defaultResolver(input)(ref);
        other = inputs.push(extra) - 1;
      }
      if (other === index)
        return { error: `stack ${input.stack} reads StackReference ${JSON.stringify(ref)}, i.e. its own outputs` };
      const planned = outputsOf.get(other);
      if (planned) return { outputs: planned };
      const done = results[other];
      if (done)
        return {
          error: `stack ${input.stack} reads StackReference ${JSON.stringify(ref)}, whose plan failed${!done.ok && done.kind === "program" ? `: ${done.message}` : ""}`,
        };
      const chain = [input.stack];
      for (let w = waitsFor.get(other); w !== undefined; w = waitsFor.get(w)) {
        if (w === index) {
          return {
            error: `stack ${input.stack} reads StackReference ${JSON.stringify(ref)}, which reads ${input.stack} (a cycle: ${[...chain, inputs[other].stack, input.stack].join(" → ")})`,
          };
        }
      }
      return { defer: other };
    };
    forgetProgramModules();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const state = require(path.join(path.dirname(input.pulumiModule), "runtime", "state")) as {
      withLocalStorage<T>(fn: () => T): T;
    };
    if (index < given.length) events.start?.(index);
    // As the host runs a program: in its project directory.
    if (process.cwd() !== input.projectDir) process.chdir(input.projectDir);
    const result = events.before?.(input) ?? (await state.withLocalStorage(() => runPlan(input, resolve)));
    if (!result.ok && result.kind === "deferred") {
      waitsFor.set(index, result.needs);
      const at = queue.indexOf(result.needs);
      if (at >= 0) queue.splice(at, 1);
      queue.unshift(result.needs, index);
      continue;
    }
    waitsFor.delete(index);
    results[index] = result;
    if (result.ok) outputsOf.set(index, lastRawOutputs);
    if (index < given.length) events.result?.(index, result, result.ok ? lastRawOutputs : undefined);
  }
  return results.slice(0, given.length) as PlanWorkerResult[];
}
