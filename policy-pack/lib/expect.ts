/** Small helpers shared by the checks: unknown gating and per-environment expectations from the rules. */
import { containsUnknown } from "../../consistency-rules/src/sentinels";
import type { CheckContext, Outcome, PolicyInput } from "./define";
import { logicalIdOf as normalisedId } from "../../consistency-rules/src/normalise";
import type { ValueSpec } from "../../consistency-rules/src/paths";
import { show } from "./values";

/** True if `value` is fully known; otherwise records an indeterminate about `what` and returns false. */
export function known(out: Outcome, r: PolicyInput, what: string, value: unknown): boolean {
  if (!containsUnknown(value)) return true;
  out.unknown(`${r.name}: ${what} is unknown at preview`, r.urn);
  return false;
}

/**
 * The common guardrail shape: `r.props[key]` (or `fallback`, the provider's default when the input is absent) must be
 * `expected`. Unknown at preview → indeterminate; anything else → a violation naming the key and both values.
 */
export function expectProp(
  out: Outcome,
  r: PolicyInput,
  key: string,
  expected: unknown,
  opts: { fallback?: unknown; consequence?: string } = {},
): void {
  const v = r.props[key] ?? opts.fallback;
  if (!known(out, r, key, v)) return;
  if (v !== expected)
    out.fail(
      `${r.name}: ${key} is ${show(v)}, expected ${show(expected)}${opts.consequence ? `; ${opts.consequence}` : ""}.`,
      r.urn,
    );
}

/** Value specs are matched and described by the rules library (one comparer). */
export { satisfies as matchesSpec, describeSpec, type ValueSpec } from "../../consistency-rules/src/paths";
import { describeSpec, satisfies as matchesSpec } from "../../consistency-rules/src/paths";

/** The environment-neutral logical id of a resource name (`dev-ingest-raw-bucket` → `ingest-raw-bucket`), by the one normaliser. */
export function logicalIdOf(name: string, env: string): string {
  return normalisedId(name, { env });
}

/**
 * The expectation for `path` of `r` in the stack's environment: the policy config `override` if given, else
 * `rules.expectation(env, type, logicalId, path)`, else `fallback`. Undefined (and an indeterminate) without an environment,
 * unless `envFree` and the expectation is the same in every environment of the rules (or there are no rules: `fallback`).
 */
export function envExpectation<C>(
  ctx: CheckContext<C>,
  r: PolicyInput,
  out: Outcome,
  path: string,
  opts: { override?: unknown; fallback?: ValueSpec; type?: string; logicalId?: string; envFree?: boolean } = {},
): { spec: ValueSpec; source: string } | undefined {
  if (opts.override !== undefined) return { spec: opts.override, source: "policy config" };
  if (opts.envFree && !ctx.env) {
    // Without an environment, decide only if no environment of the rules expects anything different.
    if (!ctx.rules) return opts.fallback === undefined ? undefined : { spec: opts.fallback, source: "policy default" };
    const rules = ctx.rules;
    const specs = Object.keys(rules.environments).map(
      (env) =>
        rules.expectation(env, opts.type ?? r.type, opts.logicalId ?? logicalIdOf(r.name, env), path) ?? opts.fallback,
    );
    const first = JSON.stringify(specs[0]);
    if (specs.length > 0 && specs[0] !== undefined && specs.every((x) => JSON.stringify(x) === first))
      return { spec: specs[0], source: "rules (every environment)" };
  }
  if (!ctx.env || !ctx.rules) {
    out.unknown(
      `${r.name}: the expected ${path} depends on the environment, which is unknown: ${ctx.problem ?? "no rules"}`,
      r.urn,
    );
    return undefined;
  }
  const spec = ctx.rules.expectation(
    ctx.env,
    opts.type ?? r.type,
    opts.logicalId ?? logicalIdOf(r.name, ctx.env),
    path,
  );
  if (spec !== undefined) return { spec, source: `rules (${ctx.env})` };
  if (opts.fallback !== undefined) return { spec: opts.fallback, source: "policy default" };
  return undefined;
}

/**
 * {@link expectProp} with the expectation from the rules: `r.props[key]` (or `fallback` when absent) must match what
 * the rules expect for this environment (an invariant or an approved value), else `expected` (the policy's default).
 * A value the rules approve therefore never fails the guardrail.
 */
export function expectEnvProp<C>(
  ctx: CheckContext<C>,
  out: Outcome,
  r: PolicyInput,
  key: string,
  expected: ValueSpec,
  opts: { fallback?: unknown; consequence?: string; skipAbsent?: boolean } = {},
): void {
  const raw = r.props[key];
  if (raw === undefined && opts.skipAbsent) return;
  const v = raw ?? opts.fallback;
  if (!known(out, r, key, v)) return;
  const exp = envExpectation(ctx, r, out, key, { fallback: expected, envFree: true });
  if (!exp) return;
  if (!matchesSpec(exp.spec, v))
    out.fail(
      `${r.name}: ${key} is ${show(v)}, expected ${describeSpec(exp.spec)} (${exp.source})${opts.consequence ? `; ${opts.consequence}` : ""}.`,
      r.urn,
    );
}
