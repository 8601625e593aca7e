/**
 * Findings carry each environment's value as its source has it (`rawValues`, redacted) beside the normalised values
 * that were compared (`values`): reports show the former, never a placeholder such as `{env}` or `{region}`.
 */
import { compareSnapshots, normaliseSnapshot, SECRET_SIG, SIG_KEY, type Finding } from "../../consistency-rules/src";
import { type Env, resource, rules, snapshot } from "../consistency-rules/helpers";
import { FORMATS, renderReport, type ReportInput } from "../../cli/reports";
import { RuleCatalog } from "../../cli/util/catalog";

const FN = "aws:lambda/function:Function";
const NOW = new Date("2026-06-01T00:00:00Z");
const REGION = { dev: "us-east-2", staging: "us-west-1", prod: "us-east-1" } as const;

function envs(fn: (env: Env) => Record<string, unknown>): ReturnType<typeof normaliseSnapshot>[] {
  return (["dev", "staging", "prod"] as Env[]).map((e) =>
    normaliseSnapshot(snapshot(e, [resource(e, FN, `${e}-ingest-validator-function`, fn(e))])),
  );
}
const base = { runtime: "nodejs22.x", timeout: 60, memorySize: 512 };
const at = (fs: Finding[], path: string) => fs.find((f) => f.path === path && f.status === "fail");

describe("raw values in findings", () => {
  it("a difference keeps the normalised values and adds each environment's actual value", () => {
    const fs = compareSnapshots(
      envs((e) => ({
        ...base,
        environment: { variables: { QUEUE: e === "prod" ? `${e}-orders-queue` : `${e}-ingest-queue` } },
      })),
      rules(),
      NOW,
    );
    const f = at(fs, "environment.variables.QUEUE")!;
    expect(f.values).toEqual({ dev: "{env}-ingest-queue", staging: "{env}-ingest-queue", prod: "{env}-orders-queue" });
    expect(f.rawValues).toEqual({
      dev: "dev-ingest-queue",
      staging: "staging-ingest-queue",
      prod: "prod-orders-queue",
    });
    expect(f.message).toContain('prod="prod-orders-queue"');
    expect(f.message).not.toContain("{env}");
  });

  it("an approved difference's message quotes the raw values too", () => {
    const approval = {
      id: "queue-per-env",
      type: FN,
      resource: "ingest-validator-function",
      path: "environment.variables.QUEUE",
      values: { dev: "dev-ingest-queue", staging: "staging-ingest-queue", prod: "prod-orders-queue" },
      reason: "prod has its own queue",
      owner: "platform-team",
      expires: "2027-12-31",
    };
    const fs = compareSnapshots(
      envs((e) => ({
        ...base,
        environment: { variables: { QUEUE: e === "prod" ? `${e}-orders-queue` : `${e}-ingest-queue` } },
      })),
      rules({ approvals: [approval] }),
      NOW,
    );
    const f = fs.find((x) => x.path === "environment.variables.QUEUE")!;
    expect(f.status).toBe("approved");
    expect(f.message).toContain('dev="dev-ingest-queue", staging="staging-ingest-queue", prod="prod-orders-queue"');
    expect(f.message).not.toContain("{env}");
  });

  it("an invariant that holds shows each environment's value, not the shared placeholder", () => {
    const inv = { id: "parity-fn-description", type: FN, path: "description" };
    const fs = compareSnapshots(
      envs((e) => ({ ...base, description: `${e}-validator` })),
      rules({ invariants: [inv] }),
      NOW,
    );
    const f = fs.find((x) => x.ruleId === "parity-fn-description")!;
    expect(f.status).toBe("pass");
    expect(f.values).toEqual({ dev: "{env}-validator", staging: "{env}-validator", prod: "{env}-validator" });
    expect(f.rawValues).toEqual({ dev: "dev-validator", staging: "staging-validator", prod: "prod-validator" });
    expect(f.message).toContain('is dev="dev-validator", staging="staging-validator", prod="prod-validator"');
  });

  it("a region placeholder is shown as the region", () => {
    const fs = compareSnapshots(
      envs((e) => ({ ...base, description: e === "prod" ? `in ${REGION[e]}` : `runs in ${REGION[e]}` })),
      rules(),
      NOW,
    );
    const f = at(fs, "description")!;
    expect(f.values!.prod).toBe("in {region}");
    expect(f.rawValues).toEqual({ dev: "runs in us-east-2", staging: "runs in us-west-1", prod: "in us-east-1" });
  });

  it("never carries a secret: a value secret in one environment is [secret] everywhere", () => {
    const fs = compareSnapshots(
      envs((e) => ({
        ...base,
        environment: {
          variables: {
            TOKEN: e === "prod" ? { [SIG_KEY]: SECRET_SIG, value: "hunter2" } : `${e}-plain-token`,
          },
        },
      })),
      rules(),
      NOW,
    );
    const text = JSON.stringify(fs);
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("plain-token");
  });

  it("a property the resource marks secret by name is never shown raw", () => {
    const snaps = (["dev", "staging", "prod"] as Env[]).map((e) =>
      normaliseSnapshot(
        snapshot(e, [
          {
            ...resource(e, FN, `${e}-ingest-validator-function`, { ...base, apiKey: `${e}-key-${e.length}` }),
            additionalSecretOutputs: ["apiKey"],
          },
        ]),
      ),
    );
    const text = JSON.stringify(compareSnapshots(snaps, rules(), NOW));
    expect(text).not.toMatch(/-key-\d/);
  });

  it("adds nothing when the values are shown as compared", () => {
    const fs = compareSnapshots(
      envs((e) => ({ ...base, timeout: e === "prod" ? 90 : 60 })),
      rules(),
      NOW,
    );
    const f = fs.find((x) => x.path === "timeout" && x.status === "fail")!;
    expect(f.values).toEqual({ dev: 60, staging: 60, prod: 90 });
    expect(f.rawValues).toBeUndefined();
  });
});

describe("every format shows the raw values", () => {
  const findings = compareSnapshots(
    envs((e) => ({
      ...base,
      description: `runs in ${REGION[e]}${e === "prod" ? " (primary)" : ""}`,
      environment: {
        variables: {
          QUEUE: e === "staging" ? `${e}-orders-queue` : `${e}-ingest-queue`,
          TOKEN: e === "prod" ? { [SIG_KEY]: SECRET_SIG, value: "hunter2" } : `${e}-plain-token`,
        },
      },
    })),
    rules(),
    NOW,
  );
  const input: ReportInput = {
    findings,
    strict: false,
    rules: new RuleCatalog().lookup,
    toolVersion: "0.1.0",
    cwd: process.cwd(),
    subject: "demo: dev, staging, prod",
    width: 80,
  };

  it.each(FORMATS)("%s", (format) => {
    let out = renderReport(format, input);
    // JSON also has the compared values, on purpose (`normalised`): the rest of it shows the raw ones
    if (format === "json") out = JSON.stringify(JSON.parse(out), (k, v) => (k === "normalised" ? undefined : v));
    for (const v of ["staging-orders-queue", "prod-ingest-queue", "runs in us-east-1 (primary)", "runs in us-west-1"])
      expect(out).toContain(v);
    expect(out).not.toMatch(/\{env\}|\{region\}/);
    expect(out).not.toContain("hunter2");
    expect(out).not.toContain("plain-token");
  });

  it("JSON keeps the compared values beside them (`normalised`)", () => {
    const j = JSON.parse(renderReport("json", input));
    const all = j.findings.flatMap((f: { related: unknown[] }) => [f, ...f.related]);
    const q = all.find((f: { path: string }) => f.path === "environment.variables.QUEUE");
    expect(q.values).toEqual({ dev: "dev-ingest-queue", staging: "staging-orders-queue", prod: "prod-ingest-queue" });
    expect(q.normalised).toEqual({
      dev: "{env}-ingest-queue",
      staging: "{env}-orders-queue",
      prod: "{env}-ingest-queue",
    });
  });

  it("HTML compares on the normalised values: equal normalised values are one class, the pair score counts them", () => {
    const html = renderReport("html", input);
    const data = JSON.parse(
      /<script type="application\/json" id="parity-data">([^]*?)<\/script>/.exec(html)![1].replace(/\\u003c/g, "<"),
    );
    const q = data.rows.find((r: { path: string }) => r.path === "environment.variables.QUEUE");
    expect(q.values.dev).toBe('"dev-ingest-queue"');
    expect(q.eq.dev).toBe(q.eq.prod);
    expect(q.eq.dev).not.toBe(q.eq.staging);
    expect(q.cells).toEqual({ dev: "same", staging: "unapproved", prod: "same" });
  });
});
