/**
 * `policy-pack-indeterminate` (advisory): reports, for every other policy that is not strict, what it could not
 * decide because a value is unknown at preview (or the environment is unknown). Messages start
 * `[indeterminate] <policy-id>:` so the harness and the CLI map them to status `indeterminate`.
 * It re-runs the policies' pure checks over the stack (resource checks only where a value or the environment is
 * unknown: see GuardInfo.indeterminates), so it sees what they saw.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { configOf, fromStackArgs, isStrict, redactorFor, RULES_DOC_URL, type Guard } from "../lib/define";

export const INDETERMINATE_POLICY = "policy-pack-indeterminate";
export const INDETERMINATE_PREFIX = "[indeterminate]";

export function indeterminatePolicy(policies: readonly Guard[]): StackValidationPolicy & { readonly why: string } {
  return {
    name: INDETERMINATE_POLICY,
    description:
      "Lists checks that could not be decided at preview (unknown values or environment); advisory unless you make it mandatory.",
    why: "A check that cannot see a value must not pass silently: this keeps every undecided check visible in every report.",
    severity: "medium",
    enforcementLevel: "advisory",
    remediationSteps:
      "Make the value known at preview (derive it from config instead of another resource's output), set `strict: true` on the policy to fail instead, or accept it after checking the update.",
    url: `${RULES_DOC_URL}#${INDETERMINATE_POLICY}`,
    configSchema: {
      properties: {
        exclude: {
          type: "array",
          items: { type: "string" },
          default: [],
          description: "Policy ids whose indeterminates are not reported.",
        },
      },
    },
    validateStack(args, reportViolation) {
      const exclude = new Set(args.getConfig<{ exclude?: string[] }>().exclude ?? []);
      const resources = fromStackArgs(args);
      const say = redactorFor(resources); // no message prints a secret's plaintext
      for (const p of policies) {
        if (exclude.has(p.name) || isStrict(p.name)) continue;
        const out = { indeterminates: p.guard.indeterminates(resources, configOf(p.name), args.stackTags) };
        for (const i of out.indeterminates)
          reportViolation(say(`${INDETERMINATE_PREFIX} ${p.name}: ${i.message}`), i.urn);
      }
    },
  };
}
