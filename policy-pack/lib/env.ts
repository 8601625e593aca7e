/**
 * Which environment a stack is: from the stack name (URN segment 2) mapped through the rule set's
 * `environments.<env>.stacks`, else from the stack tag `env-parity:environment`. Never guessed.
 */
import { rulesFor, type RuleSet } from "./rules";

export const ENV_TAG = "env-parity:environment";

export interface Scope {
  readonly stack: string;
  readonly project: string;
  /** The environment, if the stack is known to the rules. */
  readonly env?: string;
  /** Why there is no environment (or no rules), for indeterminate messages. */
  readonly problem?: string;
  readonly rules?: RuleSet;
}

const urnCache = new Map<string, { stack: string; project: string }>();

/** `urn:pulumi:<stack>::<project>::<type>::<name>` → stack and project. */
export function parseUrn(urn: string): { stack: string; project: string } {
  const head = urn.slice(0, urn.indexOf("::", urn.indexOf("::") + 2) + 2);
  let parsed = urnCache.get(head);
  if (!parsed) {
    const m = /^urn:pulumi:([^:]+)::([^:]+)::/.exec(urn);
    parsed = m ? { stack: m[1], project: m[2] } : { stack: "", project: "" };
    if (urnCache.size > 1000) urnCache.clear();
    urnCache.set(head, parsed);
  }
  return parsed;
}

/** Scopes by stack tags object, then inline rules object, then `stack\0project` (identity keys: no serialising per call). */
const scopes = new WeakMap<object, WeakMap<object, Map<string, Scope>>>();
const NONE = {};

/**
 * Memoised: the scope depends only on stack, project, stack tags and the inline rules (not on the resource).
 * The SDK hands every policy the same stack tags map and the same config values between Configure calls, so
 * object identity is the key; a new map or rules object (reconfiguration) computes a new scope.
 */
export function resolveScope(
  urn: string,
  stackTags: ReadonlyMap<string, string> | undefined,
  inlineRules?: unknown,
): Scope {
  const { stack, project } = parseUrn(urn);
  const tagsKey = stackTags ?? NONE;
  const rulesKey = inlineRules !== null && typeof inlineRules === "object" ? inlineRules : NONE;
  let byRules = scopes.get(tagsKey);
  if (!byRules) scopes.set(tagsKey, (byRules = new WeakMap()));
  let byStack = byRules.get(rulesKey);
  if (!byStack) byRules.set(rulesKey, (byStack = new Map()));
  const key = `${stack}\u0000${project}`;
  let scope = byStack.get(key);
  if (!scope) {
    if (byStack.size > 100) byStack.clear();
    scope = computeScope(stack, project, stackTags, inlineRules);
    byStack.set(key, scope);
  }
  return scope;
}

function computeScope(
  stack: string,
  project: string,
  stackTags: ReadonlyMap<string, string> | undefined,
  inlineRules?: unknown,
): Scope {
  let rules: RuleSet | undefined;
  try {
    rules = rulesFor(project, inlineRules);
  } catch (e) {
    return { stack, project, problem: `the inline rule set in policy config is invalid: ${(e as Error).message}` };
  }
  if (!rules)
    return {
      stack,
      project,
      problem: `no consistency rules for project '${project}' (bundled: none; give \`rules\` in policy config)`,
    };
  const tags: Record<string, string> = {};
  stackTags?.forEach((v, k) => (tags[k] = v));
  const env = rules.envForStack(stack, tags);
  if (!env) {
    return {
      stack,
      project,
      rules,
      problem: `stack '${stack}' is not an environment of project '${project}' (not in environments.*.stacks and no '${ENV_TAG}' stack tag naming one)`,
    };
  }
  return { stack, project, env, rules };
}
