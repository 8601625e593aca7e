/**
 * The payments rules against the planned payments stacks, through the one normaliser and the one comparer: every
 * per-environment variant is an approved difference with a reason and an owner, and anything else is not.
 */
import { loadRules } from "../../consistency-rules/src/rules";
import { normaliseSnapshot } from "../../consistency-rules/src/normalise";
import { compareSnapshots, checkStack } from "../../consistency-rules/src/compare";
import type { Snapshot } from "../../consistency-rules/src/model";
import { ENVS, planPayments, RULES_FILE, type Env, type Plan } from "./plans";

const NOW = new Date("2026-06-01");
let plans: Record<Env, Plan>;
beforeAll(async () => {
  plans = await planPayments();
}, 180_000);

const rules = () => loadRules(RULES_FILE);
function compare(mutate: (env: Env, s: Snapshot) => Snapshot = (_e, s) => s) {
  const rs = rules();
  return compareSnapshots(
    ENVS.map((env) => normaliseSnapshot(mutate(env, plans[env].snapshot), rs)),
    rs,
    NOW,
  );
}
const setProp = (s: Snapshot, name: string, key: string, value: unknown): Snapshot => ({
  ...s,
  resources: s.resources.map((r) => (r.name === name ? { ...r, props: { ...r.props, [key]: value } } : r)),
});

describe("payments rules", () => {
  it("approve every difference between the three environments, each with a reason and an owner", () => {
    const findings = compare();
    // route targets are outputs (unknown until apply) — see the lead's note on `{ any: true }` specs
    const bad = findings.filter(
      (f) => f.status === "fail" || (f.status === "indeterminate" && !/private-default-route/.test(f.resource ?? "")),
    );
    expect(bad.map((f) => f.message)).toEqual([]);
    const approved = findings.filter((f) => f.status === "approved");
    expect(approved.length).toBeGreaterThan(30);
    for (const f of approved)
      expect(f.approval).toMatchObject({
        reason: expect.stringMatching(/.{10}/),
        owner: expect.stringMatching(/^payments-(platform|dba|sre)$/),
      });
  });

  it("approve nothing that the spec says is identical (engine, encryption, runtime, timeout, retention, tags)", () => {
    const rs = rules();
    const same: [string, string, string][] = [
      ["aws:rds/cluster:Cluster", "payments-db-cluster", "engineVersion"],
      ["aws:rds/cluster:Cluster", "payments-db-cluster", "storageEncrypted"],
      ["aws:rds/cluster:Cluster", "payments-db-cluster", "skipFinalSnapshot"],
      ["aws:lambda/function:Function", "payments-payment-function", "runtime"],
      ["aws:lambda/function:Function", "payments-payment-function", "timeout"],
      ["aws:cloudwatch/logGroup:LogGroup", "payments-payment-logs", "retentionInDays"],
      [
        "aws:s3/bucketVersioning:BucketVersioning",
        "payments-receipts-bucket-versioning",
        "versioningConfiguration.status",
      ],
      ["aws:dynamodb/table:Table", "payments-transactions-table", "tags.CostCenter"],
      ["config", "config", "logRetentionDays"],
      ["config", "config", "lambdaTimeoutSec"],
    ];
    for (const [type, id, path] of same)
      expect([type, id, path, rs.approvalFor(type, id, path)?.id]).toEqual([type, id, path, undefined]);
  });
});

describe("payments rules catch what they do not approve", () => {
  const fails = (mutate: (env: Env, s: Snapshot) => Snapshot) => compare(mutate).filter((f) => f.status === "fail");

  it("a staging alarm threshold other than the approved 90", () => {
    const f = fails((env, s) => (env === "staging" ? setProp(s, "staging-payments-db-cpu-alarm", "threshold", 95) : s));
    expect(f.map((x) => [x.ruleId, x.path])).toEqual([["parity-unapproved-difference", "threshold"]]);
    expect(f[0].values).toMatchObject({ staging: 95, prod: 80 });
  });
  it("a second database instance in staging", () => {
    const f = fails((env, s) => {
      if (env !== "staging") return s;
      const one = s.resources.find((r) => r.name === "staging-payments-db-instance-1")!;
      return {
        ...s,
        resources: [
          ...s.resources,
          { ...one, name: "staging-payments-db-instance-2", urn: one.urn.replace(/-1$/, "-2") },
        ],
      };
    });
    expect(f.map((x) => x.ruleId)).toContain("parity-resource-inventory");
  });
  it("PITR switched on in dev, or a backup retention nobody approved", () => {
    const f = fails((env, s) =>
      env === "dev"
        ? setProp(
            setProp(s, "dev-payments-transactions-table", "pointInTimeRecovery", { enabled: true }),
            "dev-payments-db-cluster",
            "backupRetentionPeriod",
            3,
          )
        : s,
    );
    expect(f.map((x) => x.path).sort()).toEqual(["backupRetentionPeriod", "pointInTimeRecovery.enabled"]);
  });
  it("a VPC range outside the approved one", () => {
    const f = fails((env, s) => (env === "prod" ? setProp(s, "prod-payments-vpc", "cidrBlock", "10.9.0.0/16") : s));
    expect(f.map((x) => x.path)).toEqual(["cidrBlock"]);
  });
  it("an unencrypted prod cluster breaks an invariant", () => {
    const f = fails((env, s) =>
      env === "prod" ? setProp(s, "prod-payments-db-cluster", "storageEncrypted", false) : s,
    );
    expect(f.map((x) => x.ruleId)).toEqual(["parity-aurora-encryption"]);
  });
  it("a different function timeout in one environment is unapproved", () => {
    const f = fails((env, s) => (env === "dev" ? setProp(s, "dev-payments-payment-function", "timeout", 30) : s));
    expect(f.map((x) => [x.ruleId, x.path, x.values])).toEqual([
      ["parity-unapproved-difference", "timeout", { dev: 30, staging: 15, prod: 15 }],
    ]);
  });

  it("checkStack without passing findings (the pack's call) gives exactly the failures and indeterminates", () => {
    const rs = rules();
    for (const env of ENVS) {
      const n = normaliseSnapshot(setProp(plans[env].snapshot, `${env}-payments-db-cpu-alarm`, "threshold", 97), rs);
      const all = checkStack(n, rs, NOW);
      expect(all.filter((f) => f.status === "pass").length).toBeGreaterThan(10);
      if (env === "staging") expect(all.some((f) => f.status === "fail")).toBe(true); // approved: 90
      expect(checkStack(n, rs, NOW, { passes: false })).toEqual(all.filter((f) => f.status !== "pass"));
    }
  });

  it("each stack alone satisfies its environment's expectations (the pack's view)", () => {
    const rs = rules();
    for (const env of ENVS) {
      const bad = checkStack(normaliseSnapshot(plans[env].snapshot, rs), rs, NOW).filter((f) => f.status === "fail");
      expect([env, bad.map((f) => f.message)]).toEqual([env, []]);
    }
    expect(rs.expectation("prod", "aws:rds/cluster:Cluster", "payments-db-cluster", "backupRetentionPeriod")).toBe(30);
    expect(
      rs.expectation("staging", "aws:cloudwatch/metricAlarm:MetricAlarm", "payments-db-cpu-alarm", "threshold"),
    ).toBe(90);
    expect(
      rs.expectation("dev", "aws:dynamodb/table:Table", "payments-transactions-table", "pointInTimeRecovery.enabled"),
    ).toBe(false);
  });
});
