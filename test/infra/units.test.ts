/** Pure parts of the program: the IAM wildcard rule and the esbuild bundling of a handler. */
import * as path from "node:path";
import * as vm from "node:vm";
import { loadRules } from "../../consistency-rules/src/rules";
import {
  assertNoUnscopedWildcards,
  lambdaVpcAccessGrants,
  policyDocument,
  wildcardCheckFor,
} from "../../infra/components/iam-policy";
import { configKeyToken } from "../../infra/components/config-store";
import { RULES_FILE } from "../../infra/config";

// The rules' iamExceptions, as the program uses them for dev.
const allowed = wildcardCheckFor(loadRules(RULES_FILE), {
  env: "dev",
  accountId: "111111111111",
  region: "us-east-2",
  suffix: "x1",
});
import { bundleHandler } from "../../infra/components/lambda-bundle";
import { Naming } from "../../infra/components/naming";

describe("IAM policy grants", () => {
  const ok = [
    {
      sid: "Logs",
      actions: ["logs:PutLogEvents"],
      resources: ["arn:aws:logs:us-east-2:111111111111:log-group:/aws/lambda/f-x1:log-stream:*"],
    },
    {
      sid: "Read",
      actions: ["s3:GetObject", "s3:GetObjectVersion"],
      resources: ["arn:aws:s3:::dev-ingest-raw-bucket-x1/incoming/*"],
    },
    { sid: "Trace", actions: ["xray:PutTraceSegments"], resources: ["*"] },
    { sid: "Put", actions: ["dynamodb:PutItem"], resources: ["arn:aws:dynamodb:us-east-2:111111111111:table/t-x1"] },
  ];
  test("accepts exact ARNs and the scoped wildcards AWS requires", () => {
    expect(() => assertNoUnscopedWildcards(ok, allowed)).not.toThrow();
    expect(() => assertNoUnscopedWildcards(lambdaVpcAccessGrants("us-east-2", "111111111111"), allowed)).not.toThrow();
    expect(JSON.parse(policyDocument(ok, allowed)).Statement[3]).toEqual({
      Sid: "Put",
      Effect: "Allow",
      Action: ["dynamodb:PutItem"],
      Resource: ["arn:aws:dynamodb:us-east-2:111111111111:table/t-x1"],
    });
  });
  test.each([
    [
      "wildcard action",
      { sid: "A", actions: ["s3:*"], resources: ["arn:aws:s3:::b/incoming/*"] },
      /wildcard action s3:\*/,
    ],
    ["whole bucket", { sid: "B", actions: ["s3:GetObject"], resources: ["arn:aws:s3:::b/*"] }, /wildcard resource/],
    [
      "any log group",
      { sid: "C", actions: ["logs:PutLogEvents"], resources: ["arn:aws:logs:us-east-2:111111111111:log-group:*"] },
      /wildcard resource/,
    ],
    [
      "star for a scoped action",
      { sid: "D", actions: ["dynamodb:PutItem"], resources: ["*"] },
      /wildcard resource \* for dynamodb:PutItem/,
    ],
    [
      "scoped form with a foreign action",
      { sid: "E", actions: ["s3:GetObject", "s3:DeleteObject"], resources: ["arn:aws:s3:::b/incoming/*"] },
      /wildcard resource/,
    ],
    [
      "ENIs of another account",
      {
        sid: "F",
        actions: ["ec2:DeleteNetworkInterface"],
        resources: ["arn:aws:ec2:us-east-2:999999999999:network-interface/*"],
      },
      /not an iamExceptions entry/,
    ],
    [
      "any EC2 resource",
      { sid: "G", actions: ["ec2:CreateNetworkInterface"], resources: ["arn:aws:ec2:us-east-2:111111111111:*/*"] },
      /wildcard resource/,
    ],
    [
      "ENI deletion on a subnet pattern",
      { sid: "H", actions: ["ec2:DeleteNetworkInterface"], resources: ["arn:aws:ec2:us-east-2:111111111111:subnet/*"] },
      /wildcard resource/,
    ],
  ])("rejects %s", (_n, grant, message) => {
    expect(() => policyDocument([grant], allowed)).toThrow(message);
  });
  test("the rules are the only list of exceptions: without a rule set no wildcard resource is allowed", () => {
    const none = wildcardCheckFor(undefined, {
      env: "dev",
      accountId: "111111111111",
      region: "us-east-2",
      suffix: "x1",
    });
    expect(() => policyDocument([ok[3]], none)).not.toThrow();
    for (const grant of [...ok.slice(0, 3), ...lambdaVpcAccessGrants("us-east-2", "111111111111")]) {
      expect(() => policyDocument([grant], none)).toThrow(/is not an iamExceptions entry/);
    }
  });

  test("config keys become kebab-case name tokens", () => {
    expect(["batchSize", "maxRecordAgeHours", "a.b_c", "x"].map(configKeyToken)).toEqual([
      "batch-size",
      "max-record-age-hours",
      "a-b-c",
      "x",
    ]);
  });
});

describe("naming", () => {
  const n = new Naming({
    env: "staging",
    service: "ingest",
    environmentSuffix: "x1",
    accountId: "222222222222",
    region: "us-west-1",
  });
  test("resource, physical, output names and ARNs", () => {
    expect([n.resource("raw-bucket"), n.physical("raw-bucket"), n.output("rawBucketName")]).toEqual([
      "staging-ingest-raw-bucket",
      "staging-ingest-raw-bucket-x1",
      "stagingRawBucketName",
    ]);
    expect(n.sqsQueueUrl("q")).toBe("https://sqs.us-west-1.amazonaws.com/222222222222/q");
    expect(n.logGroupArn("/aws/lambda/f")).toBe("arn:aws:logs:us-west-1:222222222222:log-group:/aws/lambda/f");
  });
});

describe("bundleHandler", () => {
  const entry = path.join(__dirname, "fixtures/handler/index.ts");
  test("bundles a TypeScript handler and its imports into one runnable index.js, AWS SDK external", async () => {
    const archive = bundleHandler(entry, { workingDir: path.resolve(__dirname, "../..") });
    const assets = await archive.assets;
    const text = await (assets["index.js"] as unknown as { text: Promise<string> }).text;
    expect(text).toContain('require("@aws-sdk/client-sqs")');
    expect(text).not.toMatch(/^\s*(import|export) /m); // CommonJS, the sibling module inlined
    expect(text).not.toContain("./greeting");
    const mod = { exports: {} as { handler?: (e: unknown) => Promise<unknown> } };
    vm.runInNewContext(text, { module: mod, exports: mod.exports, require });
    await expect(mod.exports.handler!({ name: "parity" })).resolves.toEqual({ statusCode: 200, body: "hello, parity" });
    expect((mod.exports as { sdkClientName?: () => string }).sdkClientName!()).toBe("SQSClient");
  });
  test("is deterministic", async () => {
    const a = await ((await bundleHandler(entry).assets)["index.js"] as unknown as { text: Promise<string> }).text;
    const b = await ((await bundleHandler(entry).assets)["index.js"] as unknown as { text: Promise<string> }).text;
    expect(a).toBe(b);
  });
  test("a missing entry fails with esbuild's message", () => {
    expect(() => bundleHandler(path.join(__dirname, "fixtures/handler/missing.ts"))).toThrow(
      /Could not resolve|missing\.ts/,
    );
  });
});
