/**
 * Entry of the planner's child process (one per batch, started by ./spawn.ts with the project directory as its
 * working directory, as the engine starts the language host's program). Receives the batch over IPC, boots
 * TypeScript once, plans the stacks in order and reports each start and result, so that the parent can stop a
 * stack that runs too long and name it.
 */
import * as path from "node:path";
import { boot, cacheDirOf, checkProgram } from "./boot";
import { compileCacheDirOf, enableCompileCache } from "./compile-cache";
import { firstLine, runPlans } from "./run";
import type { ChildMessage, ChildRequest, PlanWorkerResult } from "./types";

function send(m: ChildMessage): Promise<void> {
  return new Promise((resolve) => process.send!(m, undefined, {}, () => resolve()));
}

async function main(req: ChildRequest): Promise<void> {
  const failAll = async (message: string, detail: string) => {
    for (let index = 0; index < req.inputs.length; index++)
      await send({
        type: "result",
        index,
        result: { ok: false, kind: "program", message, detail } satisfies PlanWorkerResult,
      });
  };
  // Before anything of the SDK loads: its modules, @pulumi/aws's and TypeScript compile from the code cache.
  enableCompileCache(compileCacheDirOf(cacheDirOf(path.dirname(req.inputs[0].pulumiModule))));
  try {
    boot(req.inputs[0], req.startedAt);
  } catch (e) {
    const err = e as Error;
    return failAll(`cannot load TypeScript support: ${firstLine(String(err?.message ?? e))}`, String(err?.stack ?? e));
  }
  const pending: Promise<void>[] = [];
  await runPlans(req.inputs, {
    before: (input) => {
      const error = checkProgram(input);
      return error === undefined ? undefined : { ok: false, kind: "program", message: error, detail: error };
    },
    start: (index) => void pending.push(send({ type: "start", index })),
    result: (index, result, raw) => void pending.push(send({ type: "result", index, result, ...(raw && { raw }) })),
  });
  await Promise.all(pending);
}

if (process.send) {
  // A rejection outside any plan (each plan listens while it runs) must not end the child and lose every result.
  process.on("unhandledRejection", () => undefined);
  process.once("message", (req: ChildRequest) => {
    main(req).then(
      () => send({ type: "done" }).then(() => process.exit(0)),
      (e) => {
        process.stderr.write(`planner child failed: ${String((e as Error)?.stack ?? e)}\n`);
        process.exit(70);
      },
    );
  });
}
