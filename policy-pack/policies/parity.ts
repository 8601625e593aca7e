/**
 * `parity-consistency-rules`: the consistency rules, checked inside the pack. The stack's resources become a
 * Snapshot, normalised and checked by the rules library (one normaliser, one comparer) — the same code the CLI runs.
 */
import { checkStack, PARITY_RULES } from "../../consistency-rules/src/compare";
import type { Snapshot, SnapshotResource } from "../../consistency-rules/src/model";
import { normaliseSnapshot } from "../../consistency-rules/src/normalise";
import { requireEnv, stackPolicy, type PolicyInput } from "../lib/define";

function toSnapshotResource(r: PolicyInput): SnapshotResource {
  return { urn: r.urn, type: r.type, name: r.name, custom: !r.type.startsWith("pulumi:"), parent: r.parent, dependencies: r.dependencies, protect: r.protect, props: r.props };
}

export const parityConsistencyRules = stackPolicy({
  name: "parity-consistency-rules",
  description: "The stack satisfies its project's consistency rules (invariants and per-environment approved values).",
  why: "Environments may differ only where someone approved it; an unpinned difference is how staging stops predicting prod.",
  severity: "high",
  remediationSteps: "Make the property equal to the rule's expected value, or add/renew an approval (id, reason, owner, expires) in the project's rules file.",
  check(resources, ctx, out) {
    const env = requireEnv(ctx, "parity-consistency-rules", resources[0], out);
    if (!env || !ctx.rules) return;
    const e = ctx.rules.environments[env];
    const snapshot: Snapshot = {
      context: { env, stack: ctx.stack, project: ctx.project, accountId: e?.accountId, region: e?.region },
      source: "preview",
      origin: `stack ${ctx.stack} (policy pack)`,
      resources: resources.map(toSnapshotResource),
    };
    for (const f of checkStack(normaliseSnapshot(snapshot, ctx.rules), ctx.rules, new Date())) {
      // Inside the pack, destroyability has its own policies: the Analyzer sends `protect` (owned by
      // lifecycle-resource-not-protected) and never `retainOnDelete`, so this built-in rule could only repeat them.
      if (f.ruleId === PARITY_RULES.destroyable) continue;
      // The comparer's message names the resource, the path, the actual and the expected value (and the rule id).
      const message = `${f.ruleId}: ${f.message}`;
      if (f.status === "fail") out.fail(message, f.urn);
      else if (f.status === "indeterminate") out.unknown(message, f.urn);
    }
  },
});

export const parityPolicies = [parityConsistencyRules];
