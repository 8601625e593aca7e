/**
 * readStackConfig: a stack's config read once from the runtime, the project namespace checked against the project's
 * schema and the environment's account and region against its rule set; every problem one line naming the file and key.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { mockRuntime } from "./mocks";
import {
  ConfigValidationError,
  InputError,
  loadRules,
  readStackConfig,
  type StackConfig,
} from "@env-parity/components";

mockRuntime("payments", "dev");
// The payments rule set: environment dev is account 444444444444 in eu-west-1.
const rules = loadRules(path.resolve(__dirname, "../../examples/payments/consistency-rules/payments.rules.json"));
const schema = {
  type: "object",
  properties: {
    accountId: { type: "string" },
    memoryMb: { type: "integer", minimum: 128 },
    tags: { type: "object", additionalProperties: { type: "string" } },
  },
  required: ["memoryMb"],
  additionalProperties: false,
};
const valid = {
  "aws:region": "eu-west-1",
  "payments:accountId": "444444444444",
  "payments:memoryMb": "512",
  "payments:tags": '{"a":"b"}',
};

function read(config: Record<string, string>, spec: Partial<Parameters<typeof readStackConfig>[0]> = {}): StackConfig {
  pulumi.runtime.setAllConfig(config);
  return readStackConfig({ schema, rules, ...spec });
}
function problems(config: Record<string, string>, spec: Partial<Parameters<typeof readStackConfig>[0]> = {}) {
  try {
    read(config, spec);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigValidationError);
    expect(pulumi.RunError.isInstance(e)).toBe(true); // the engine prints it without a stack trace
    return (e as ConfigValidationError).errors.map((x) => x.message);
  }
  throw new Error("the config was accepted");
}

describe("readStackConfig", () => {
  it("returns the stack's values typed by the schema, its environment, region and file", () => {
    const c = read(valid);
    expect(c).toMatchObject({ project: "payments", stack: "dev", env: "dev", file: "Pulumi.dev.yaml" });
    expect(c.region).toBe("eu-west-1");
    expect(c.ns("memoryMb")).toBe(512);
    expect(c.ns("tags")).toEqual({ a: "b" });
    expect(c.ns("missing")).toBeUndefined();
  });

  it("reports every schema problem as one line naming Pulumi.<stack>.yaml and the key", () => {
    const lines = problems({ ...valid, "payments:memoryMb": "64", "payments:extra": "x" });
    expect(lines).toHaveLength(2);
    expect(lines.find((l) => l.includes("payments:memoryMb"))).toMatch(/^Pulumi\.dev\.yaml: payments:memoryMb .*128/);
    expect(lines.find((l) => l.includes("extra"))).toMatch(/^Pulumi\.dev\.yaml: /);
    for (const l of lines) expect(l).not.toContain("\n");
  });

  it("checks account and region against the environment of the rule set", () => {
    expect(problems({ ...valid, "aws:region": "us-east-1", "payments:accountId": "999999999999" })).toEqual([
      'Pulumi.dev.yaml: aws:region must be "eu-west-1" (environment dev in payments.rules.json), got "us-east-1"',
      'Pulumi.dev.yaml: payments:accountId must be "444444444444" (environment dev in payments.rules.json), got "999999999999"',
    ]);
  });

  it("without a rule set: aws:region is still required and must be a region", () => {
    const { "aws:region": _region, ...noRegion } = valid;
    expect(problems(noRegion, { rules: undefined })).toEqual(["Pulumi.dev.yaml: aws:region is required"]);
    expect(problems({ ...valid, "aws:region": "mars" }, { rules: undefined })).toEqual([
      'Pulumi.dev.yaml: aws:region must be a valid aws-region, got "mars"',
    ]);
  });

  it("runs the program's cross-key checks only on values the schema accepts", () => {
    const crossKeyErrors = jest.fn((c: StackConfig) =>
      (c.ns("memoryMb") as number) > 1024 ? [new InputError(c.file, "payments:memoryMb", "is too much")] : [],
    );
    expect(problems({ ...valid, "payments:memoryMb": "2048" }, { crossKeyErrors })).toEqual([
      "Pulumi.dev.yaml: payments:memoryMb is too much",
    ]);
    crossKeyErrors.mockClear();
    problems({ ...valid, "payments:memoryMb": "1" }, { crossKeyErrors });
    expect(crossKeyErrors).not.toHaveBeenCalled();
  });
});
