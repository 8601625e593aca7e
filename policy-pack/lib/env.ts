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

/** `urn:pulumi:<stack>::<project>::<type>::<name>` → stack and project. */
export function parseUrn(urn: string): { stack: string; project: string } {
  const m = /^urn:pulumi:([^:]+)::([^:]+)::/.exec(urn);
  return m ? { stack: m[1], project: m[2] } : { stack: "", project: "" };
}

const scopes = new Map<string, Scope>();

/** Memoised: the scope depends only on stack, project, stack tags and the inline rules (not on the resource). */
export function resolveScope(urn: string, stackTags: ReadonlyMap<string, string> | undefined, inlineRules?: unknown): Scope {
  const { stack, project } = parseUrn(urn);
  const key = `${stack}\u0000${project}\u0000${stackTags ? JSON.stringify([...stackTags]) : ""}\u0000${inlineRules === undefined ? "" : JSON.stringify(inlineRules)}`;
  let scope = scopes.get(key);
  if (!scope) {
    if (scopes.size > 100) scopes.clear();
    scope = computeScope(stack, project, stackTags, inlineRules);
    scopes.set(key, scope);
  }
  return scope;
}

function computeScope(stack: string, project: string, stackTags: ReadonlyMap<string, string> | undefined, inlineRules?: unknown): Scope {
  let rules: RuleSet | undefined;
  try {
    rules = rulesFor(project, inlineRules);
  } catch (e) {
    return { stack, project, problem: `the inline rule set in policy config is invalid: ${(e as Error).message}` };
  }
  if (!rules) return { stack, project, problem: `no consistency rules for project '${project}' (bundled: none; give \`rules\` in policy config)` };
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
