/**
 * The fast paths of `parity diff` (issue 13.3) give what the general code gives: fingerprints as createHash computes
 * them, files located as oddEnvironment locates them, subjects paired by the normaliser's map keys as by the keys the
 * resources state, pointers in errors counted over the resources as written (skipped ones included).
 */
import { createHash } from "node:crypto";
import { compareSnapshots } from "../../consistency-rules/src/compare";
import type { Finding, Snapshot } from "../../consistency-rules/src/model";
import { normaliseSnapshot } from "../../consistency-rules/src/normalise";
import { loadRules } from "../../consistency-rules/src/rules";
import { locateInFiles } from "../../cli/commands/diff";
import { causesOf } from "../../cli/reports/model";
import { causeFingerprint, fingerprint } from "../../cli/reports/fingerprint";
import { fingerprint as sarifFingerprint } from "../../cli/reports/sarif";
import { parseStackExport } from "../../cli/sources/export";
import { resolverFor } from "../../cli/util/project";
import { ENVS, stackExport } from "../fixtures/pulumi-docs";
import { fx, RULES } from "./run-cli";

const rules = loadRules(RULES);
const opts = { resolveEnvironment: resolverFor(rules, fx("config")) };
const NOW = new Date("2026-06-01T00:00:00Z");

/** The fingerprint as it was computed before the one-shot hash: a Hash object per finding. */
function slowFingerprint(f: Pick<Finding, "ruleId" | "resource" | "path" | "kind" | "environments">): string {
  const parts = [f.ruleId, f.resource ?? "", f.path ?? ""];
  if (f.kind !== "parity") parts.push([...f.environments].sort().join(","));
  return createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 32);
}

const base: Finding = {
  ruleId: "parity-unapproved-difference",
  status: "fail",
  severity: "high",
  kind: "parity",
  message: "m",
  environments: ["prod", "dev"],
  resource: "aws:sqs/queue:Queue::q",
  path: "policy.Statement.0.Action",
};

describe("fingerprints", () => {
  test.each([
    ["parity finding", base],
    ["policy finding (environments sorted in)", { ...base, kind: "policy" as const }],
    ["no resource or path", { ...base, resource: undefined, path: undefined }],
    ["non-ASCII", { ...base, path: "tags.Équipe" }],
  ])("%s: the same digest as createHash", (_, f) => {
    expect(fingerprint(f)).toBe(slowFingerprint(f));
    expect(sarifFingerprint(f)).toBe(fingerprint(f));
  });

  test("a cause's fingerprint is its lead's with the cause's resource and path (absent where the cause has none)", () => {
    const lead = { ...base, kind: "policy" as const };
    const cause = (extra: object) =>
      ({
        lead,
        status: "fail",
        severity: "high",
        members: [lead],
        sources: [],
        details: [],
        location: {},
        ...extra,
      }) as never;
    expect(causeFingerprint(cause({ causeResource: "r::x", causePath: "policy" }))).toBe(
      slowFingerprint({ ...lead, resource: "r::x", path: "policy" }),
    );
    expect(causeFingerprint(cause({}))).toBe(slowFingerprint({ ...lead, resource: undefined, path: undefined }));
    expect(causeFingerprint(cause({ causePath: "tags.Owner" }))).toBe(
      slowFingerprint({ ...lead, resource: undefined, path: "tags.Owner" }),
    );
  });
});

describe("locateInFiles", () => {
  const snaps = ["dev", "staging", "prod"].map(
    (env) => ({ context: { env }, origin: `/x/${env}.json`, resources: [], source: "export" }) as unknown as Snapshot,
  );
  const at = (values: Record<string, unknown>, environments = Object.keys(values)) =>
    locateInFiles([{ ...base, file: "/x/dev.json", values, environments }], snaps)[0].file;

  test("the same scalar everywhere: the file named (no odd environment)", () => {
    expect(at({ dev: 1, staging: 1, prod: 1 })).toBe("/x/dev.json");
    expect(at({ dev: "a", staging: "a", prod: "a" })).toBe("/x/dev.json");
    expect(at({ dev: undefined, staging: undefined, prod: undefined })).toBe("/x/dev.json");
  });

  test("one environment differs: its file, scalar or not", () => {
    expect(at({ dev: 1, staging: 1, prod: 2 })).toBe("/x/prod.json");
    expect(at({ dev: 1, staging: "1", prod: 1 })).toBe("/x/staging.json");
    expect(at({ dev: { a: 1 }, staging: { a: 1 }, prod: { a: 2 } })).toBe("/x/prod.json");
  });

  test("equal objects (not the same object) have no odd environment either", () => {
    expect(at({ dev: { a: 1 }, staging: { a: 1 }, prod: { a: 1 } })).toBe("/x/dev.json");
  });

  test("two environments: the later one; one environment: that one", () => {
    expect(at({ dev: 1, prod: 1 })).toBe("/x/prod.json");
    expect(at({ staging: 1 })).toBe("/x/staging.json");
  });
});

describe("pairing by the normaliser's map keys", () => {
  /** Three stacks, with two queues in prod that collide on their logical id (numbered `#2`). */
  function normalised() {
    return ["dev", "staging", "prod"].map((env) => {
      const doc = stackExport({ ...ENVS[env], extraQueues: 3 }) as {
        deployment: { resources: { urn: string; inputs?: Record<string, unknown> }[] };
      };
      const res = doc.deployment.resources;
      res[res.length - 1].inputs!.delaySeconds = env === "staging" ? 5 : 0;
      if (env === "prod") {
        const dup = JSON.parse(JSON.stringify(res[res.length - 1]));
        dup.urn = dup.urn.replace(/-queue$/, "-queue-a1b2c3d");
        dup.inputs.visibilityTimeoutSeconds = 900;
        res.push(dup);
      }
      return normaliseSnapshot(parseStackExport(doc, `/x/${env}.json`, opts), rules);
    });
  }

  test("the same findings as pairing by the keys the resources state", () => {
    const ns = normalised();
    expect([...ns[2].resources.keys()].some((k) => k.endsWith("#2"))).toBe(true);
    const fast = compareSnapshots(ns, rules, NOW);
    // A copy is not the normaliser's own snapshot: its resources are paired by `key` / `type::logicalId`.
    const slow = compareSnapshots(
      ns.map((s) => ({ ...s })),
      rules,
      NOW,
    );
    expect(fast).toEqual(slow);
    expect(fast.some((f) => f.path === "delaySeconds" && f.status === "fail")).toBe(true);
    expect(fast.some((f) => f.ruleId === "parity-resource-inventory" && f.resource?.endsWith("#2"))).toBe(true);
  });

  test("passing invariants: one finding per resource of the type, in every environment", () => {
    const fs = compareSnapshots(normalised(), rules, NOW).filter((f) => f.ruleId === "parity-sqs-queue-retention");
    expect(fs.filter((f) => f.status === "pass").map((f) => f.resource)).toEqual([
      "aws:sqs/queue:Queue::ingest-events-queue",
      "aws:sqs/queue:Queue::ingest-shard0-queue",
      "aws:sqs/queue:Queue::ingest-shard1-queue",
      "aws:sqs/queue:Queue::ingest-shard2-queue",
      "aws:sqs/queue:Queue::ingest-shard2-queue#2",
    ]);
    expect(fs[0]).toEqual({
      kind: "parity",
      environments: ["dev", "staging", "prod"],
      resource: "aws:sqs/queue:Queue::ingest-events-queue",
      urn: expect.stringMatching(/::dev-ingest-events-queue$/),
      path: "messageRetentionSeconds",
      file: "/x/dev.json",
      ruleId: "parity-sqs-queue-retention",
      severity: "high",
      values: { dev: 1209600, staging: 1209600, prod: 1209600 },
      status: "pass",
      message:
        "sqs queue ingest-events-queue: messageRetentionSeconds is 1209600 in dev, staging, prod (parity-sqs-queue-retention)",
    });
  });

  test("a passing finding is a cause of its own, of its own status, severity and source", () => {
    const findings = compareSnapshots(normalised(), rules, NOW);
    const passes = causesOf({ findings, cwd: "/x" }).filter((c) => c.status === "pass");
    expect(passes.length).toBeGreaterThan(0);
    for (const c of passes) {
      expect(c.members).toEqual([c.lead]);
      expect(c.sources).toEqual(["cli"]);
      expect(c.details).toEqual([]);
      expect(c.severity).toBe(c.lead.severity);
      expect(c.location).toEqual({ file: c.lead.file });
    }
  });
});

describe("pointers in export errors count every resource written", () => {
  const doc = () =>
    JSON.parse(JSON.stringify(stackExport(ENVS.dev))) as { deployment: { resources: Record<string, unknown>[] } };

  test("a duplicate URN after a resource awaiting deletion names both places", () => {
    const d = doc();
    const res = d.deployment.resources;
    res.splice(1, 0, { ...JSON.parse(JSON.stringify(res[4])), delete: true });
    res.push(JSON.parse(JSON.stringify(res[5])));
    expect(() => parseStackExport(d, "dev.json", opts)).toThrow(
      new RegExp(`deployment\\.resources\\[${res.length - 1}\\]\\.urn duplicates deployment\\.resources\\[5\\]\\.urn`),
    );
  });

  test("another stack's URN after skipped resources is pointed at where it is written", () => {
    const d = doc();
    const res = d.deployment.resources;
    res[1] = { ...res[1], pendingReplacement: true };
    res[2] = { ...res[2], delete: true };
    res[6] = { ...res[6], urn: String(res[6].urn).replace("urn:pulumi:dev::", "urn:pulumi:prod::") };
    expect(() => parseStackExport(d, "dev.json", opts)).toThrow(
      /deployment\.resources\[6\]\.urn names stack "prod" but earlier resources name "dev"/,
    );
  });
});
