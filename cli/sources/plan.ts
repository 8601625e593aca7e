/**
 * The offline planner: runs a Pulumi program for stacks of a project under `pulumi.runtime.setMocks`, as the
 * engine's nodejs language host runs it during a preview, and returns every resource it registers as a
 * {@link Snapshot} (source `plan`). Used by the infra tests, the policy-pack tests and `parity` when no AWS or Pulumi
 * CLI is at hand. The parts live in ./planner/: project (Pulumi.yaml, stack config), spawn (the child process per
 * batch and its limits), child/boot/typecheck (the language host's set-up), run/capture/outputs/invokes (the mocks).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Snapshot, SnapshotResource } from "../../consistency-rules/src/model";
import { InputError, InputErrors } from "../util/errors";
import { prepareInput, type PreparedInput } from "./planner/project";
import { runBatch, type PlanLimits } from "./planner/spawn";
import type { PlanTimings, PlanWorkerResult } from "./planner/types";

export { engineConfig } from "./planner/project";
export type { PlanLimits } from "./planner/spawn";

export interface PlanOptions {
  /** Directory holding `Pulumi.yaml` and `Pulumi.<stack>.yaml`. */
  readonly projectDir: string;
  readonly stack: string;
  /** Outputs of other stacks, by stack name (or `org/project/stack`), for `pulumi.StackReference`. */
  readonly stackOutputs?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Wall-time and memory limits of the stack's run. */
  readonly limits?: PlanLimits;
}

/**
 * A program that failed for a reason other than its config (a throw, a type error, a failed registration, an
 * unresolvable `pulumi.StackReference`, a time or memory limit). `message` is one line:
 * `planning stack <stack> failed: <first line of the error>`; the full text (stack trace) is in `detail`.
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

function toSnapshot(p: PreparedInput, result: PlanWorkerResult): Snapshot {
  const { input, stackFile } = p;
  if (!result.ok) {
    if (result.kind === "config") {
      // The program names the file `Pulumi.<stack>.yaml`; report the path the planner read.
      throw new InputErrors(
        result.errors.map(
          (e) => new InputError(e.file === path.basename(stackFile) ? stackFile : e.file, e.pointer, e.problem),
        ),
      );
    }
    if (result.kind === "deferred")
      throw new ProgramError(input.stack, "left unplanned (internal: deferred reference)");
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
    ...(r.sourcePosition && { sourcePosition: r.sourcePosition }),
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
 * (or a StackReference to a stack that is neither given nor a stack of the project) → {@link ProgramError}.
 */
export async function planStack(options: PlanOptions): Promise<Snapshot> {
  const [settled] = await planAll([options]);
  if (settled.status === "rejected") throw settled.reason;
  return settled.value;
}

/**
 * Plans several stacks of one project; throws the first problem, in the order given. A `pulumi.StackReference` to
 * another stack of the project reads that stack's planned outputs (it is planned first).
 */
export async function planStacks(
  projectDir: string,
  stacks: readonly string[],
  stackOutputs?: PlanOptions["stackOutputs"],
): Promise<Snapshot[]> {
  const settled = await planAll(stacks.map((stack) => ({ projectDir, stack, stackOutputs })));
  return settled.map((r) => {
    if (r.status === "rejected") throw r.reason;
    return r.value;
  });
}

/** Optional observer of {@link planAll} (the bench): where each successfully planned stack's time went. */
export interface PlanObserver {
  timings?(requestIndex: number, ms: number, timings: PlanTimings): void;
  /** Invokes a stack called that the planner cannot answer offline (their results were empty). */
  indeterminate?(requestIndex: number, tokens: readonly string[]): void;
  /** Each request's result as soon as it is known, before the others are (the same value {@link planAll} returns). */
  settled?(requestIndex: number, result: PromiseSettledResult<Snapshot>): void;
}

/**
 * Plans any stacks of any projects: one child process per SDK installation, tsconfig and runtime options, stacks one
 * after the other inside it (each with fresh runtime state and program modules, in its project directory); every
 * request gets its own result or error.
 */
export async function planAll(
  requests: readonly PlanOptions[],
  observe?: PlanObserver,
): Promise<PromiseSettledResult<Snapshot>[]> {
  const settled: PromiseSettledResult<Snapshot>[] = new Array(requests.length);
  const settle = (index: number, result: PromiseSettledResult<Snapshot>) => {
    settled[index] = result;
    observe?.settled?.(index, result);
  };
  const groups = new Map<string, { index: number; prepared: PreparedInput }[]>();
  requests.forEach((req, index) => {
    try {
      const prepared = prepareInput(path.resolve(req.projectDir), req.stack, req.stackOutputs);
      const { runtime } = prepared.input;
      const tsconfig = runtime?.tsconfig ?? path.join(prepared.input.projectDir, "tsconfig.json");
      const key = JSON.stringify([
        prepared.input.pulumiModule,
        fs.existsSync(tsconfig) ? fs.readFileSync(tsconfig, "utf8") : "",
        runtime?.typescript,
        req.limits ?? {},
      ]);
      const group = groups.get(key) ?? [];
      group.push({ index, prepared });
      groups.set(key, group);
    } catch (reason) {
      settle(index, { status: "rejected", reason });
    }
  });
  await Promise.all(
    [...groups.values()].map(async (group) => {
      const got = (i: number, r: PlanWorkerResult) => {
        const g = group[i];
        if (settled[g.index]) return;
        if (r.ok && r.timings) observe?.timings?.(g.index, r.ms, r.timings);
        if (r.ok && r.indeterminate) observe?.indeterminate?.(g.index, r.indeterminate);
        let result: PromiseSettledResult<Snapshot>;
        try {
          result = { status: "fulfilled", value: toSnapshot(g.prepared, r) };
        } catch (reason) {
          result = { status: "rejected", reason };
        }
        settle(g.index, result);
      };
      let results: PlanWorkerResult[];
      try {
        results = await runBatch(
          group.map((g) => g.prepared.input),
          requests[group[0].index].limits,
          got,
        );
      } catch (reason) {
        for (const g of group) if (!settled[g.index]) settle(g.index, { status: "rejected", reason });
        return;
      }
      results.forEach((r, i) => got(i, r));
    }),
  );
  return settled;
}
