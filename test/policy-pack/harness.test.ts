/**
 * The harness speaks to a pack as the engine does (issue 9 part 2) and `parity check` configures the pack from the
 * project (part 3):
 *  - a probe pack (plain JS, @pulumi/policy as published) records what it is sent: Remediate before Analyze, a
 *    remediation applied in a deployment but only reported by `analyze --file`, inputs to Analyze and outputs to
 *    AnalyzeStack, secrets (ciphertext-only → `[secret]`), resource references as ids, stack tags via ConfigureStack;
 *  - our pack decides the same on a `pulumi stack export` offline (export reader → analyzeSnapshot) and through
 *    analyzeFile (as `pulumi policy analyze --file`), with every shared object frozen (no policy mutates them);
 *  - the project's rules reach every environment-dependent policy inline: an edit takes effect without a rebuild;
 *    rules and lock the pack says it was built with (same digest) are not sent again, with the same decisions.
 * The packs run as real processes over gRPC; each is killed after its tests.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readStackExport } from "../../cli/sources/export";
import { envPackConfigFile, packLockConfig, projectPackConfig, readPackConfigFile } from "../../cli/util/pack";
import { BUNDLED_KEYWORD, contentDigest } from "../../consistency-rules/src/digest";
import { loadLock, lockFileFor, withLockConfig } from "../../consistency-rules/src/lock";
import { stackIsEnvironment } from "../../cli/util/environment";
import type { SnapshotResource } from "../../consistency-rules/src/model";
import { RESOURCE_REF_SIG, SECRET_SIG, SIG_KEY } from "../../consistency-rules/src/sentinels";
import {
  configureRequestBytes,
  startPack,
  toFinding,
  type Diagnostic,
  type PackSession,
  type StackExport,
} from "../../policy-pack/harness";
import { buildPack, PACK_DIR, referenceStack, ROOT, RULES } from "./fixtures";

jest.setTimeout(300_000);
// Every object the pack shares between policies is deep-frozen: a policy that mutates one throws (an internal error).
process.env.PARITY_PACK_FREEZE = "1";

const PROBE = `"use strict";
const { PolicyPack } = require("@pulumi/policy");
const seen = (args) => JSON.stringify({ tags: args.stackTags ? Object.fromEntries([...args.stackTags.entries()]) : {}, props: args.props });
new PolicyPack("probe", {
  policies: [
    {
      name: "probe-remediate", description: "adds a tag", enforcementLevel: "remediate",
      remediateResource: (args) => (args.props.tags && args.props.tags.fixed ? undefined : { ...args.props, tags: { ...(args.props.tags || {}), fixed: "yes" } }),
    },
    { name: "probe-analyze", description: "reports what Analyze saw", enforcementLevel: "advisory", validateResource: (args, report) => report("analyze " + seen(args)) },
    {
      name: "probe-stack", description: "reports what AnalyzeStack saw", enforcementLevel: "advisory",
      validateStack: (args, report) => { for (const r of args.resources) report("stack " + JSON.stringify(r.props), r.urn); },
    },
  ],
});
`;

function probeDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "env-parity-probe-"));
  fs.writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name: "probe", version: "0.0.1", main: "index.js" }),
  );
  fs.writeFileSync(path.join(dir, "PulumiPolicy.yaml"), "runtime: nodejs\n");
  fs.writeFileSync(path.join(dir, "index.js"), PROBE);
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

const body = (d: Diagnostic) => d.message.slice(d.message.indexOf("\n") + 1);
const seenBy = (ds: Diagnostic[], prefix: string) =>
  ds.filter((d) => body(d).startsWith(prefix)).map((d) => JSON.parse(body(d).slice(prefix.length)));

const STACK = "urn:pulumi:dev::probe::pulumi:pulumi:Stack::probe-dev";
const ROLE = "urn:pulumi:dev::probe::aws:iam/role:Role::r";
const FN = "urn:pulumi:dev::probe::aws:lambda/function:Function::f";
const EXPORT: StackExport = {
  version: 3,
  deployment: {
    resources: [
      { urn: STACK, custom: false, type: "pulumi:pulumi:Stack", outputs: {} },
      {
        urn: ROLE,
        custom: true,
        id: "r-123",
        type: "aws:iam/role:Role",
        parent: STACK,
        inputs: { name: "r" },
        outputs: { name: "r", arn: "arn:aws:iam::1:role/r" },
      },
      {
        urn: FN,
        custom: true,
        id: "f-1",
        type: "aws:lambda/function:Function",
        parent: STACK,
        dependencies: [ROLE],
        inputs: {
          role: { [SIG_KEY]: RESOURCE_REF_SIG, urn: ROLE, id: "r-123" },
          environment: { [SIG_KEY]: SECRET_SIG, ciphertext: "v1:abc" },
          __defaults: ["x"],
          memorySize: null,
        },
        outputs: { role: "arn:aws:iam::1:role/r", arn: "arn:aws:lambda:eu-west-1:1:function:f" },
      },
      {
        urn: "urn:pulumi:dev::probe::aws:s3/bucket:Bucket::gone",
        custom: true,
        type: "aws:s3/bucket:Bucket",
        delete: true,
        inputs: {},
        outputs: {},
      },
    ],
  },
};

describe("the harness speaks as the engine (probe pack)", () => {
  let probe: PackSession;
  let dir: string;
  beforeAll(async () => {
    dir = probeDir();
    probe = await startPack({ packDir: dir });
  });
  afterAll(async () => {
    await probe?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("analyze --file: remediations reported not applied, inputs to Analyze, outputs to AnalyzeStack, deleted skipped", async () => {
    const ds = await probe.analyzeFile(EXPORT);
    const analyzed = seenBy(ds, "analyze ");
    expect(analyzed).toHaveLength(3); // stack, role, function; not the deleted bucket
    const fn = analyzed.find((a) => a.props.memorySize !== undefined || a.props.environment !== undefined)!;
    // engine marshalling: resource reference → its id; ciphertext-only secret → "[secret]"; nulls kept; no __ keys
    expect(fn.props).toEqual({ role: "r-123", environment: "[secret]", memorySize: null });
    expect(fn.props.tags).toBeUndefined(); // the remediation was not applied (analyze --file reports it only)
    expect(ds.filter((d) => d.policyName === "probe-remediate")).toEqual([]); // a remediation with properties is no diagnostic
    const stack = ds
      .filter((d) => d.policyName === "probe-stack")
      .map((d) => ({ urn: d.urn, props: JSON.parse(body(d).slice("stack ".length)) }));
    expect(stack.find((s) => s.urn === FN)!.props).toEqual({
      role: "arn:aws:iam::1:role/r",
      arn: "arn:aws:lambda:eu-west-1:1:function:f",
    });
    expect(stack.map((s) => s.urn)).not.toContain("urn:pulumi:dev::probe::aws:s3/bucket:Bucket::gone");
  });

  test("a deployment: Remediate first and its properties replace the inputs for Analyze; tags via ConfigureStack", async () => {
    await probe.configureStack({
      stack: "dev",
      project: "probe",
      tags: { "env-parity:environment": "dev" },
      dryRun: true,
    });
    const r: SnapshotResource = {
      urn: ROLE,
      type: "aws:iam/role:Role",
      name: "r",
      custom: true,
      dependencies: [],
      props: { name: "r" },
    };
    const remediations = await probe.remediate(r);
    expect(remediations.map((m) => [m.policyName, m.properties?.tags])).toEqual([
      ["probe-remediate", { fixed: "yes" }],
    ]);
    const [seen] = seenBy(await probe.analyze(r), "analyze ");
    expect(seen).toEqual({ tags: { "env-parity:environment": "dev" }, props: { name: "r", tags: { fixed: "yes" } } });
    const [unremediated] = seenBy(await probe.analyze(r, undefined, { remediate: false }), "analyze ");
    expect(unremediated.props).toEqual({ name: "r" });
  });

  test("AnalyzeStack reads a plan's outputs, and the inputs only where the source has no outputs", async () => {
    const base = { type: "aws:s3/bucket:Bucket", custom: true, dependencies: [] as string[] };
    const ds = await probe.analyzeStack([
      {
        ...base,
        urn: "urn:pulumi:dev::probe::aws:s3/bucket:Bucket::a",
        name: "a",
        props: { bucket: "a" },
        outputs: { bucket: "a", arn: "arn:aws:s3:::a" },
      },
      { ...base, urn: "urn:pulumi:dev::probe::aws:s3/bucket:Bucket::b", name: "b", props: { bucket: "b" } },
    ]);
    expect(seenBy(ds, "stack ")).toEqual([{ bucket: "a", arn: "arn:aws:s3:::a" }, { bucket: "b" }]);
  });
});

describe("our pack", () => {
  let pack: PackSession;
  beforeAll(async () => {
    buildPack();
    pack = await startPack({ packDir: PACK_DIR });
  });
  afterAll(() => pack?.close());

  const decisions = (fs_: { ruleId: string; status: string; urn?: string }[], root: string) =>
    fs_.map((f) => `${f.status} ${f.ruleId} ${f.urn ?? root}`).sort();

  test.each(["dev.json", "prod.json", "staging-drifted.json"])(
    "the same decisions offline and through analyze --file (%s)",
    async (file) => {
      const exportFile = path.join(ROOT, "test", "fixtures", "exports", file);
      const exported = JSON.parse(fs.readFileSync(exportFile, "utf8")) as StackExport;
      const snapshot = readStackExport(exportFile, { resolveEnvironment: stackIsEnvironment });
      const root = snapshot.resources.find((r) => r.type === "pulumi:pulumi:Stack")!.urn;
      await pack.configure({});
      const offline = await pack.analyzeSnapshot(snapshot);
      const info = await pack.info();
      const byUrn = new Map(snapshot.resources.map((r) => [r.urn, r]));
      const viaFile = (await pack.analyzeFile(exported)).map((d) => toFinding(d, info, snapshot, byUrn));
      expect(decisions(viaFile, root)).toEqual(decisions(offline, root));
      // frozen shared objects: a mutating policy would have thrown, reported as an internal error
      expect(offline.filter((f) => /internal error/.test(f.message))).toEqual([]);
    },
  );

  test("the project's rules inline reach every environment-dependent policy; an edit takes effect without a rebuild", async () => {
    const info = await pack.info();
    const stack = referenceStack("dev", { stack: "feature-x" });
    const envUnknown = (fs_: { message: string }[]) =>
      fs_.filter((f) => /is not an environment of project/.test(f.message));
    await pack.configure(projectPackConfig(info, { rules: JSON.parse(fs.readFileSync(RULES.origin, "utf8")) }));
    expect(envUnknown(await pack.analyzeSnapshot(stack)).length).toBeGreaterThan(0); // feature-x is no environment
    const edited = JSON.parse(fs.readFileSync(RULES.origin, "utf8"));
    edited.environments.dev.stacks = [...edited.environments.dev.stacks, "feature-x"];
    const config = projectPackConfig(info, { rules: edited });
    const envDependent = info.policies
      .filter((p) => p.configSchema?.properties && "rules" in p.configSchema.properties)
      .map((p) => p.name);
    expect(envDependent.length).toBeGreaterThan(10);
    for (const name of envDependent) expect((config[name] as Record<string, unknown>).rules).toBe(edited);
    await pack.configure(config);
    expect(envUnknown(await pack.analyzeSnapshot(stack))).toEqual([]);
    await pack.configure({});
  });

  test("a pack built with the project's rules and lock advertises their digests; check then leaves them out of Configure, and the pack decides the same", async () => {
    const info = await pack.info();
    const fileRules = JSON.parse(fs.readFileSync(RULES.origin, "utf8"));
    const lock = loadLock(lockFileFor(RULES));
    const consistency = info.policies.find((p) => p.name === "parity-consistency-rules")!;
    const annotation = (key: string) =>
      (consistency.configSchema!.properties[key] as Record<string, unknown>)[BUNDLED_KEYWORD] as Record<string, string>;
    expect(annotation("rules")["data-platform"]).toBe(contentDigest(fileRules));
    expect(annotation("lock")["data-platform"]).toBe(lock.hash);
    // the same content in another key order has the same digest
    const reversed = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reversed)
        : v && typeof v === "object"
          ? Object.fromEntries(
              Object.keys(v)
                .reverse()
                .map((k) => [k, reversed((v as Record<string, unknown>)[k])]),
            )
          : v;
    expect(contentDigest(reversed(fileRules))).toBe(contentDigest(fileRules));
    expect(contentDigest({ ...fileRules, version: 2 })).not.toBe(contentDigest(fileRules));

    const lean = packLockConfig(info, projectPackConfig(info, { rules: fileRules, strict: true }), lock);
    expect(Object.values(lean).filter((c) => typeof c === "object" && ("rules" in c || "lock" in c))).toEqual([]);
    const entries = Object.entries(lean).map(([name, c]) => ({
      name,
      level: "mandatory" as const,
      properties: typeof c === "object" ? c : {},
    }));
    expect(configureRequestBytes(PACK_DIR, entries).length).toBeLessThan(4000);

    // an edited rule set or lock is sent in full; a project without a lock file sends `lock: false`
    const edited = { ...fileRules, description: `${fileRules.description ?? ""} (edited)` };
    const full = projectPackConfig(info, { rules: edited });
    expect((full["parity-consistency-rules"] as Record<string, unknown>).rules).toBe(edited);
    const otherLock = { ...lock, hash: `sha256:${"0".repeat(64)}` };
    expect((packLockConfig(info, {}, otherLock)["parity-consistency-rules"] as Record<string, unknown>).lock).toBe(
      otherLock,
    );
    expect(packLockConfig(info, {}, undefined)).toEqual({ "parity-consistency-rules": { lock: false } });

    // bundled or inline, the decisions are the same
    const inline = withLockConfig(
      Object.fromEntries(
        info.policies
          .filter((p) => p.configSchema?.properties && "rules" in p.configSchema.properties)
          .map((p) => [p.name, { rules: fileRules }]),
      ),
      lock,
    );
    for (const stack of [
      referenceStack("dev"),
      referenceStack("prod"),
      referenceStack("dev", { stack: "feature-x" }),
    ]) {
      await pack.configure(inline);
      const viaInline = await pack.analyzeSnapshot(stack);
      await pack.configure(packLockConfig(info, projectPackConfig(info, { rules: fileRules }), lock));
      expect(await pack.analyzeSnapshot(stack)).toEqual(viaInline);
    }
    await pack.configure({});
  });
});

describe("pack config files", () => {
  test("the environment's file by convention, --policy-pack-config with {env}, bad files named with the place", () => {
    expect(envPackConfigFile(ROOT, "dev")).toBe(path.join(ROOT, "policy-pack", "config", "dev.json"));
    expect(envPackConfigFile(ROOT, "qa")).toBeUndefined();
    expect(envPackConfigFile(ROOT, "prod", "/x/{env}.json")).toBe("/x/prod.json");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "env-parity-ppc-"));
    try {
      const f = path.join(dir, "c.json");
      fs.writeFileSync(f, "{ nope");
      expect(() => readPackConfigFile(f, undefined, "c.json")).toThrow(/^c\.json: is not valid JSON/);
      fs.writeFileSync(f, JSON.stringify({ "s3-bucket-versioning": { enforcementLevel: "loud" } }));
      expect(() => readPackConfigFile(f, undefined, "c.json")).toThrow(
        "c.json: s3-bucket-versioning.enforcementLevel must be one of advisory, mandatory, remediate, disabled",
      );
      const info = {
        name: "p",
        version: "1",
        supportsConfig: true,
        policies: [
          {
            name: "a",
            description: "",
            enforcementLevel: "mandatory" as const,
            type: "resource" as const,
            configSchema: { properties: { rules: {}, strict: {} }, required: [] },
          },
        ],
      };
      fs.writeFileSync(f, JSON.stringify({ b: "advisory" }));
      expect(() => readPackConfigFile(f, info, "c.json")).toThrow("c.json: b names a policy the pack p does not have");
      fs.writeFileSync(f, JSON.stringify({ a: "advisory" }));
      expect(projectPackConfig(info, { strict: true, rules: { r: 1 }, file: readPackConfigFile(f, info) })).toEqual({
        a: { enforcementLevel: "advisory", rules: { r: 1 }, strict: true },
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
