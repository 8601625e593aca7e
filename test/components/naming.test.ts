/** Naming: the one place Pulumi names, physical names, output names and ARNs of a stack come from. */
import { Naming } from "@env-parity/components";

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
