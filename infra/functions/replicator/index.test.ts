import type { Context } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { GetParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { configFromEnv, createHandler, ReplicationFailed, type ReplicatorEvent } from "./index";

const ssmMock = mockClient(SSMClient);
const stsMock = mockClient(STSClient);
const snsMock = mockClient(SNSClient);
const credentials = { accessKeyId: "prod", secretAccessKey: "s" };
const context = { awsRequestId: "r" } as Context;
const env = {
  PROJECT: "data-platform",
  SOURCE_ENV: "prod",
  TARGETS: JSON.stringify([
    { env: "dev", roleArn: "arn:aws:iam::111111111111:role/dev-r", region: "us-east-2" },
    { env: "staging", roleArn: "arn:aws:iam::222222222222:role/staging-r", region: "us-west-1" },
  ]),
  SKIP_KEYS: "logLevel",
  SUCCESS_TOPIC_ARN: "arn:aws:sns:us-east-1:333333333333:ok",
  FAILURE_TOPIC_ARN: "arn:aws:sns:us-east-1:333333333333:ko",
};
let clock = 0;
let lines: string[];

const event = (name: string, operation = "Update", source = "aws.ssm") =>
  ({
    id: "e1",
    source,
    "detail-type": "Parameter Store Change",
    detail: { name, operation, type: "String" },
  }) as unknown as ReplicatorEvent;

function make() {
  return createHandler({
    ssm: new SSMClient({ region: "us-east-1", credentials }),
    sts: new STSClient({ region: "us-east-1", credentials }),
    sns: new SNSClient({ region: "us-east-1", credentials }),
    config: configFromEnv(env),
    sleep: async () => undefined,
    now: () => clock,
    sink: (l) => lines.push(l),
  });
}

beforeEach(() => {
  ssmMock.reset();
  stsMock.reset();
  snsMock.reset();
  lines = [];
  clock = Date.parse("2026-01-01T00:00:00Z");
  stsMock.on(AssumeRoleCommand).callsFake((i: { RoleArn: string }) => ({
    Credentials: {
      AccessKeyId: i.RoleArn,
      SecretAccessKey: "s",
      SessionToken: "t",
      Expiration: new Date(clock + 3600_000),
    },
  }));
  snsMock.on(PublishCommand).resolves({ MessageId: "m" });
  ssmMock
    .on(GetParameterCommand, { Name: "/data-platform/prod/batchSize" })
    .resolves({ Parameter: { Value: "100", Type: "String", Version: 4 } });
  ssmMock
    .on(GetParameterCommand, { Name: "/data-platform/dev/batchSize" })
    .resolves({ Parameter: { Value: "100", Type: "String", Version: 2 } });
  ssmMock
    .on(GetParameterCommand, { Name: "/data-platform/staging/batchSize" })
    .rejects(Object.assign(new Error("nf"), { name: "ParameterNotFound" }));
  ssmMock.on(PutParameterCommand).resolves({ Version: 1 });
});

describe("replicator handler", () => {
  it("writes only where the target differs, through the target's role, and notifies success", async () => {
    const out = await make()(event("/data-platform/prod/batchSize"), context);
    expect(out).toEqual({
      outcome: "replicated",
      key: "batchSize",
      version: 4,
      targets: { dev: "unchanged", staging: "written" },
    });
    const puts = ssmMock.commandCalls(PutParameterCommand);
    expect(puts.map((c) => c.args[0].input)).toEqual([
      { Name: "/data-platform/staging/batchSize", Value: "100", Type: "String", Overwrite: true },
    ]);
    expect(await puts[0].thisValue.config.region()).toBe("us-west-1");
    expect((await puts[0].thisValue.config.credentials()).accessKeyId).toBe("arn:aws:iam::222222222222:role/staging-r");
    expect(snsMock.commandCalls(PublishCommand)[0].args[0].input.TopicArn).toBe(env.SUCCESS_TOPIC_ARN);
    expect(lines.join("\n")).not.toContain('"100"'); // values never logged
  });

  it("reuses assumed-role credentials until 5 minutes before expiry", async () => {
    const handler = make();
    await handler(event("/data-platform/prod/batchSize"), context);
    await handler(event("/data-platform/prod/batchSize"), context);
    expect(stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(2); // dev + staging once
    clock += 56 * 60_000;
    await handler(event("/data-platform/prod/batchSize"), context);
    expect(stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(4);
  });

  it.each([
    ["another environment", event("/data-platform/dev/batchSize"), "ignored"],
    ["another project", event("/other/prod/batchSize"), "ignored"],
    ["a delete", event("/data-platform/prod/batchSize", "Delete"), "ignored"],
    ["another source", event("/data-platform/prod/batchSize", "Update", "custom.app"), "ignored"],
    ["an environment-specific key", event("/data-platform/prod/logLevel"), "skipped"],
  ])("does nothing for %s", async (_what, e, outcome) => {
    expect((await make()(e, context)).outcome).toBe(outcome);
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  it("throws after exhausting retries (so Lambda routes the event to the DLQ) and notifies failure", async () => {
    ssmMock
      .on(PutParameterCommand)
      .rejects(Object.assign(new Error("slow"), { name: "ThrottlingException", $metadata: { httpStatusCode: 400 } }));
    await expect(make()(event("/data-platform/prod/batchSize"), context)).rejects.toBeInstanceOf(ReplicationFailed);
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(6);
    const published = snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(published).toHaveLength(1);
    expect(published[0].TopicArn).toBe(env.FAILURE_TOPIC_ARN);
    expect(JSON.parse(published[0].Message!)).toMatchObject({
      key: "batchSize",
      failures: { staging: "ThrottlingException" },
      targets: { dev: "unchanged" },
    });
  });

  it("rejects a bad TARGETS configuration with one clear line", () => {
    expect(() => configFromEnv({ ...env, TARGETS: '[{"env":"dev"}]' })).toThrow(
      "TARGETS must be a JSON array of {env, roleArn, region}",
    );
    expect(() => configFromEnv({})).toThrow(/missing environment variable\(s\) PROJECT, SOURCE_ENV, TARGETS/);
  });
});
