import * as fs from "fs";
import * as path from "path";
import {
  asSecret,
  configFromRuntime,
  parseConfigValue,
  readStackConfigFile,
  SECRET_SIG,
  SIG_KEY,
  validateStackConfig,
} from "../../consistency-rules/src";
import { rules, tmpFile } from "./helpers";

/** A small config schema of our own (the project's real one is somebody else's file). */
const schema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  additionalProperties: false,
  required: ["memoryMb", "owner"],
  properties: {
    memoryMb: { type: "integer", minimum: 128, maximum: 10240 },
    owner: { type: "string", format: "email" },
    cidr: { type: "string", format: "ipv4-cidr" },
    retention: { type: "integer", enum: [7, 30] },
    accountId: { type: "string", format: "aws-account-id" },
    token: { type: "string", minLength: 20, "x-secret": true },
    apiKey: { type: "string", writeOnly: true },
    note: { type: "string", minLength: 50 },
    emails: { type: "array", items: { type: "string", format: "email" } },
  },
};

const opts = (over: Partial<Parameters<typeof validateStackConfig>[1]> = {}) => ({
  file: "Pulumi.staging.yaml",
  stack: "staging",
  env: "staging",
  project: "demo",
  schema,
  ...over,
});

const CIPHER = "v1:AAAABBBBCCCCsecretcipher==";
const secret = { [SIG_KEY]: SECRET_SIG, ciphertext: CIPHER };
const good = {
  "demo:memoryMb": 512,
  "demo:owner": "team@example.com",
  "demo:token": secret,
  "demo:apiKey": secret,
  "aws:region": "us-west-1",
};

describe("validateStackConfig", () => {
  it("accepts a valid config and ignores other namespaces", () => {
    expect(validateStackConfig({ ...good, "aws:profile": "x" }, opts())).toEqual([]);
  });

  it("renders each problem on one line in the documented format", () => {
    const lines = validateStackConfig(
      {
        "demo:memoryMb": "lots",
        "demo:owner": "nobody",
        "demo:cidr": "10.0.0.0/33",
        "demo:retention": 8,
        "demo:bogus": true,
        "demo:emails": ["a@example.com", "oops"],
        "demo:token": secret,
        "demo:apiKey": secret,
      },
      opts(),
    ).map((e) => e.message);
    expect(lines.sort()).toEqual([
      "Pulumi.staging.yaml: demo:bogus is not a known key",
      'Pulumi.staging.yaml: demo:cidr must be a valid ipv4-cidr, got "10.0.0.0/33"',
      'Pulumi.staging.yaml: demo:emails[1] must be a valid email, got "oops"',
      'Pulumi.staging.yaml: demo:memoryMb must be one of 128..10240, got "lots"',
      'Pulumi.staging.yaml: demo:owner must be a valid email, got "nobody"',
      "Pulumi.staging.yaml: demo:retention must be one of 7, 30, got 8",
    ]);
  });

  it("renders range errors the same way for below-minimum, above-maximum and non-integer values", () => {
    for (const v of [5, 99999, 512.5]) {
      expect(validateStackConfig({ ...good, "demo:memoryMb": v }, opts()).map((e) => e.message)).toEqual([
        `Pulumi.staging.yaml: demo:memoryMb must be one of 128..10240, got ${v}`,
      ]);
    }
  });

  it("reports missing keys as required", () => {
    expect(validateStackConfig({ "demo:token": secret, "demo:apiKey": secret }, opts()).map((e) => e.message)).toEqual([
      "Pulumi.staging.yaml: demo:memoryMb is required",
      "Pulumi.staging.yaml: demo:owner is required",
    ]);
  });

  it("treats un-namespaced keys as project keys", () => {
    expect(
      validateStackConfig({ memoryMb: 1, owner: "a@example.com", token: secret, apiKey: secret }, opts()).map(
        (e) => e.message,
      ),
    ).toEqual(["Pulumi.staging.yaml: demo:memoryMb must be one of 128..10240, got 1"]);
  });

  it("accepts secrets for secret keys and string keys without validating or printing them", () => {
    const lines = validateStackConfig({ ...good, "demo:note": secret, "demo:owner": secret }, opts()).map(
      (e) => e.message,
    );
    expect(lines).toEqual([]);
  });

  it("rejects a secret where a non-string is expected, and plain text in a secret key, never printing the value", () => {
    const lines = validateStackConfig(
      { ...good, "demo:memoryMb": { [SIG_KEY]: SECRET_SIG, value: 512 }, "demo:token": "plain-text-token-xxxxxxxxxxx" },
      opts(),
    ).map((e) => e.message);
    expect(lines).toEqual([
      "Pulumi.staging.yaml: demo:memoryMb must not be a secret (the schema expects integer)",
      "Pulumi.staging.yaml: demo:token must be a secret (set it with `pulumi config set --secret`)",
    ]);
    expect(JSON.stringify(validateStackConfig({ ...good, "demo:bogus": secret }, opts()))).not.toContain(CIPHER);
  });

  it("with rules, checks aws:region and accountId against the environment", () => {
    const r = rules();
    expect(validateStackConfig({ ...good, "demo:accountId": "222222222222" }, opts({ rules: r }))).toEqual([]);
    expect(
      validateStackConfig(
        { ...good, "aws:region": "us-east-1", "demo:accountId": "333333333333" },
        opts({ rules: r }),
      ).map((e) => e.message),
    ).toEqual([
      'Pulumi.staging.yaml: aws:region must be "us-west-1" (environment staging in demo.rules.json), got "us-east-1"',
      'Pulumi.staging.yaml: demo:accountId must be "222222222222" (environment staging in demo.rules.json), got "333333333333"',
    ]);
    const { "aws:region": _region, ...noRegion } = good;
    expect(validateStackConfig(noRegion, opts({ rules: r })).map((e) => e.message)).toEqual([
      'Pulumi.staging.yaml: aws:region is required (environment staging has region "us-west-1" in demo.rules.json)',
    ]);
    expect(validateStackConfig(good, opts({ rules: r, env: "qa", stack: "qa" })).map((e) => e.message)).toEqual([
      'Pulumi.staging.yaml: stack "qa" maps to no environment of demo.rules.json (known: dev, staging, prod)',
    ]);
  });
});

describe("readStackConfigFile", () => {
  it("reads namespaced keys, lifts secure values into secret markers and finds the project", () => {
    const file = tmpFile(
      "Pulumi.staging.yaml",
      `config:\n  aws:region: us-west-1\n  demo:memoryMb: 512\n  demo:token:\n    secure: ${CIPHER}\n  demo:nested:\n    inner:\n      secure: v1:zzz\n  plain: 1\n`,
    );
    fs.writeFileSync(path.join(path.dirname(file), "Pulumi.yaml"), "name: demo\nruntime: nodejs\n");
    const read = readStackConfigFile(file);
    expect(read.project).toBe("demo");
    expect(read.values).toEqual({
      "aws:region": "us-west-1",
      "demo:memoryMb": 512,
      "demo:token": { [SIG_KEY]: SECRET_SIG, ciphertext: CIPHER },
      "demo:nested": { inner: { [SIG_KEY]: SECRET_SIG, ciphertext: "v1:zzz" } },
      "demo:plain": 1,
    });
  });

  it("reports YAML syntax errors and duplicate keys with line:col", () => {
    const dup = tmpFile("Pulumi.dev.yaml", "config:\n  demo:a: 1\n  demo:a: 2\n");
    expect(() => readStackConfigFile(dup)).toThrow(`${dup}: line 3:3 Map keys must be unique`);
    const bad = tmpFile("Pulumi.dev.yaml", "config:\n  demo:a: [1, 2\n");
    expect(() => readStackConfigFile(bad)).toThrow(
      new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: line \\d+:\\d+ `),
    );
  });

  it("requires a config map", () => {
    const none = tmpFile("Pulumi.dev.yaml", "encryptionsalt: abc\n");
    expect(() => readStackConfigFile(none)).toThrow(
      `${none}: config is required (a map of <namespace>:<key> to value)`,
    );
    const list = tmpFile("Pulumi.dev.yaml", "config:\n  - a\n");
    expect(() => readStackConfigFile(list)).toThrow(
      `${list}: config must be a map of <namespace>:<key> to value, got object`,
    );
    expect(() => readStackConfigFile("/nonexistent/Pulumi.x.yaml")).toThrow(
      "/nonexistent/Pulumi.x.yaml: cannot be read (ENOENT)",
    );
  });

  it("reads and validates the reference stacks against the reference schema and rules", () => {
    const root = path.join(__dirname, "../..");
    const ref = JSON.parse(
      fs.readFileSync(path.join(root, "consistency-rules/data-platform.config.schema.json"), "utf8"),
    );
    const r = rules({ project: "data-platform" });
    for (const env of ["dev", "staging", "prod"]) {
      const f = path.join(root, `Pulumi.${env}.yaml`);
      if (!fs.existsSync(f)) continue;
      const read = readStackConfigFile(f);
      expect(read.project).toBe("data-platform");
      expect(
        validateStackConfig(read.values, { file: f, stack: env, env, project: "data-platform", schema: ref, rules: r }),
      ).toEqual([]);
    }
  });
});

describe("runtime config", () => {
  it("parses JSON when it parses, keeps strings otherwise, and keeps string-typed keys as strings", () => {
    expect(parseConfigValue("512")).toBe(512);
    expect(parseConfigValue('["a@example.com"]')).toEqual(["a@example.com"]);
    expect(parseConfigValue("true")).toBe(true);
    expect(parseConfigValue("us-east-1")).toBe("us-east-1");
    expect(parseConfigValue("111111111111", { type: "string" })).toBe("111111111111");
    expect(parseConfigValue("111111111111")).toBe(111111111111);
  });

  it("validates pulumi.runtime.allConfig()-shaped input with the same messages", () => {
    const all = {
      "demo:memoryMb": "lots",
      "demo:owner": "team@example.com",
      "demo:token": "a-very-long-secret-token-value",
      "demo:apiKey": "k",
      "aws:region": "us-west-1",
    };
    const values = configFromRuntime(all, {
      project: "demo",
      schema,
      isSecretKey: (k) => k === "demo:token" || k === "demo:apiKey",
    });
    expect(values["demo:token"]).toEqual(asSecret("a-very-long-secret-token-value"));
    const lines = validateStackConfig(values, opts()).map((e) => e.message);
    expect(lines).toEqual(['Pulumi.staging.yaml: demo:memoryMb must be one of 128..10240, got "lots"']);
    expect(JSON.stringify(lines)).not.toContain("a-very-long-secret-token-value");
    expect(configFromRuntime(all, { project: "demo", schema })["demo:apiKey"]).toEqual(asSecret("k"));
  });
});
