/**
 * The payments rules against the payments plans, through the one normaliser and the one comparer:
 * every per-environment variant of the stack set is an approved difference, and anything else is not.
 */
import * as path from "path";
import { planProject, type Plan } from "./mock-plan";
import { loadRules } from "../../consistency-rules/src/rules";
import { normaliseSnapshot } from "../../consistency-rules/src/normalise";
import { compareSnapshots, checkStack } from "../../consistency-rules/src/compare";
import type { Snapshot } from "../../consistency-rules/src/model";

const PROJECT_DIR = path.resolve(__dirname, "../../examples/payments");
const RULES_FILE = path.join(PROJECT_DIR, "consistency-rules/payments.rules.json");
const ENVS = ["dev", "staging", "prod"] as const;
const plans: Record<string, Plan> = {};

export function toSnapshot(env: string, plan: Plan, suffix = "p1"): Snapshot {
  return {
    context: { env, stack: env, project: "payments", suffix },
    source: "plan",
    origin: `examples/payments/Pulumi.${env}.yaml`,
    resources: plan.resources.filter((r) => r.custom).map((r) => ({
      urn: `urn:pulumi:${env}::payments::${r.type}::${r.name}`, type: r.type, name: r.name, custom: true, dependencies: [], props: r.inputs,
    })),
  };
}

beforeAll(async () => {
  for (const env of ENVS) plans[env] = await planProject(PROJECT_DIR, env);
}, 180_000);

describe("payments rules", () => {
  it("approve every difference between the three environments", () => {
    const rules = loadRules(RULES_FILE);
    const normalised = ENVS.map((env) => normaliseSnapshot(toSnapshot(env, plans[env]), rules));
    const findings = compareSnapshots(normalised, rules, new Date("2026-06-01"));
    const bad = findings.filter((f) => f.status === "fail" || f.status === "indeterminate");
    expect(bad.map((f) => f.message)).toEqual([]);
  });
});

describe("payments rules catch what they do not approve", () => {
  const compare = (mutate: (env: string, s: Snapshot) => Snapshot) => {
    const rules = loadRules(RULES_FILE);
    const snaps = ENVS.map((env) => normaliseSnapshot(mutate(env, toSnapshot(env, plans[env])), rules));
    return compareSnapshots(snaps, rules, new Date("2026-06-01")).filter((f) => f.status === "fail");
  };
  const setProp = (s: Snapshot, nameSuffix: string, key: string, value: unknown): Snapshot => ({
    ...s, resources: s.resources.map((r) => (r.name.endsWith(nameSuffix) ? { ...r, props: { ...r.props, [key]: value } } : r)),
  });

  it("a staging alarm threshold other than the approved 90", () => {
    const fails = compare((env, s) => (env === "staging" ? setProp(s, "-db-cpu-alarm", "threshold", 95) : s));
    expect(fails.map((f) => [f.ruleId, f.path])).toEqual([["parity-unapproved-difference", "threshold"]]);
    expect(fails[0].environments).toContain("staging");
    expect(fails[0].values).toMatchObject({ staging: 95 });
  });
  it("a second database instance in staging", () => {
    const fails = compare((env, s) => (env === "staging" ? { ...s, resources: [...s.resources, { ...s.resources.find((r) => r.name.endsWith("-db-instance-1"))!, name: "staging-payments-db-instance-2", urn: "urn:x" }] } : s));
    expect(fails.map((f) => f.ruleId)).toContain("parity-resource-inventory");
  });
  it("PITR switched on in dev, or a backup retention nobody approved", () => {
    const fails = compare((env, s) => (env === "dev" ? setProp(setProp(s, "-transactions-table", "pointInTimeRecovery", { enabled: true }), "-db-cluster", "backupRetentionPeriod", 3) : s));
    expect(fails.map((f) => f.path).sort()).toEqual(["backupRetentionPeriod", "pointInTimeRecovery.enabled"]);
  });
  it("a VPC range outside the approved one", () => {
    const fails = compare((env, s) => (env === "prod" ? setProp(s, "-vpc", "cidrBlock", "10.9.0.0/16") : s));
    expect(fails.map((f) => f.path)).toEqual(["cidrBlock"]);
  });
  it("an unencrypted prod cluster breaks an invariant", () => {
    const fails = compare((env, s) => (env === "prod" ? setProp(s, "-db-cluster", "storageEncrypted", false) : s));
    expect(fails.map((f) => f.ruleId)).toEqual(["parity-aurora-encryption"]);
  });
  it("each stack alone satisfies its environment's expectations (the pack's view)", () => {
    const rules = loadRules(RULES_FILE);
    for (const env of ENVS) {
      const fails = checkStack(normaliseSnapshot(toSnapshot(env, plans[env]), rules), rules, new Date("2026-06-01")).filter((f) => f.status !== "pass" && f.status !== "approved");
      expect([env, fails.map((f) => f.message)]).toEqual([env, []]);
    }
    expect(rules.expectation("prod", "aws:rds/cluster:Cluster", "payments-db-cluster", "backupRetentionPeriod")).toBe(30);
    expect(rules.expectation("staging", "aws:cloudwatch/metricAlarm:MetricAlarm", "payments-db-cpu-alarm", "threshold")).toBe(90);
  });
});
