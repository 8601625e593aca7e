/**
 * Reports people act on (issue 12): one finding per cause, locations on the changed line, a table that fits the
 * terminal, formats true to each other. Findings are built the way the comparer reports them (one per leaf path).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { XMLParser } from "fast-xml-parser";
import type { Finding } from "../../consistency-rules/src/model";
import { UNKNOWN } from "../../consistency-rules/src/sentinels";
import { renderReport } from "../../cli/reports";
import type { ReportInput } from "../../cli/reports";
import { causePathOf, groupFindings, oddEnvironment } from "../../cli/reports/group";
import { MARKDOWN_LIMIT } from "../../cli/reports/markdown";
import { FINGERPRINT_KEY, buildSarif, fingerprint } from "../../cli/reports/sarif";
import { wrap } from "../../cli/reports/table";
import { RuleCatalog } from "../../cli/util/catalog";
import { BUILTIN_RULE_TEXTS } from "../../cli/util/builtin-rules";
import { expectValidSarif } from "../cli/sarif-schema";

const ENVS = ["dev", "staging", "prod"];
const ROLE = "aws:iam/rolePolicy:RolePolicy::ingest-validator-role-policy";
const FN = "aws:lambda/function:Function::ingest-validator-function";
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "parity-causes-"));
  for (const env of ENVS) {
    const timeout = env === "staging" ? 30 : 60;
    fs.writeFileSync(
      path.join(dir, `Pulumi.${env}.yaml`),
      `config:\n  aws:region: us-east-1\n  data-platform:logLevel: info\n  data-platform:lambdaTimeoutSec: ${timeout}\n`,
    );
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const parity = (over: Partial<Finding> & Pick<Finding, "path">): Finding => ({
  ruleId: "parity-unapproved-difference",
  status: "fail",
  severity: "high",
  kind: "parity",
  message: `${over.path} differs`,
  environments: ENVS,
  file: "Pulumi.dev.yaml",
  ...over,
});

/** One statement added in staging's role policy: one finding per leaf, as the comparer reports it. */
const iamLeaves = (n = 3): Finding[] =>
  ["Action", "Effect", "Resource", ...Array.from({ length: n - 3 }, (_, i) => `Condition.k${i}`)].map((leaf) =>
    parity({
      resource: ROLE,
      path: `policy.Statement.8.${leaf}`,
      values: { dev: undefined, staging: leaf === "Action" ? "s3:*" : "x", prod: undefined },
    }),
  );
const configKey = parity({
  resource: "config::config",
  path: "lambdaTimeoutSec",
  message: "stack config: lambdaTimeoutSec differs: dev=60, staging=30, prod=60",
  values: { dev: 60, staging: 30, prod: 60 },
});
const fed = parity({
  ruleId: "parity-lambda-timeout",
  severity: "medium",
  resource: FN,
  path: "timeout",
  values: { dev: 60, staging: 30, prod: 60 },
});
const guardrails: Finding[] = ["iam-policy-no-wildcard-actions", "iam-policy-no-wildcard-resources"].map((ruleId) => ({
  ruleId,
  status: "fail",
  severity: "critical",
  kind: "policy",
  message: `${ruleId} violated`,
  environments: ["staging"],
  resource: ROLE,
  file: "Pulumi.staging.yaml",
}));

const catalog = new RuleCatalog();
const input = (findings: Finding[], over: Partial<ReportInput> = {}): ReportInput => ({
  findings,
  strict: false,
  rules: catalog.lookup,
  toolVersion: "0.1.0",
  cwd: dir,
  subject: "data-platform: dev, staging, prod",
  ...over,
});

test("a staging-only IAM statement is one parity finding (plus the guardrail findings), with a statement-level diff", () => {
  const causes = groupFindings([...iamLeaves(43), ...guardrails], dir);
  expect(causes.filter((c) => c.lead.kind === "parity")).toHaveLength(1);
  expect(causes.filter((c) => c.lead.kind === "policy")).toHaveLength(2);
  const doc = causes.find((c) => c.lead.kind === "parity")!;
  expect(doc.members).toHaveLength(43);
  expect(doc.causePath).toBe("policy");
  expect(doc.details[0]).toBe("Statement 8: Action dev=(absent) staging=s3:* prod=(absent)");
  const json = JSON.parse(renderReport("json", input([...iamLeaves(43), ...guardrails])));
  expect(json.findings.filter((f: { kind: string }) => f.kind === "parity")).toHaveLength(1);
  expect(json.findings.find((f: { kind: string }) => f.kind === "parity").related).toHaveLength(42);
});

test("a config key and the property it feeds are one cause at the key's line in the environment's own file", () => {
  const json = JSON.parse(renderReport("json", input([fed, configKey])));
  const failing = json.findings.filter((f: { status: string }) => f.status === "fail");
  expect(failing).toHaveLength(1);
  expect(failing[0]).toMatchObject({
    resource: "config::config",
    path: "lambdaTimeoutSec",
    severity: "high",
    file: "Pulumi.staging.yaml",
    location: { file: "Pulumi.staging.yaml", line: 4, column: 3 },
  });
  expect(failing[0].related.map((r: Finding) => r.ruleId)).toEqual(["parity-lambda-timeout"]);
  const sarif = buildSarif(input([fed, configKey]));
  expectValidSarif(sarif);
  const phys = sarif.runs[0].results![0].locations![0].physicalLocation!;
  expect(phys).toEqual({ artifactLocation: { uri: "Pulumi.staging.yaml" }, region: { startLine: 4, startColumn: 3 } });
  const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@" }).parse(
    renderReport("junit", input([fed, configKey])),
  );
  const tc = [xml.testsuites.testsuite].flat()[0].testcase;
  expect(tc["@file"]).toBe("Pulumi.staging.yaml");
  expect(String(tc.failure["@message"])).toMatch(/^Pulumi\.staging\.yaml:4:3: /);
  expect([tc.properties.property].flat()).toEqual(
    expect.arrayContaining([{ "@name": "location.line", "@value": "4" }]),
  );
});

test("the environment that differs: the odd one of three, the later one of two", () => {
  expect(oddEnvironment(configKey)).toBe("staging");
  expect(oddEnvironment(parity({ path: "x", values: { dev: 1, staging: 1, prod: 2 } }))).toBe("prod");
  expect(oddEnvironment(parity({ path: "x", values: { dev: 1, staging: 2 } }))).toBe("staging");
  expect(oddEnvironment(parity({ path: "x", values: { dev: 1, staging: 2, prod: 3 } }))).toBeUndefined();
  expect(causePathOf("policy.Statement.8.Action")).toBe("policy");
  expect(causePathOf("ingress.3.fromPort")).toBe("ingress");
  expect(causePathOf("tracingConfig.mode")).toBe("tracingConfig.mode");
});

test("one tag added in prod on many resources is one cause; fingerprints are stable across the regrouping", () => {
  const tag = (i: number) =>
    parity({
      resource: `aws:s3/bucket:Bucket::b${i}`,
      path: "tags.Owner",
      values: { dev: undefined, staging: undefined, prod: "team" },
    });
  const many = Array.from({ length: 62 }, (_, i) => tag(i));
  expect(groupFindings(many, dir)).toHaveLength(1);
  const fp = (fs: Finding[]) =>
    buildSarif(input(fs)).runs[0].results!.map((r) => r.partialFingerprints![FINGERPRINT_KEY]);
  expect(fp(many)).toEqual(fp(many.slice(0, 3))); // a resource more or less: the same alert
  expect(fp(iamLeaves(43))).toEqual(fp(iamLeaves(3))); // a leaf more or less: the same alert
  // a finding that stands alone keeps the fingerprint it had before grouping
  const alone = parity({ resource: FN, path: "memorySize", values: { dev: 512, staging: 512, prod: 1024 } });
  expect(fp([alone])).toEqual([fingerprint(alone)]);
  expect(fp([fed, configKey])).toEqual([fingerprint(configKey)]);
});

test("the pack and the CLI reporting the same invariant are one entry naming both sources", () => {
  const cli = parity({
    ruleId: "parity-lambda-runtime",
    resource: FN,
    path: "runtime",
    values: { dev: "nodejs22.x", staging: "nodejs20.x", prod: "nodejs22.x" },
  });
  const pack: Finding = {
    ruleId: "parity-consistency-rules",
    status: "fail",
    severity: "high",
    kind: "policy",
    message: "parity-lambda-runtime: runtime must be nodejs22.x",
    environments: ["staging"],
    resource: FN,
  };
  const causes = groupFindings([cli, pack], dir);
  expect(causes).toHaveLength(1);
  expect(causes[0].sources).toEqual(["cli", "pack"]);
  expect(renderReport("table", input([cli, pack]))).toContain("(reported by cli and pack)");
});

test("findings that name the resource and path only in their message (the pack, the lock) join the cause", () => {
  const pack: Finding = {
    ruleId: "parity-consistency-rules",
    status: "fail",
    severity: "high",
    kind: "policy",
    message:
      'parity-lock-mismatch: env-parity:iam:FunctionRole$aws:iam/rolePolicy:RolePolicy::ingest-validator-role-policy: policy.Statement.8.Action is "s3:*" in staging',
    environments: ["staging"],
    resource: ROLE,
  };
  const lock: Finding = {
    ruleId: "parity-lock-stale",
    status: "fail",
    severity: "medium",
    kind: "parity",
    message:
      "the lock is stale: env-parity:iam:FunctionRole$aws:iam/rolePolicy:RolePolicy::ingest-validator-role-policy: policy.Statement.8.Effect: now differs",
    environments: ENVS,
  };
  const causes = groupFindings([pack, lock, ...iamLeaves(3), ...guardrails], dir);
  expect(causes.map((c) => [c.lead.ruleId, c.members.length])).toEqual([
    ["parity-unapproved-difference", 5],
    ["iam-policy-no-wildcard-actions", 1],
    ["iam-policy-no-wildcard-resources", 1],
  ]);
  expect(causes[0].sources).toEqual(["cli", "pack"]);
  // a guardrail naming the same resource is never absorbed; an unrelated path stays its own entry
  const other: Finding = {
    ...lock,
    message: "the lock is stale: aws:iam/rolePolicy:RolePolicy::ingest-validator-role-policy: name: now differs",
  };
  expect(groupFindings([other, ...iamLeaves(3)], dir)).toHaveLength(2);
});

describe("table", () => {
  const long = `arn:aws:iam::111111111111:role/${"x".repeat(150)}-staging-only-${"y".repeat(40)}`;
  const drifted = [
    parity({
      resource: FN,
      path: "role",
      values: { dev: long.replace("staging-only", "dev"), staging: long, prod: long.replace("staging-only", "prod") },
    }),
    fed,
    configKey,
    ...guardrails,
  ];

  test("fits 80 columns, verdict first and last, each failing value whole", () => {
    const t = renderReport("table", input(drifted, { width: 80 }));
    const lines = t.trimEnd().split("\n");
    expect(lines.filter((l) => l.length > 80)).toEqual([]);
    expect(lines[0]).toMatch(/^FAIL /);
    expect(lines[lines.length - 1]).toMatch(/^ *FAIL |^  /);
    expect(t.indexOf("FAIL")).toBe(0);
    // wrapped, not cut: joining the continuation lines gives the value back
    expect(t.replace(/\n +/g, "")).toContain(JSON.stringify(long));
    expect(t).not.toContain("…");
  });

  test("a clean run with many approvals is one screenful; approved rows are a count", () => {
    const approved = Array.from({ length: 56 }, (_, i) =>
      parity({
        status: "approved",
        severity: "low",
        resource: `aws:sqs/queue:Queue::q${i}`,
        path: "messageRetentionSeconds",
        values: { dev: 1, staging: 1, prod: i },
        approval: { id: `a${i}`, reason: "r", owner: "o" },
      }),
    );
    const t = renderReport("table", input(approved, { width: 80 }));
    expect(t.trimEnd().split("\n").length).toBeLessThanOrEqual(40);
    expect(t).toMatch(/^OK 0 failed/);
    expect(t).toMatch(/56 approved differences/);
    expect(renderReport("table", input(approved, { width: 80, showApproved: true }))).toContain("approval a55");
  });

  test("unknown is (unknown), never the sentinel", () => {
    const t = renderReport(
      "table",
      input([
        parity({
          status: "indeterminate",
          resource: FN,
          path: "arn",
          values: { dev: UNKNOWN, staging: "x", prod: UNKNOWN },
        }),
      ]),
    );
    expect(t).toContain("(unknown)");
    expect(t).not.toContain(UNKNOWN);
    expect(
      renderReport(
        "json",
        input([parity({ status: "indeterminate", resource: FN, path: "arn", values: { dev: UNKNOWN } })]),
      ),
    ).not.toContain(UNKNOWN);
  });

  test("rows are capped with a pointer to the JSON report; 20k findings render", () => {
    const many = Array.from({ length: 20_000 }, (_, i) =>
      parity({ resource: `aws:sqs/queue:Queue::q${i}`, path: "delaySeconds", values: { dev: 0, staging: i, prod: 0 } }),
    );
    const t = renderReport("table", input(many, { width: 100 }));
    expect(t).toContain("… 19800 more, see --format json");
    expect(t.split("\n").length).toBeLessThan(2000);
  });

  test("wrap breaks long words and keeps every character", () => {
    const w = wrap(`a ${"b".repeat(25)} c`, 10, "  ");
    expect(w.every((l) => l.length <= 10)).toBe(true);
    expect(w.join("").replace(/ /g, "")).toBe(`a${"b".repeat(25)}c`);
  });
});

test("markdown stays under GitHub's limit with 1,000 approvals, shows approval ids and values, points to the full report", () => {
  const approved = Array.from({ length: 1000 }, (_, i) =>
    parity({
      status: "approved",
      severity: "low",
      resource: `aws:sqs/queue:Queue::queue-number-${i}`,
      path: "messageRetentionSeconds",
      values: { dev: 345600, staging: 345600, prod: 1209600 },
      approval: {
        id: `sqs-retention-${i}`,
        reason: "prod keeps messages for two weeks for replay after incidents",
        owner: "platform-team",
        expires: "2027-12-31",
      },
    }),
  );
  const md = renderReport("markdown", input(approved));
  expect(md.length).toBeLessThan(MARKDOWN_LIMIT);
  expect(md).toContain("| `sqs-retention-0` |");
  expect(md).toContain("prod=1209600");
  expect(md).toMatch(/\*\*\d+ more not shown\*\*.*--format json/);
});

test("every built-in rule has what, why and fix in the catalogue; SARIF help carries it", () => {
  for (const r of BUILTIN_RULE_TEXTS) {
    const info = catalog.lookup(r.id);
    expect([info.title, info.why, info.fix].every((s) => typeof s === "string" && s.length > 10)).toBe(true);
  }
  const log = buildSarif(input([configKey]));
  expect(log.runs[0].tool.driver.rules![0].help!.text).toBe(
    BUILTIN_RULE_TEXTS.find((r) => r.id === "parity-unapproved-difference")!.fix,
  );
  expect(JSON.stringify(log)).not.toContain(dir); // no absolute path of this machine
});
