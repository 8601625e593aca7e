import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SECRET_SIG, SIG_KEY, UNKNOWN } from "../../consistency-rules/src/sentinels";
import { loadRules } from "../../consistency-rules/src/rules";
import { readStackConfigSnapshot } from "../../cli/sources/config";
import { readAnySnapshot, sniff } from "../../cli/sources/detect";
import { parseStackExport, readStackExport } from "../../cli/sources/export";
import { readPreview } from "../../cli/sources/preview";
import { resolverFor } from "../../cli/util/project";
import { stackIsEnvironment } from "../../cli/util/environment";
import { parseSnapshotDocument, snapshotToJson } from "../../cli/util/snapshot-file";
import { LEAK_CANARY } from "../fixtures/pulumi-docs";
import { fx, RULES } from "./run-cli";

const rules = loadRules(RULES);
const opts = { resolveEnvironment: resolverFor(rules, fx("config")) };

describe("pulumi stack export", () => {
  test("reads environment, region, account, suffix, parents, providers and dependencies", () => {
    const s = readStackExport(fx("exports/staging.json"), opts);
    expect(s.source).toBe("export");
    expect(s.context).toEqual({
      env: "staging",
      stack: "staging",
      project: "data-platform",
      accountId: "222222222222",
      region: "us-west-1",
      suffix: "x1",
    });
    const fn = s.resources.find((r) => r.type === "aws:lambda/function:Function")!;
    expect(fn.name).toBe("staging-ingest-validator-function");
    expect(fn.parent).toMatch(/IngestPipeline::staging-ingest-pipeline$/);
    expect(fn.provider).toMatch(/^urn:pulumi:staging::data-platform::pulumi:providers:aws::default_7_48_0::/);
    // dependencies merge `dependencies` and `propertyDependencies`
    expect(fn.dependencies).toHaveLength(3);
    expect(s.resources.find((r) => r.type === "data-platform:ingest:IngestPipeline")!.custom).toBe(false);
    expect(s.outputs).toHaveProperty("queueUrl");
  });

  test("secrets keep their marker and lose their content (ciphertext and --show-secrets plaintext)", () => {
    for (const f of ["exports/prod.json", "exports/prod-show-secrets.json"]) {
      expect(fs.readFileSync(fx(f), "utf8")).toContain(f.includes("show") ? LEAK_CANARY : "ciphertext");
      const s = readStackExport(fx(f), opts);
      const fn = s.resources.find((r) => r.type === "aws:lambda/function:Function")!;
      const token = (fn.props.environment as { variables: Record<string, unknown> }).variables.VALIDATOR_API_TOKEN;
      expect(token).toEqual({ [SIG_KEY]: SECRET_SIG });
      expect(JSON.stringify(s)).not.toContain(LEAK_CANARY);
    }
  });

  test("resources pending deletion are not part of the state", () => {
    const doc = JSON.parse(fs.readFileSync(fx("exports/dev.json"), "utf8"));
    const victim = { ...doc.deployment.resources[3], delete: true };
    doc.deployment.resources.push(victim);
    const s = parseStackExport(doc, "x.json", opts);
    expect(s.resources.filter((r) => r.urn === victim.urn)).toHaveLength(1);
  });

  test("the environment comes from the rules; a stack the rules do not know is an error", () => {
    const doc = JSON.parse(
      fs.readFileSync(fx("exports/dev.json"), "utf8").replace(/urn:pulumi:dev::/g, "urn:pulumi:qa::"),
    );
    expect(() => parseStackExport(doc, "qa.json", opts)).toThrow(
      /qa.json: deployment.resources\[0\].urn names stack "qa", which is not a stack of any environment .*unknown stack/,
    );
    expect(parseStackExport(doc, "qa.json", { resolveEnvironment: stackIsEnvironment }).context.env).toBe("qa");
  });
});

describe("pulumi preview --json", () => {
  test("goal state: creates and updates in, deletes out, unknowns kept as the sentinel", () => {
    const s = readPreview(fx("previews/staging-update.json"), opts);
    expect(s.source).toBe("preview");
    const dlq = s.resources.find((r) => r.name === "staging-ingest-events-dlq")!;
    expect(dlq.props.kmsMasterKeyId).toBe(UNKNOWN);
    expect(s.resources.find((r) => r.type === "aws:lambda/function:Function")!.props.memorySize).toBe(2048);
    const p = readPreview(fx("previews/prod-delete-alarm.json"), opts);
    expect(p.resources.some((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm")).toBe(false);
    expect(
      readStackExport(fx("exports/prod.json"), opts).resources.some(
        (r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm",
      ),
    ).toBe(true);
    expect(p.config).toHaveProperty("data-platform:validatorApiToken", "[secret]");
  });

  test("a replacement (create-replacement, replace, delete-replaced) keeps the new resource", () => {
    const doc = JSON.parse(fs.readFileSync(fx("previews/dev.json"), "utf8"));
    const i = doc.steps.findIndex((s: { newState?: { type: string } }) => s.newState?.type === "aws:sqs/queue:Queue");
    const step = doc.steps[i];
    doc.steps.splice(
      i,
      1,
      { ...step, op: "create-replacement" },
      { ...step, op: "replace" },
      { op: "delete-replaced", urn: step.urn, oldState: step.oldState },
    );
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "parity-")), "replace.json");
    fs.writeFileSync(file, JSON.stringify(doc));
    const s = readAnySnapshot(file, opts);
    expect(s.resources.filter((r) => r.urn === step.urn)).toHaveLength(1);
    fs.rmSync(path.dirname(file), { recursive: true });
  });
});

describe("Pulumi.<stack>.yaml", () => {
  test("config values with secure values as secret markers; validated against the schema and the rules", () => {
    const schema = JSON.parse(fs.readFileSync(rules.configSchemaPath!, "utf8"));
    const s = readStackConfigSnapshot(fx("config/Pulumi.prod.yaml"), { ...opts, validate: { rules, schema } });
    expect(s.source).toBe("config");
    expect(s.context.env).toBe("prod");
    expect(s.config!["data-platform:lambdaMemoryMb"]).toBe(1024);
    expect(s.config!["data-platform:validatorApiToken"]).toEqual({ [SIG_KEY]: SECRET_SIG });
  });
});

describe("detect", () => {
  test.each([
    ["exports/dev.json", "export"],
    ["previews/dev.json", "preview"],
    ["config/Pulumi.dev.yaml", "config"],
  ])("%s is %s by content", (f, kind) => {
    expect(sniff(fx(f), fs.readFileSync(fx(f), "utf8")).kind).toBe(kind);
  });

  test("a parity plan file round-trips (and carries no secret content)", () => {
    const s = readStackExport(fx("exports/prod.json"), opts);
    const text = snapshotToJson({ ...s, source: "plan" });
    expect(sniff("p.json", text).kind).toBe("plan");
    const back = parseSnapshotDocument(JSON.parse(text), "p.json");
    expect(back.resources).toHaveLength(s.resources.length);
    expect(back.context).toEqual(s.context);
  });
});

/* eslint-disable @typescript-eslint/no-explicit-any -- the cases below rewrite parsed Pulumi documents */
describe("what Pulumi writes (apitype ResourceV3, PreviewDigest)", () => {
  const exportDoc = (): any => JSON.parse(fs.readFileSync(fx("exports/dev.json"), "utf8"));
  const previewDoc = (): any => JSON.parse(fs.readFileSync(fx("previews/dev.json"), "utf8"));
  const fnOf = (doc: any) => doc.deployment.resources.find((r: any) => r.type === "aws:lambda/function:Function");

  test("nil as null: propertyDependencies values, dependencies, parent, provider, id, inputs, outputs", () => {
    const doc = exportDoc();
    const fn = fnOf(doc);
    const before = parseStackExport(exportDoc(), "x.json", opts).resources.find((r) => r.urn === fn.urn)!;
    for (const k of Object.keys(fn.propertyDependencies)) fn.propertyDependencies[k] = null;
    fn.propertyDependencies.extra = null;
    const stackRes = doc.deployment.resources[0];
    Object.assign(stackRes, {
      dependencies: null,
      parent: null,
      provider: "",
      id: null,
      inputs: null,
      outputs: null,
      protect: null,
    });
    const s = parseStackExport(doc, "x.json", opts);
    const got = s.resources.find((r) => r.urn === fn.urn)!;
    // property dependencies null → only the explicit dependencies remain
    expect(got.dependencies).toEqual(fn.dependencies ?? []);
    expect(before.dependencies.length).toBeGreaterThanOrEqual(got.dependencies.length);
    const st = s.resources.find((r) => r.urn === stackRes.urn)!;
    expect(st).toMatchObject({ dependencies: [], props: {} });
    expect(st).not.toHaveProperty("parent");
    expect(st).not.toHaveProperty("provider");
  });

  test("pendingReplacement resources (already deleted) are left out; external (read) resources are kept and marked", () => {
    const doc = exportDoc();
    const [a, b] = [doc.deployment.resources[3], doc.deployment.resources[4]];
    a.pendingReplacement = true;
    b.external = true;
    const s = parseStackExport(doc, "x.json", opts);
    expect(s.resources.some((r) => r.urn === a.urn)).toBe(false);
    expect(s.resources.find((r) => r.urn === b.urn)).toMatchObject({ external: true });
  });

  test("pending_operations (an interrupted update) are accepted; the recorded resources are the state", () => {
    const doc = exportDoc();
    const n = doc.deployment.resources.length;
    doc.deployment.pending_operations = [{ resource: { ...doc.deployment.resources[3] }, type: "updating" }];
    expect(parseStackExport(doc, "x.json", opts).resources).toHaveLength(n);
  });

  test("additionalSecretOutputs are secrets in inputs and outputs", () => {
    const doc = exportDoc();
    const fn = fnOf(doc);
    fn.additionalSecretOutputs = ["role", "handler"];
    const got = parseStackExport(doc, "x.json", opts).resources.find((r) => r.urn === fn.urn)!;
    expect(got.props.role).toEqual({ [SIG_KEY]: SECRET_SIG });
    expect(JSON.stringify(got)).not.toContain(String(fnOf(exportDoc()).inputs.role));
  });

  test("old deployment versions 1 and 2 are read; a newer one is refused naming the version", () => {
    for (const version of [1, 2, 4]) {
      const doc = exportDoc();
      doc.version = version;
      expect(parseStackExport(doc, "x.json", opts).resources.length).toBeGreaterThan(0);
    }
    const doc = exportDoc();
    doc.version = 7;
    expect(() => parseStackExport(doc, "x.json", opts)).toThrow(
      /x\.json: version is 7: a deployment newer than this reader knows/,
    );
  });

  test("a default preview's implied default provider counts as present, with the package's config as inputs", () => {
    const doc = previewDoc();
    doc.steps = doc.steps.filter((s: any) => s.newState?.type !== "pulumi:providers:aws");
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "parity-")), "p.json");
    fs.writeFileSync(file, JSON.stringify(doc));
    const s = readAnySnapshot(file, opts);
    const p = s.resources.find((r) => r.type === "pulumi:providers:aws")!;
    expect(p).toMatchObject({
      urn: "urn:pulumi:dev::data-platform::pulumi:providers:aws::default_7_48_0",
      custom: true,
      implied: true,
      props: { region: "us-east-2", version: "7.48.0" },
    });
    expect(s.context.region).toBe("us-east-2");
    fs.rmSync(path.dirname(file), { recursive: true });
  });

  test("a preview that deletes everything is read as an empty goal state of its stack", () => {
    const doc = previewDoc();
    doc.steps = doc.steps.map((s: any) => ({ op: "delete", urn: s.urn, oldState: s.oldState ?? s.newState }));
    doc.changeSummary = { delete: doc.steps.length };
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "parity-")), "p.json");
    fs.writeFileSync(file, JSON.stringify(doc));
    const s = readAnySnapshot(file, opts);
    expect({ env: s.context.env, resources: s.resources.length }).toEqual({ env: "dev", resources: 0 });
    fs.rmSync(path.dirname(file), { recursive: true });
  });

  test("detect names the kinds it does not compare", () => {
    expect(() => sniff("plan.json", JSON.stringify({ manifest: {}, resourcePlans: {} }))).toThrow(
      /plan\.json: resourcePlans is a `pulumi preview --save-plan` update plan/,
    );
    expect(() => sniff("v0.json", JSON.stringify({ target: "foo", latest: { resources: [] } }))).toThrow(
      /version-0 state checkpoint/,
    );
    expect(sniff("cp.json", JSON.stringify({ version: 3, checkpoint: { stack: "dev" } })).kind).toBe("export");
    expect(sniff("p.json", JSON.stringify({ changeSummary: { same: 3 } })).kind).toBe("preview");
  });
});
