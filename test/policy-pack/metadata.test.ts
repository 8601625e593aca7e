/** GetAnalyzerInfo lists every policy with its metadata; docs/RULES.md is current; the example configs are valid. */
import * as fs from "fs";
import * as path from "path";
import { createAjv } from "../../consistency-rules/src/ajv";
import { BUNDLED_KEYWORD } from "../../consistency-rules/src/digest";
import { startPack, type PackSession } from "../../policy-pack/harness";
import { renderRulesDoc } from "../../policy-pack/scripts/gen-docs";
import { buildPack, PACK_DIR, ROOT } from "./fixtures";

let pack: PackSession;
beforeAll(async () => {
  buildPack();
  pack = await startPack({ packDir: PACK_DIR });
});
afterAll(() => pack?.close());

test("GetAnalyzerInfo lists every policy with name, description, enforcement, severity, remediation, url and config schema", async () => {
  const info = await pack.info();
  expect(info.name).toBe("env-parity");
  expect(info.supportsConfig).toBe(true);
  expect(info.policies.length).toBeGreaterThanOrEqual(28);
  for (const p of info.policies) {
    expect(p.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)+$/);
    expect(p.description.length).toBeGreaterThan(20);
    expect(["advisory", "mandatory"]).toContain(p.enforcementLevel);
    expect(["low", "medium", "high", "critical"]).toContain(p.severity);
    expect(p.remediationSteps?.length ?? 0).toBeGreaterThan(20);
    expect(p.url).toMatch(new RegExp(`RULES\\.md#${p.name}$`));
    expect(p.configSchema?.properties).toBeDefined();
    expect(["resource", "stack"]).toContain(p.type);
  }
  expect(info.policies.find((p) => p.name === "policy-pack-indeterminate")?.enforcementLevel).toBe("advisory");
  expect(
    info.policies.find((p) => p.name === "lambda-function-runtime-allowed")?.configSchema?.properties.allowedRuntimes,
  ).toMatchObject({ default: ["nodejs22.x", "python3.12", "python3.13"] });
});

test("the taggable types are every AWS provider type with a `tags` input, read from the installed SDK (node policy-pack/scripts/gen-taggable-types.js)", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const gen = require("../../policy-pack/scripts/gen-taggable-types.js") as {
    taggableTypes(): string[];
    render(t: string[]): string;
  };
  const types = gen.taggableTypes();
  expect(fs.readFileSync(path.join(PACK_DIR, "policies", "taggable-types.json"), "utf8")).toBe(gen.render(types));
  // the types the reference platforms use, the fixed list this replaced, are all in it; untaggable ones are not
  for (const t of [
    "aws:s3/bucket:Bucket",
    "aws:lambda/function:Function",
    "aws:sqs/queue:Queue",
    "aws:iam/role:Role",
    "aws:ec2/vpc:Vpc",
    "aws:rds/clusterInstance:ClusterInstance",
    "aws:apigatewayv2/api:Api",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  ])
    expect(types).toContain(t);
  for (const t of [
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:sns/topicSubscription:TopicSubscription",
  ])
    expect(types).not.toContain(t);
  expect(types.length).toBeGreaterThan(500);
});

test("docs/RULES.md is generated from the current metadata (node policy-pack/scripts/write-rules-doc.js)", () => {
  expect(fs.readFileSync(path.join(ROOT, "docs", "RULES.md"), "utf8")).toBe(renderRulesDoc());
});

test.each(["dev", "staging", "prod"])(
  "policy-pack/config/%s.json names only known policies and validates against their schemas",
  async (env) => {
    const info = await pack.info();
    const config = JSON.parse(fs.readFileSync(path.join(PACK_DIR, "config", `${env}.json`), "utf8")) as Record<
      string,
      unknown
    >;
    const ajv = createAjv();
    // the pack's annotation of what it was built with: an extension keyword, ignored by the engine's validator
    ajv.addKeyword(BUNDLED_KEYWORD);
    for (const [name, c] of Object.entries(config)) {
      const p = info.policies.find((x) => x.name === name);
      expect(p?.name).toBe(name);
      if (typeof c === "string") continue;
      const { enforcementLevel: _level, ...props } = c as Record<string, unknown>;
      const validate = ajv.compile({
        type: "object",
        properties: p!.configSchema!.properties,
        additionalProperties: false,
      });
      expect([name, validate(props), validate.errors ?? null]).toEqual([name, true, null]);
    }
    await pack.configure(config as never);
    await pack.configure({});
  },
);
