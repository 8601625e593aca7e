/**
 * The consistency rules, as the pack sees them: the rule sets the pack was built with (`envParityPack(name,
 * { rules })`, see pack.ts) or an inline rule set from policy config (`rules`), loaded through the one rules library.
 * Nothing is bundled: the published pack knows only the rules its user gives it.
 */
import { contentDigest } from "../../consistency-rules/src/digest";
import { exemptionsOf, type Exemption } from "../../consistency-rules/src/exemptions";
import { loadRulesFromObject, type RuleSet } from "../../consistency-rules/src/rules";

export type { RuleSet };

/** Rule sets given when the pack was built, by project name (set by {@link provideRules}). */
let PROVIDED: Readonly<Record<string, unknown>> = {};

const cache = new Map<unknown, RuleSet | Error>();
const exemptionsByRules = new WeakMap<RuleSet, readonly Exemption[]>();

function load(obj: unknown, origin: string, key: unknown = obj): RuleSet {
  let r = cache.get(key);
  if (!r) {
    try {
      r = loadRulesFromObject(obj, origin);
      exemptionsByRules.set(r, exemptionsOf(obj));
    } catch (e) {
      r = e instanceof Error ? e : new Error(String(e));
    }
    cache.set(key, r);
  }
  if (r instanceof Error) throw r;
  return r;
}

/**
 * Sets the rule sets this pack enforces (one per project, each a parsed `<project>.rules.json`); validates each now,
 * so a bad rule set stops the pack at start with the schema's message. Replaces what was given before.
 */
export function provideRules(sets: readonly unknown[]): void {
  const next: Record<string, unknown> = {};
  sets.forEach((obj, i) => {
    const project = obj !== null && typeof obj === "object" ? (obj as { project?: unknown }).project : undefined;
    const rs = load(obj, typeof project === "string" ? `${project}.rules.json` : `rules[${i}]`);
    next[rs.project] = obj;
  });
  PROVIDED = next;
}

/**
 * The rule set for `project`: the inline one from policy config if given (it must name the same project),
 * else the one the pack was built with; undefined if there is none.
 * @throws an InputError-bearing Error when the inline rule set is invalid (reported as a violation by callers).
 */
export function rulesFor(project: string, inline?: unknown): RuleSet | undefined {
  if (inline !== undefined && inline !== null) {
    const rs = load(inline, "policy config (rules)", JSON.stringify(inline)); // getConfig() returns a fresh object per call
    if (rs.project === project) return rs;
  }
  const provided = PROVIDED[project];
  return provided === undefined ? undefined : load(provided, `${project}.rules.json`);
}

/** The guardrail exemptions of a rule set loaded here ([] if none). */
export function exemptionsFor(rules: RuleSet | undefined): readonly Exemption[] {
  return (rules && exemptionsByRules.get(rules)) ?? [];
}

/** Projects whose rules the pack was built with. */
export function bundledProjects(): string[] {
  return Object.keys(PROVIDED);
}

/** The content digest of each rule set the pack was built with, by project (what the pack advertises, see pack.ts). */
export function bundledRuleDigests(): Record<string, string> {
  return Object.fromEntries(Object.entries(PROVIDED).map(([project, obj]) => [project, contentDigest(obj)]));
}
