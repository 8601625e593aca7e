/**
 * `parity baseline` end to end: one approval per cause (a config key and the properties it feeds), baselines from real
 * `pulumi stack export` files, re-running adds only what is new, and baseline debt that warns and then fails.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the cases rewrite parsed third-party JSON */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadRulesFromObject } from "../../consistency-rules/src/rules";
import { compareSnapshots } from "../../consistency-rules/src/compare";
import { matchesNothingFindings } from "../../cli/commands/rules";
import { cli, fx, ROOT } from "../cli/run-cli";

const SLOW = 300_000;

interface Rules {
  approvals?: any[];
  exemptions?: any[];
}

/** A two-stack program: config key `retentionSeconds` feeds `messageRetentionSeconds` of two queues. */
function project(): { dir: string; rulesFile: string; program: (extra?: string) => void; setKey: (v: number) => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parity-baseline-"));
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: acme\nruntime: nodejs\n");
  fs.writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { strict: true, target: "es2020", module: "nodenext", moduleResolution: "nodenext" },
      files: ["index.ts"],
    }),
  );
  const program = (extra = "") =>
    fs.writeFileSync(
      path.join(dir, "index.ts"),
      [
        'import * as pulumi from "@pulumi/pulumi";',
        'import * as aws from "@pulumi/aws";',
        "const config = new pulumi.Config();",
        'const retention = config.requireNumber("retentionSeconds");',
        'new aws.sqs.Queue("jobs", { messageRetentionSeconds: retention });',
        `new aws.sqs.Queue("dead-letters", { messageRetentionSeconds: retention${extra} });`,
        "",
      ].join("\n"),
    );
  const setKey = (prod: number) => {
    fs.writeFileSync(
      path.join(dir, "Pulumi.dev.yaml"),
      "config:\n  aws:region: us-east-1\n  acme:retentionSeconds: 3600\n",
    );
    fs.writeFileSync(
      path.join(dir, "Pulumi.prod.yaml"),
      `config:\n  aws:region: us-east-1\n  acme:retentionSeconds: ${prod}\n`,
    );
  };
  program();
  setKey(86400);
  fs.mkdirSync(path.join(dir, "consistency-rules"));
  const rulesFile = path.join(dir, "consistency-rules", "acme.rules.json");
  fs.writeFileSync(
    rulesFile,
    JSON.stringify({
      version: 1,
      project: "acme",
      environments: {
        dev: { stacks: ["dev"], region: "us-east-1" },
        prod: { stacks: ["prod"], region: "us-east-1" },
      },
    }),
  );
  return { dir, rulesFile, program, setKey };
}

const read = (file: string): Rules => JSON.parse(fs.readFileSync(file, "utf8")) as Rules;

describe("a config key and the properties it feeds: one baseline approval", () => {
  const p = project();
  /** `parity check --format json`: exit code, warnings, the summary and the failures' messages. */
  const check = async (now?: string) => {
    const r = await cli(["check", p.dir, "--no-pack", "--format", "json"], { now });
    const report = JSON.parse(r.stdout || "{}") as { summary?: any; findings?: any[] };
    const failed = (report.findings ?? []).filter((f) => f.status === "fail").map((f) => String(f.message));
    return { code: r.code, stderr: r.stderr, summary: report.summary ?? {}, failed };
  };
  const baseline = () => cli(["baseline", p.dir, "--owner", "platform", "--no-pack"]);
  afterAll(() => fs.rmSync(p.dir, { recursive: true, force: true }));

  test(
    "baseline writes ONE approval (the key, both properties in feeds); check then exits 0; re-running adds nothing",
    async () => {
      const before = await check();
      expect(before).toMatchObject({ code: 1, stderr: "", summary: { fail: 3, approved: 0 } });

      const b = await baseline();
      expect({ code: b.code, stderr: b.stderr }).toEqual({ code: 0, stderr: "" });
      expect(b.stdout).toMatch(
        /added 1 baseline approval and 0 exemptions to .*acme\.rules\.json \(owner platform, expires 2026-08-30\)/,
      );
      const { approvals } = read(p.rulesFile);
      expect(approvals).toHaveLength(1);
      expect(approvals![0]).toMatchObject({
        id: "baseline-config-retentionseconds",
        type: "config",
        resource: "config",
        path: "retentionSeconds",
        values: { dev: 3600, prod: 86400 },
        owner: "platform",
        expires: "2026-08-30",
        baseline: true,
      });
      expect([...approvals![0].feeds].sort((a: any, b: any) => a.resource.localeCompare(b.resource))).toEqual([
        { type: "aws:sqs/queue:Queue", resource: "dead-letters", path: "messageRetentionSeconds" },
        { type: "aws:sqs/queue:Queue", resource: "jobs", path: "messageRetentionSeconds" },
      ]);

      const after = await check();
      expect(after).toMatchObject({ code: 0, summary: { fail: 0, indeterminate: 0, approved: 3 } });

      const text = fs.readFileSync(p.rulesFile, "utf8");
      const again = await baseline();
      expect(again.stdout).toMatch(/added 0 baseline approvals and 0 exemptions/);
      expect(fs.readFileSync(p.rulesFile, "utf8")).toBe(text);
    },
    SLOW,
  );

  test(
    "the key changed a third way is new drift: the key and both properties fail under the one approval; an unrelated drift fails and is baselined alone",
    async () => {
      p.setKey(604800);
      const third = await check().finally(() => p.setKey(86400));
      expect(third).toMatchObject({ code: 1, summary: { fail: 3, approved: 0 } });
      // one cause (the key; both properties it feeds with it), failing under the one approval
      expect(third.failed).toEqual([
        expect.stringContaining(
          "retentionSeconds differs: dev=3600, prod=604800; approval baseline-config-retentionseconds allows prod=86400",
        ),
      ]);

      p.program(', delaySeconds: pulumi.getStack() === "prod" ? 5 : 0');
      const drift = await check();
      expect(drift).toMatchObject({ code: 1, summary: { fail: 1, approved: 3 } });
      expect(drift.failed).toEqual([expect.stringContaining("dead-letters: delaySeconds differs: dev=0, prod=5")]);

      const b = await baseline();
      expect(b.stdout).toMatch(/added 1 baseline approval and 0 exemptions/);
      const { approvals } = read(p.rulesFile);
      expect(approvals!.map((a) => [a.id, a.feeds?.length ?? 0])).toEqual([
        ["baseline-config-retentionseconds", 2],
        ["baseline-dead-letters-delayseconds", 0],
      ]);
      expect((await check()).code).toBe(0);
    },
    SLOW,
  );

  test(
    "baseline debt: check warns within 14 days of the expiry and fails once it has passed",
    async () => {
      const soon = await check("2026-08-20T09:00:00Z");
      expect(soon.code).toBe(0);
      expect(soon.stderr).toContain(
        "parity: warning: baseline approval baseline-config-retentionseconds expires on 2026-08-30 (in 10 days)",
      );
      const late = await check("2026-08-31T09:00:00Z");
      expect(late.code).toBe(1);
      expect(late.failed).toContainEqual(
        expect.stringMatching(
          /^approval baseline-config-retentionseconds \(config config retentionSeconds\) expired on 2026-08-30.*parity-approval-expired/,
        ),
      );
    },
    SLOW,
  );
});

describe("with the policy pack: configured as `parity check` configures it", () => {
  const p = project();
  afterAll(() => fs.rmSync(p.dir, { recursive: true, force: true }));

  test(
    "violations become exemptions; a guardrail the new approvals settle (sqs-queue-retention) does not; check then exits 0",
    async () => {
      // the pack process keeps the machine's clock (not the test's): an expiry far enough out for both
      const b = await cli(["baseline", p.dir, "--owner", "platform", "--expires", "2099-01-01"]);
      expect({ code: b.code, stderr: b.stderr }).toEqual({ code: 0, stderr: "" });
      expect(b.stdout).toMatch(/^parity: added 1 baseline approval and [1-9]\d* exemptions to /);
      const { approvals, exemptions } = read(p.rulesFile);
      expect(approvals!.map((a) => a.id)).toEqual(["baseline-config-retentionseconds"]);
      const exempted = exemptions!.map((e) => `${e.policy} ${e.resource}${e.environments ? ` ${e.environments}` : ""}`);
      expect(exempted).toEqual(expect.arrayContaining(["sqs-queue-redrive jobs", "tags-required dead-letters"]));
      // the pack reads the approved retention per environment from the rules it is given, as in `parity check`
      expect(exempted.filter((e) => e.startsWith("sqs-queue-retention"))).toEqual([]);
      expect(
        exemptions!.every((e) => e.baseline === true && e.owner === "platform" && e.expires === "2099-01-01"),
      ).toBe(true);
      const check = await cli(["check", p.dir]);
      expect(check.stdout).toMatch(/^OK 0 failed/);
      expect(check.code).toBe(0);
    },
    SLOW,
  );
});

describe("baseline from real `pulumi stack export` files", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parity-baseline-export-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  /** Pulumi's own countdown checkpoint (stack foo) as dev, and the same deployment moved to prod's account and region. */
  const v3 = fx("real", "pulumi", "checkpoint-v3.json");
  const rulesFile = path.join(dir, "countdown.rules.json");
  fs.copyFileSync(fx("real", "countdown-accounts.rules.json"), rulesFile);
  const prod = (edit?: (doc: any) => void): string => {
    const text = fs
      .readFileSync(v3, "utf8")
      .split("urn:pulumi:foo::")
      .join("urn:pulumi:shop-prd-eu::")
      .split("pulumi-foo-")
      .join("pulumi-shop-prd-eu-")
      .split("153052954103")
      .join("444455556666")
      .split("us-east-2")
      .join("eu-west-1");
    const doc = JSON.parse(text);
    edit?.(doc);
    const file = path.join(dir, "prod.json");
    fs.writeFileSync(file, JSON.stringify(doc, null, 2));
    return file;
  };
  const fn = (doc: any, name: string) =>
    doc.checkpoint.latest.resources.find(
      (r: any) => r.type === "aws:lambda/function:Function" && r.urn.endsWith(`::${name}`),
    );
  const timeout = (t: number) => (doc: any) => {
    for (const k of ["inputs", "outputs"]) fn(doc, "countDown_watcher")[k].timeout = t;
  };
  const diff = () => cli(["diff", v3, path.join(dir, "prod.json"), "--rules", rulesFile]);
  const baseline = () =>
    cli(
      [
        "baseline",
        "--rules",
        rulesFile,
        "--owner",
        "platform",
        "--no-pack",
        "--export",
        `dev=${v3}`,
        "--export",
        `prod=${path.join(dir, "prod.json")}`,
      ],
      {
        cwd: dir,
      },
    );

  test(
    "reads the exports instead of planning: the drift they show is approved, a new one fails",
    async () => {
      prod(timeout(900));
      expect((await diff()).code).toBe(1);
      const b = await baseline();
      expect({ code: b.code, stderr: b.stderr }).toEqual({ code: 0, stderr: "" });
      expect(b.stdout).toMatch(/added 1 baseline approval and 0 exemptions to countdown\.rules\.json/);
      expect(read(rulesFile).approvals).toEqual([
        expect.objectContaining({
          type: "aws:lambda/function:Function",
          resource: "countDown_watcher",
          path: "timeout",
          values: { dev: 180, prod: 900 },
          baseline: true,
          owner: "platform",
        }),
      ]);
      expect((await diff()).code).toBe(0);
      expect((await baseline()).stdout).toMatch(/added 0 baseline approvals and 0 exemptions/);

      prod((doc) => {
        timeout(900)(doc);
        for (const k of ["inputs", "outputs"]) fn(doc, "countDown_watcher")[k].memorySize = 1024;
      });
      const drift = await diff();
      expect(drift.code).toBe(1);
      expect(drift.stdout).toContain("memorySize differs");
    },
    SLOW,
  );

  test("an --export that names no environment, or an environment without one, is bad input (exit 2, one line)", async () => {
    const unknown = await cli(
      ["baseline", "--rules", rulesFile, "--owner", "platform", "--no-pack", "--export", `qa=${v3}`],
      {
        cwd: dir,
      },
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^parity: --export qa=…: qa is not an environment of .*countdown\.rules\.json/);
    const missing = await cli(
      ["baseline", "--rules", rulesFile, "--owner", "platform", "--no-pack", "--export", `dev=${v3}`],
      {
        cwd: dir,
      },
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^parity: --export: no export for prod/);
  });
});

describe("feeds in the rule language", () => {
  const base = {
    version: 1,
    project: "acme",
    environments: { dev: { stacks: ["dev"] }, prod: { stacks: ["prod"] } },
  };
  const approval = {
    id: "retention",
    type: "config",
    resource: "config",
    path: "retentionSeconds",
    values: { dev: 3600, prod: 86400 },
    feeds: [{ type: "aws:sqs/queue:Queue", resource: "*", path: "messageRetentionSeconds" }],
    reason: "prod keeps messages a day",
    owner: "platform",
  };
  const snap = (env: string, retention: number, delay = 0) => {
    const props = { messageRetentionSeconds: retention, delaySeconds: delay };
    return {
      context: { env, stack: env, project: "acme" },
      source: "plan" as const,
      origin: env,
      config: { "acme:retentionSeconds": retention },
      resources: new Map([
        [
          "aws:sqs/queue:Queue::jobs",
          {
            logicalId: "jobs",
            type: "aws:sqs/queue:Queue",
            original: {
              urn: `urn:pulumi:${env}::acme::aws:sqs/queue:Queue::jobs`,
              type: "t",
              name: "n",
              custom: true,
              dependencies: [],
              props,
            },
            props,
          },
        ],
      ]),
    };
  };
  const statuses = (rules: ReturnType<typeof loadRulesFromObject>, prodRetention: number, prodDelay = 0) =>
    compareSnapshots([snap("dev", 3600), snap("prod", prodRetention, prodDelay)] as any, rules, new Date("2026-06-01"))
      .filter((f) => f.status !== "pass")
      .map((f) => [f.resource, f.path, f.status, f.approval?.id])
      .sort((a, b) => `${a[0]} ${a[1]}`.localeCompare(`${b[0]} ${b[1]}`));

  test("one config-key approval approves the key and every property it feeds, with the same values", () => {
    const rules = loadRulesFromObject({ ...base, approvals: [approval] }, "acme.rules.json");
    expect(statuses(rules, 86400)).toEqual([
      ["aws:sqs/queue:Queue::jobs", "messageRetentionSeconds", "approved", "retention"],
      ["config::config", "retentionSeconds", "approved", "retention"],
    ]);
    expect(statuses(rules, 60, 5).map((s) => s.slice(0, 3))).toEqual([
      ["aws:sqs/queue:Queue::jobs", "delaySeconds", "fail"],
      ["aws:sqs/queue:Queue::jobs", "messageRetentionSeconds", "fail"],
      ["config::config", "retentionSeconds", "fail"],
    ]);
    // the key alone, without feeds: the property is not approved (the rule language is unchanged without feeds)
    const { feeds: _f, ...alone } = approval;
    expect(statuses(loadRulesFromObject({ ...base, approvals: [alone] }, "acme.rules.json"), 86400)).toEqual([
      ["aws:sqs/queue:Queue::jobs", "messageRetentionSeconds", "fail", undefined],
      ["config::config", "retentionSeconds", "approved", "retention"],
    ]);
  });

  test("a fed property that matches no resource is a rule that rots: parity-rule-matches-nothing names the approval", () => {
    const gone = { ...approval, feeds: [{ type: "aws:sqs/queue:Queue", resource: "renamed", path: "delaySeconds" }] };
    const rules = loadRulesFromObject({ ...base, approvals: [gone] }, "acme.rules.json");
    const found = matchesNothingFindings(rules, [snap("dev", 3600), snap("prod", 86400)] as any);
    expect(found.map((f) => f.message)).toEqual([
      "warning: approval retention (aws:sqs/queue:Queue renamed) matches no resource in dev, prod; remove or fix it (parity-rule-matches-nothing)",
    ]);
    expect(
      matchesNothingFindings(loadRulesFromObject({ ...base, approvals: [approval] }, "a.rules.json"), [
        snap("dev", 1),
      ] as any),
    ).toEqual([]);
  });

  test("feeds is refused on a resource approval, naming a config key, or on a path an invariant pins", () => {
    const load =
      (a: object, extra: object = {}) =>
      () =>
        loadRulesFromObject({ ...base, approvals: [a], ...extra }, "acme.rules.json");
    expect(load({ ...approval, type: "aws:sqs/queue:Queue", resource: "jobs" })).toThrow(
      /acme\.rules\.json: approvals\[0\]\.feeds only a config-key approval \(type "config"\) feeds properties/,
    );
    expect(load({ ...approval, feeds: [{ type: "config", resource: "config", path: "other" }] })).toThrow(
      /approvals\[0\]\.feeds\[0\]\.type a fed property is a resource's/,
    );
    expect(load({ ...approval, feeds: [{ type: "aws:sqs/queue:Queue", resource: "*", path: "$present" }] })).toThrow(
      /approvals\[0\]\.feeds\[0\]\.path/,
    );
    expect(
      load(approval, {
        invariants: [
          { id: "retention-pinned", type: "aws:sqs/queue:Queue", resource: "*", path: "messageRetentionSeconds" },
        ],
      }),
    ).toThrow(/approvals\[0\]\.feeds\[0\] approves messageRetentionSeconds which invariant retention-pinned pins/);
  });
});
