/**
 * `policy-pack-indeterminate` re-runs a resource check only where it can be undecided (issue 13): a resource or its
 * provider holding an unknown, or a scope without environment or rules. Here every
 * guard's `indeterminates()` is compared with the full `evaluate()` on the reference stacks with random values made
 * unknown (whole values and interpolated into strings, props and provider props) and stacks the rules do not know.
 */
import * as fs from "fs";
import * as path from "path";
import fc from "fast-check";
import type { PolicyInput } from "../../policy-pack/lib/define";
import { guardrails } from "../../policy-pack/policies";
import type { SnapshotResource } from "../../consistency-rules/src/model";
import { ENVS, paymentsStack, referenceStack, ROOT, UNKNOWN } from "./fixtures";

const RAW_RULES = JSON.parse(fs.readFileSync(path.join(ROOT, "consistency-rules", "data-platform.rules.json"), "utf8"));
const PAYMENTS_RAW = JSON.parse(
  fs.readFileSync(path.join(ROOT, "examples", "payments", "consistency-rules", "payments.rules.json"), "utf8"),
);

const PROVIDER = { region: "eu-west-1", defaultTags: JSON.stringify({ tags: { Team: "data" } }) };

function inputs(resources: readonly SnapshotResource[]): PolicyInput[] {
  return resources.map((r) => ({
    type: r.type,
    name: r.name,
    urn: r.urn,
    props: structuredClone(r.props ?? {}) as Record<string, unknown>,
    protect: r.protect === true,
    ignoreChanges: r.ignoreChanges ?? [],
    parent: r.parent,
    dependencies: r.dependencies ?? [],
    providerProps: structuredClone(PROVIDER),
  }));
}

/** Every leaf path (arrays by index) of an object, with its value. */
function leaves(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (v !== null && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) leaves(x, [...at, Array.isArray(v) ? Number(k) : k], out);
  } else if (at.length > 0) out.push(at);
  return out;
}

function setAt(root: Record<string, unknown>, at: readonly (string | number)[], value: unknown): void {
  let o = root as Record<string | number, unknown>;
  for (const k of at.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  o[at[at.length - 1]] = value;
}

const stacks = [
  ...ENVS.map((env) => ({ resources: referenceStack(env).resources, rules: RAW_RULES })),
  ...ENVS.map((env) => ({ resources: paymentsStack(env).resources, rules: PAYMENTS_RAW })),
  // a stack name no environment maps to: every env-dependent check is undecided
  { resources: referenceStack("dev", { stack: "scratch" }).resources, rules: RAW_RULES },
];

const agree = (list: readonly PolicyInput[], config: Record<string, unknown>) =>
  guardrails.map((p) => {
    const full = p.guard.evaluate(list, config).indeterminates;
    expect({ policy: p.name, notes: p.guard.indeterminates(list, config) }).toEqual({ policy: p.name, notes: full });
    return full.length;
  });

describe("indeterminates() = evaluate().indeterminates", () => {
  test.each(stacks.map((s, i) => [i, s] as const))("stack %i as planned", (_, s) => {
    agree(inputs(s.resources), { rules: s.rules });
  });

  test("the unplanned stack has indeterminates (the comparison sees some)", () => {
    const s = stacks[stacks.length - 1];
    expect(agree(inputs(s.resources), { rules: s.rules }).some((n) => n > 0)).toBe(true);
  });

  test("random values unknown (whole or interpolated; props and provider props)", () => {
    let seen = 0;
    fc.assert(
      fc.property(
        fc.nat({ max: stacks.length - 2 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 6 }),
        (si, picks) => {
          const s = stacks[si];
          const list = inputs(s.resources);
          for (const [ri, li, interpolate, provider] of picks) {
            const r = list[ri % list.length];
            const target = (provider ? r.providerProps : r.props) as Record<string, unknown>;
            const ls = leaves(target);
            if (ls.length === 0) continue;
            const at = ls[li % ls.length];
            setAt(target, at, interpolate ? `arn:aws:x:${UNKNOWN}:y` : UNKNOWN);
          }
          seen += agree(list, { rules: s.rules }).reduce((a, b) => a + b, 0);
        },
      ),
      { numRuns: 60, seed: 13 },
    );
    expect(seen).toBeGreaterThan(0);
  });
});
