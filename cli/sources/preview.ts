/**
 * `pulumi preview --json` → {@link Snapshot} (source `preview`): the goal state of the stack.
 *
 * Shape (display.PreviewDigest): `{ config?, steps: [{ op, urn, provider?, oldState?, newState?, detailedDiff?, … }],
 * diagnostics?, changeSummary?, duration? }`. States are ResourceV3. Values unknown at preview are the sentinel string
 * `UNKNOWN` and stay as they are (checks that need them report indeterminate).
 */
import type { Snapshot, SnapshotResource } from "../../consistency-rules/src/model";
import type { SourceOptions } from "../util/environment";
import { quote } from "../util/errors";
import { readJsonFile } from "../util/files";
import { stripSecrets } from "../util/secrets";
import { StrictDoc, idx, key } from "../util/strict";
import { contextOf, readResourceState } from "./export";

/** Steps whose resource is part of the goal state (its `newState`). */
const GOAL_OPS = new Set(["same", "create", "update", "replace", "create-replacement", "read", "read-replacement", "refresh", "import", "import-replacement"]);
/** Steps that remove a resource (or a replaced copy) from the goal state. */
const REMOVE_OPS = new Set(["delete", "delete-replaced", "discard", "discard-replaced", "remove-pending-replace", "read-discard"]);

export function parsePreview(doc: unknown, file: string, opts: SourceOptions): Snapshot {
  const d: StrictDoc = new StrictDoc(file);
  const top = d.object(doc, "");
  const steps = d.array(top.steps, "steps");
  const diagnostics = top.diagnostics === undefined || top.diagnostics === null ? [] : d.array(top.diagnostics, "diagnostics");
  diagnostics.forEach((x, i) => {
    const diag = d.object(x, idx("diagnostics", i));
    if (diag.severity === "error") {
      const msg = typeof diag.message === "string" ? diag.message.trim().split("\n")[0] : "";
      d.fail(idx("diagnostics", i), `reports that the preview failed${msg ? `: ${msg.slice(0, 160)}` : ""}`);
    }
  });
  if (top.changeSummary !== undefined) d.object(top.changeSummary, "changeSummary");
  const goal = new Map<string, { res: SnapshotResource; ptr: string }>();
  for (let i = 0; i < steps.length; i++) {
    const ptr = idx("steps", i);
    const step = d.object(steps[i], ptr);
    const op = d.string(step.op, key(ptr, "op"));
    const urn = d.string(step.urn, key(ptr, "urn"));
    if (GOAL_OPS.has(op)) {
      if (step.newState === undefined || step.newState === null) d.fail(key(ptr, "newState"), `is required for a ${quote(op)} step`);
      const res = readResourceState(d, step.newState, key(ptr, "newState"));
      if (res.urn !== urn) d.fail(key(ptr, "newState.urn"), `is ${quote(res.urn)} but the step is for ${quote(urn)}`);
      goal.set(urn, { res, ptr: key(ptr, "newState") });
    } else if (REMOVE_OPS.has(op)) {
      if (step.oldState !== undefined && step.oldState !== null) readResourceState(d, step.oldState, key(ptr, "oldState"));
      if (op === "delete" || op === "discard") goal.delete(urn);
    } else {
      d.fail(key(ptr, "op"), `is not a known step operation, got ${quote(op)} (known: ${[...GOAL_OPS, ...REMOVE_OPS].join(", ")})`);
    }
  }
  const read = [...goal.values()];
  const context = contextOf(d, read, opts, "steps");
  const config = d.optObject(top.config, "config");
  const stackRes = read.find(({ res }) => res.type === "pulumi:pulumi:Stack")?.res;
  return {
    context,
    source: "preview",
    origin: file,
    resources: read.map((r) => r.res),
    ...(config !== undefined && { config: stripSecrets(config) as Record<string, unknown> }),
    ...(stackRes?.outputs !== undefined && { outputs: stackRes.outputs }),
  };
}

export function readPreview(file: string, opts: SourceOptions): Snapshot {
  return parsePreview(readJsonFile(file), file, opts);
}
