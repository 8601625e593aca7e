/** The IAM policy documents of the library: exact actions on exact ARNs, wildcards only as the rules' iamExceptions allow. */
import { loadRules } from "../../consistency-rules/src/rules";
import {
  assertNoUnscopedWildcards,
  lambdaVpcAccessGrants,
  policyDocument,
  wildcardCheckFor,
} from "@env-parity/components";
import { RULES_FILE } from "../../infra/config";

// The data platform's iamExceptions, as its program uses them for dev.
const allowed = wildcardCheckFor(loadRules(RULES_FILE), {
  env: "dev",
  accountId: "111111111111",
  region: "us-east-2",
  suffix: "x1",
});

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
});
