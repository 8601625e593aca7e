/** Tagging guardrails: required tags on every taggable resource, and `Environment` = the stack's environment. */
import { resourcePolicy, type Outcome, type PolicyInput } from "../lib/define";
import { requireEnv } from "../lib/define";
import { policyDocument, show, UNKNOWN } from "../lib/values";
import taggable from "./taggable-types.json";

/**
 * Every resource type whose inputs have `tags`, read from the installed AWS provider's SDK
 * (`node policy-pack/scripts/gen-taggable-types.js` regenerates it after a provider upgrade; a test checks it is current).
 */
export const TAGGABLE_TYPES: readonly string[] = taggable.types;

const DEFAULT_REQUIRED = ["Environment", "Project", "ManagedBy", "Team", "CostCenter"];

/**
 * The provider's default tags. The engine sends a provider's inputs as the provider received them: `defaultTags`
 * is an object `{ tags: {...} }` in a state/export, and a JSON-encoded string `{"tags":{...}}` in a provider's
 * inputs (the provider's config is flattened to strings). Both are read; UNKNOWN if unknown.
 */
export function providerDefaultTags(r: PolicyInput): Record<string, unknown> | typeof UNKNOWN | undefined {
  let v = r.providerProps?.defaultTags;
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v === "string") {
    const parsed = policyDocument(v); // JSON text; UNKNOWN if an unknown is interpolated
    if (parsed === UNKNOWN) return UNKNOWN;
    v = parsed;
  }
  if (v === UNKNOWN) return UNKNOWN;
  if (!v || typeof v !== "object") return undefined;
  const tags = (v as Record<string, unknown>).tags;
  if (tags === UNKNOWN) return UNKNOWN;
  return tags && typeof tags === "object" ? (tags as Record<string, unknown>) : undefined;
}

/** Effective tags: the provider's defaultTags, then the resource's `tags` (what AWS ends up with); UNKNOWN if either is. */
export function effectiveTags(r: PolicyInput): Record<string, unknown> | typeof UNKNOWN {
  const providerTags = providerDefaultTags(r);
  const own = r.props.tags;
  if (providerTags === UNKNOWN || own === UNKNOWN) return UNKNOWN;
  return { ...(providerTags ?? {}), ...((own as Record<string, unknown>) ?? {}) };
}

function tagsOrUnknown(r: PolicyInput, out: Outcome): Record<string, unknown> | undefined {
  const tags = effectiveTags(r);
  if (tags !== UNKNOWN) return tags;
  out.unknown(`${r.name}: tags are unknown at preview`, r.urn);
  return undefined;
}

export const tagsRequired = resourcePolicy<{ requiredTags: string[] }>({
  name: "tags-required",
  description:
    "Every taggable resource carries the tags Environment, Project, ManagedBy, Team and CostCenter (own or provider default tags).",
  why: "Cost allocation, ownership and incident routing all key off these tags; an untagged resource has no owner.",
  severity: "medium",
  remediationSteps:
    "Set the missing tags, preferably once on the provider (`defaultTags`) or through the platform's tag helper.",
  config: { requiredTags: { type: "array", items: { type: "string" }, default: DEFAULT_REQUIRED } },
  defaults: { requiredTags: DEFAULT_REQUIRED },
  types: TAGGABLE_TYPES,
  check(r, { config }, out) {
    const tags = tagsOrUnknown(r, out);
    if (!tags) return;
    const missing = config.requiredTags.filter((t) => tags[t] === undefined || tags[t] === "");
    const unknown = config.requiredTags.filter((t) => tags[t] === UNKNOWN);
    if (missing.length) out.fail(`${r.name}: missing tags ${missing.join(", ")}.`, r.urn);
    if (unknown.length) out.unknown(`${r.name}: tag values ${unknown.join(", ")} are unknown at preview`, r.urn);
  },
});

export const tagsEnvironmentMatches = resourcePolicy({
  name: "tags-environment-matches-stack",
  description: "The Environment tag of every taggable resource equals the stack's environment.",
  why: "A prod resource tagged dev is billed, alerted and cleaned up as dev.",
  severity: "high",
  remediationSteps:
    "Derive the Environment tag from the stack (`pulumi.getStack()` mapped to its environment), never hard-code it.",
  types: TAGGABLE_TYPES,
  check(r, ctx, out) {
    const tags = tagsOrUnknown(r, out);
    if (!tags) return;
    const v = tags.Environment;
    if (v === undefined) return; // tags-required reports it
    if (v === UNKNOWN) return void out.unknown(`${r.name}: tag Environment is unknown at preview`, r.urn);
    const env = requireEnv(ctx, "tags-environment-matches-stack", r, out);
    if (env && v !== env)
      out.fail(`${r.name}: tag Environment is ${show(v)}, expected "${env}" (stack ${ctx.stack}).`, r.urn);
  },
});

export const taggingPolicies = [tagsRequired, tagsEnvironmentMatches];
