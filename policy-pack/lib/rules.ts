/**
 * The consistency rules, as the pack sees them: bundled rule sets (one per project, selected by the project segment
 * of the URN) or an inline rule set from policy config (`rules`), loaded through the one rules library.
 */
import { loadRulesFromObject, type RuleSet } from "../../consistency-rules/src/rules";
import dataPlatformRules from "../../consistency-rules/data-platform.rules.json";
import paymentsRules from "../../examples/payments/consistency-rules/payments.rules.json";

export type { RuleSet };

/** Rule sets shipped inside the pack, by project name. Add a project by adding its `<project>.rules.json` here. */
const BUNDLED: Readonly<Record<string, unknown>> = {
  "data-platform": dataPlatformRules,
  payments: paymentsRules,
};

const cache = new Map<unknown, RuleSet | Error>();

function load(obj: unknown, origin: string, key: unknown = obj): RuleSet {
  let r = cache.get(key);
  if (!r) {
    try {
      r = loadRulesFromObject(obj, origin);
    } catch (e) {
      r = e instanceof Error ? e : new Error(String(e));
    }
    cache.set(key, r);
  }
  if (r instanceof Error) throw r;
  return r;
}

/**
 * The rule set for `project`: the inline one from policy config if given (it must name the same project),
 * else the bundled one; undefined if there is none.
 * @throws an InputError-bearing Error when the inline rule set is invalid (reported as a violation by callers).
 */
export function rulesFor(project: string, inline?: unknown): RuleSet | undefined {
  if (inline !== undefined && inline !== null) {
    const rs = load(inline, "policy config (rules)", JSON.stringify(inline)); // getConfig() returns a fresh object per call
    if (rs.project === project) return rs;
  }
  const bundled = BUNDLED[project];
  return bundled === undefined ? undefined : load(bundled, `${project}.rules.json (bundled)`);
}

export function bundledProjects(): string[] {
  return Object.keys(BUNDLED);
}
