/**
 * Every policy through the real Analyzer protocol: the pack started as the engine starts it, each stack sent as
 * Analyze (every resource) + AnalyzeStack. Per policy: a passing stack, a failing mutant in every environment,
 * an unknown-at-preview mutant (indeterminate, never pass) and the same under `strict: true` (fail).
 */
import { execSync } from "child_process";
import type { Finding } from "../../consistency-rules/src/model";
import { startPack, type PackSession } from "../../policy-pack/harness";
import { applyCase, baseStack, CASES, type Mutation } from "./cases";
import { UNKNOWN } from "../../consistency-rules/src/sentinels";
import { buildPack, ENVS, PACK_DIR, paymentsStack, referenceStack, unlocked } from "./fixtures";

let pack: PackSession;
beforeAll(async () => {
  buildPack();
  pack = await unlocked(await startPack({ packDir: PACK_DIR }));
});
afterAll(async () => {
  const pid = pack?.pid;
  await pack?.close();
  if (pid) expect(execSync(`ps -o pid= -p ${pid} || true`).toString().trim()).toBe("");
});

const show = (fs: readonly Finding[]) => fs.map((f) => `${f.status} ${f.ruleId}: ${f.message}`).join("\n");
const of = (fs: readonly Finding[], policy: string, status: Finding["status"]) =>
  fs.filter((f) => f.ruleId === policy && f.status === status);

describe.each(ENVS)("compliant fixtures, %s", (env) => {
  test("the reference stack passes every policy with zero violations and zero indeterminates", async () => {
    const findings = await pack.analyzeSnapshot(referenceStack(env));
    expect(show(findings)).toBe("");
  });
  test("the payments-shaped stack (Aurora, NAT, alarm) passes every policy with zero violations and zero indeterminates", async () => {
    const findings = await pack.analyzeSnapshot(paymentsStack(env));
    expect(show(findings)).toBe("");
  });
});

test("every policy of the pack has a case", async () => {
  const info = await pack.info();
  const covered = new Set([...CASES.map((c) => c.policy), "policy-pack-indeterminate"]);
  expect(info.policies.map((p) => p.name).filter((n) => !covered.has(n))).toEqual([]);
});

describe.each(CASES.map((c) => [c.policy, c] as const))("%s", (policy, c) => {
  test.each(ENVS)("fails in %s", async (env) => {
    const findings = await pack.analyzeSnapshot(applyCase(c.fail, baseStack(c, env), env));
    const hits = of(findings, policy, "fail");
    expect(hits.length).toBeGreaterThan(0);
    expect(hits[0].message).not.toBe("");
    expect(hits[0].enforcement).toBe(c.enforcement ?? "mandatory");
  });

  if (c.unknown) {
    const unknown = c.unknown;
    test("is indeterminate (not pass, not fail) when its input is unknown at preview", async () => {
      const env = ENVS[CASES.indexOf(c) % 3];
      const findings = await pack.analyzeSnapshot(applyCase(unknown, baseStack(c, env), env));
      expect(of(findings, policy, "fail")).toEqual([]);
      const ind = of(findings, policy, "indeterminate");
      expect(ind.length).toBeGreaterThan(0);
      expect(ind[0].enforcement).toBe("advisory");
    });
  } else {
    // No unknown case can exist (${c.why}): prove it by making every property of the resource unknown — the policy
    // must still decide, on what the engine always knows.
    test(`decides even when every property is unknown at preview (${c.why})`, async () => {
      const fail = c.fail as Mutation;
      const allUnknown: Mutation = {
        target: fail.target,
        apply: (p, r, env) => {
          for (const k of Object.keys(p)) p[k] = UNKNOWN;
          return fail.apply(p, r, env);
        },
      };
      const findings = await pack.analyzeSnapshot(applyCase(allUnknown, baseStack(c, "prod"), "prod"));
      expect(of(findings, policy, "fail").length).toBeGreaterThan(0);
      expect(of(findings, policy, "indeterminate")).toEqual([]);
    });
  }
});

const MORE = CASES.flatMap((c) =>
  (c.more ?? []).flatMap((m) => (m.envs ?? ENVS).map((env) => [`${c.policy}: ${m.name} (${env})`, c, m, env] as const)),
);
describe("further pass/fail/unknown cases", () => {
  afterEach(() => pack.configure({}));
  test.each(MORE)("%s", async (_title, c, m, env) => {
    if (m.config) await pack.configure(m.config as never);
    const findings = await pack.analyzeSnapshot(m.apply(baseStack(c, env), env));
    const fails = of(findings, c.policy, "fail");
    const ind = of(findings, c.policy, "indeterminate");
    if (m.expect === "pass") expect(show([...fails, ...ind])).toBe("");
    if (m.expect === "fail") {
      expect(fails.length).toBeGreaterThan(0);
      expect(fails[0].enforcement).toBe(c.enforcement ?? "mandatory");
    }
    if (m.expect === "unknown") {
      expect(show(fails)).toBe("");
      expect(ind.length).toBeGreaterThan(0);
    }
  });
});

describe("strict: true", () => {
  beforeAll(async () => {
    const info = await pack.info();
    await pack.configure(
      Object.fromEntries(
        info.policies.filter((p) => p.name !== "policy-pack-indeterminate").map((p) => [p.name, { strict: true }]),
      ),
    );
  });
  afterAll(() => pack.configure({}));

  test.each(CASES.filter((c) => c.unknown).map((c) => [c.policy, c] as const))(
    "%s fails on an unknown value",
    async (policy, c) => {
      const findings = await pack.analyzeSnapshot(applyCase(c.unknown!, baseStack(c, "prod"), "prod"));
      expect(of(findings, policy, "fail").length).toBeGreaterThan(0);
      expect(of(findings, policy, "indeterminate")).toEqual([]);
    },
  );
});

describe("environment of a stack", () => {
  test("an unknown stack name without tag is indeterminate for env-dependent policies, never guessed", async () => {
    const findings = await pack.analyzeSnapshot(referenceStack("dev", { stack: "feature-x" }));
    expect(of(findings, "parity-consistency-rules", "indeterminate").length).toBe(1);
    expect(of(findings, "tags-environment-matches-stack", "indeterminate").length).toBeGreaterThan(0);
    expect(findings.filter((f) => f.status === "fail")).toEqual([]);
  });
  test("the env-parity:environment stack tag (ConfigureStack) names the environment", async () => {
    const findings = await pack.analyzeSnapshot(referenceStack("dev", { stack: "feature-x" }), {
      tags: { "env-parity:environment": "dev" },
    });
    expect(show(findings)).toBe("");
  });
  test("a stack tag naming the wrong environment makes env-dependent checks fail", async () => {
    const findings = await pack.analyzeSnapshot(referenceStack("dev", { stack: "feature-x" }), {
      tags: { "env-parity:environment": "prod" },
    });
    expect(of(findings, "tags-environment-matches-stack", "fail").length).toBeGreaterThan(0);
  });
});

describe("config", () => {
  afterEach(() => pack.configure({}));
  test("a policy can be disabled", async () => {
    await pack.configure({ "lambda-function-timeout-max": "disabled" });
    const c = CASES.find((x) => x.policy === "lambda-function-timeout-max")!;
    const findings = await pack.analyzeSnapshot(applyCase(c.fail, referenceStack("dev"), "dev"));
    expect(of(findings, "lambda-function-timeout-max", "fail")).toEqual([]);
  });
  test("allowed runtimes are configurable", async () => {
    await pack.configure({ "lambda-function-runtime-allowed": { allowedRuntimes: ["python3.13"] } });
    const findings = await pack.analyzeSnapshot(referenceStack("dev"));
    expect(of(findings, "lambda-function-runtime-allowed", "fail").length).toBe(2);
  });
  test("per-environment expectations can be overridden (retention)", async () => {
    await pack.configure({ "cloudwatch-log-group-retention": { retentionInDays: 30 } });
    const findings = await pack.analyzeSnapshot(referenceStack("dev"));
    expect(of(findings, "cloudwatch-log-group-retention", "fail").length).toBe(2);
  });
  test("an inline rule set that is invalid is reported, not ignored", async () => {
    await pack.configure({ "parity-consistency-rules": { rules: { version: 1, project: "data-platform" } } });
    const findings = await pack.analyzeSnapshot(referenceStack("dev"));
    expect(of(findings, "parity-consistency-rules", "indeterminate")[0]?.message).toMatch(/inline rule set .* invalid/);
  });
});
