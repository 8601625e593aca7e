/**
 * `pulumi preview --json` → {@link Snapshot} (source `preview`): the goal state of the stack.
 *
 * Shape (display.PreviewDigest): `{ config?, steps?: [{ op, urn, provider?, oldState?, newState?, detailedDiff?, … }],
 * diagnostics?, changeSummary?, duration? }`. States are ResourceV3. Values unknown at preview are the sentinel string
 * `UNKNOWN` and stay as they are (checks that need them report indeterminate).
 */
import type { Snapshot, SnapshotResource } from "../../consistency-rules/src/model";
import type { SourceOptions } from "../util/environment";
import { quote } from "../util/errors";
import { readJsonFile } from "../util/files";
import { MAX_VALUE_DEPTH, stripSecrets } from "../util/secrets";
import { StrictDoc, idx, key } from "../util/strict";
import { contextOf, readResourceState } from "./export";
import type { ReadResource } from "./export";
import { SECRET_SIG, SIG_KEY } from "../../consistency-rules/src/sentinels";
import { parseUrn } from "../util/urn";

/** Steps whose resource is part of the goal state (its `newState`). */
const GOAL_OPS = new Set([
  "same",
  "create",
  "update",
  "replace",
  "create-replacement",
  "read",
  "read-replacement",
  "refresh",
  "import",
  "import-replacement",
]);
/** Steps that remove a resource (or a replaced copy) from the goal state. */
const REMOVE_OPS = new Set([
  "delete",
  "delete-replaced",
  "discard",
  "discard-replaced",
  "remove-pending-replace",
  "read-discard",
]);

/** Steps that neither add to nor remove from the goal state (no resource of their own). */
const OTHER_OPS = new Set(["diff", "extend-parameterize"]);

/** `<providerUrn>::<id>` → the provider URN (the id is the last `::` segment). */
function providerUrnOf(ref: string): string {
  const at = ref.lastIndexOf("::");
  return at > 0 ? ref.slice(0, at) : ref;
}

/**
 * The default provider a goal resource's provider reference names but the preview does not list (a default
 * `pulumi preview --json` leaves unchanged resources out, default providers included). Its inputs are what the engine
 * gives a default provider: the package's config (`aws:region` → `region`, as strings) and the version its name carries.
 */
function impliedProvider(ref: string, config: Record<string, unknown> | undefined): ReadResource | undefined {
  const urn = providerUrnOf(ref);
  const u = parseUrn(urn);
  if (!u || !u.type.startsWith("pulumi:providers:") || !(u.name === "default" || u.name.startsWith("default_")))
    return undefined;
  const pkg = u.type.slice("pulumi:providers:".length);
  const props: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config ?? {})) {
    if (!k.startsWith(`${pkg}:`)) continue;
    props[k.slice(pkg.length + 1)] = v === "[secret]" ? { [SIG_KEY]: SECRET_SIG } : v;
  }
  const version = /^default_(\d+)_(\d+)_(\d+)(?:_(.+))?$/.exec(u.name);
  if (version) props.version = `${version[1]}.${version[2]}.${version[3]}${version[4] ? `-${version[4]}` : ""}`;
  return { urn, type: u.type, name: u.name, custom: true, dependencies: [], props, implied: true };
}

export function parsePreview(doc: unknown, file: string, opts: SourceOptions): Snapshot {
  const d: StrictDoc = new StrictDoc(file);
  const top = d.object(doc, "");
  // Go omits an empty steps list (`steps,omitempty`).
  const steps = top.steps === undefined || top.steps === null ? [] : d.array(top.steps, "steps");
  const diagnostics =
    top.diagnostics === undefined || top.diagnostics === null ? [] : d.array(top.diagnostics, "diagnostics");
  diagnostics.forEach((x, i) => {
    const diag = d.object(x, idx("diagnostics", i));
    if (diag.severity === "error") {
      const msg = typeof diag.message === "string" ? diag.message.trim().split("\n")[0] : "";
      d.fail(idx("diagnostics", i), `reports that the preview failed${msg ? `: ${msg.slice(0, 160)}` : ""}`);
    }
  });
  const summary = d.optObject(top.changeSummary, "changeSummary");
  const goal = new Map<string, { res: SnapshotResource; ptr: string }>();
  let sameSteps = 0;
  let firstStep: { urn: string; ptr: string } | undefined;
  for (let i = 0; i < steps.length; i++) {
    const ptr = idx("steps", i);
    const step = d.object(steps[i], ptr);
    const op = d.string(step.op, key(ptr, "op"));
    const urn = d.string(step.urn, key(ptr, "urn"));
    if (!parseUrn(urn))
      d.fail(key(ptr, "urn"), `is not a Pulumi URN (urn:pulumi:<stack>::<project>::<type>::<name>), got ${quote(urn)}`);
    firstStep ??= { urn, ptr };
    if (op === "same") sameSteps++;
    if (GOAL_OPS.has(op)) {
      if (step.newState === undefined || step.newState === null)
        d.fail(key(ptr, "newState"), `is required for a ${quote(op)} step`);
      const res = readResourceState(d, step.newState, key(ptr, "newState"));
      if (res.urn !== urn) d.fail(key(ptr, "newState.urn"), `is ${quote(res.urn)} but the step is for ${quote(urn)}`);
      goal.set(urn, { res, ptr: key(ptr, "newState") });
    } else if (REMOVE_OPS.has(op)) {
      if (step.oldState !== undefined && step.oldState !== null)
        readResourceState(d, step.oldState, key(ptr, "oldState"));
      if (op === "delete" || op === "discard") goal.delete(urn);
    } else if (!OTHER_OPS.has(op)) {
      d.fail(
        key(ptr, "op"),
        `is not a known step operation, got ${quote(op)} (known: ${[...GOAL_OPS, ...REMOVE_OPS, ...OTHER_OPS].join(", ")})`,
      );
    }
  }
  const unchanged = summary?.same;
  if (sameSteps === 0 && typeof unchanged === "number" && unchanged > 0) {
    d.fail(
      "changeSummary.same",
      `is ${unchanged} but no \`same\` step is listed: a default \`pulumi preview --json\` leaves unchanged resources out; rerun it as \`pulumi preview --json --show-sames\``,
    );
  }
  const config = d.optObject(top.config, "config");
  const tooDeep = (): never => d.fail("config", `nests more than ${MAX_VALUE_DEPTH} levels deep`);
  for (const { res } of [...goal.values()]) {
    if (res.provider === undefined || goal.has(providerUrnOf(res.provider))) continue;
    const implied = impliedProvider(res.provider, config);
    if (implied) goal.set(implied.urn, { res: implied, ptr: "steps" });
  }
  const read = [...goal.values()];
  const context = contextOf(d, read, opts, "steps", firstStep);
  const stackRes = read.find(({ res }) => res.type === "pulumi:pulumi:Stack")?.res;
  return {
    context,
    source: "preview",
    origin: file,
    resources: read.map((r) => r.res),
    ...(config !== undefined && { config: stripSecrets(config, tooDeep) as Record<string, unknown> }),
    ...(stackRes?.outputs !== undefined && { outputs: stackRes.outputs }),
  };
}

export function readPreview(file: string, opts: SourceOptions): Snapshot {
  return parsePreview(readJsonFile(file), file, opts);
}
