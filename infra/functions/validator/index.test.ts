/**
 * Validator against a real DynamoDB emulator (dynalite on 127.0.0.1, random port) with the infra's key schema;
 * S3 and SQS through aws-sdk-client-mock (no emulator for them here).
 */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import type { Context, S3Event, SQSEvent } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { createHandler, decodeKey, configFromEnv, type ValidatorDeps } from "./index";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require("dynalite") as (o: object) => Server;

const TABLE = "dev-ingest-objects-table-x1";
const QUEUE = "https://sqs.us-east-2.amazonaws.com/111111111111/dev-ingest-tasks-queue-x1";
const credentials = { accessKeyId: "test", secretAccessKey: "test" };
const context = { awsRequestId: "req-1" } as Context;

let server: Server;
let endpoint: string;
let ddb: DynamoDBDocumentClient;
const s3Mock = mockClient(S3Client);
const sqsMock = mockClient(SQSClient);
let lines: string[];

function docClient(url: string, maxAttempts = 3): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: url, region: "us-east-2", credentials, maxAttempts }),
    {
      marshallOptions: { removeUndefinedValues: true },
    },
  );
}

function deps(over: Partial<ValidatorDeps> = {}): ValidatorDeps {
  return {
    s3: new S3Client({ region: "us-east-2", credentials }),
    sqs: new SQSClient({ region: "us-east-2", credentials }),
    ddb,
    config: { tableName: TABLE, queueUrl: QUEUE, maxBytes: 1024 },
    sink: (line) => lines.push(line),
    ...over,
  };
}

function s3Event(key: string, versionId = "v1", size = 10): S3Event {
  return {
    Records: [
      {
        eventVersion: "2.1",
        eventSource: "aws:s3",
        awsRegion: "us-east-2",
        eventTime: "2026-01-02T03:04:05.000Z",
        eventName: "ObjectCreated:Put",
        s3: { bucket: { name: "dev-ingest-raw-bucket-x1" }, object: { key, size, versionId } },
      },
    ],
  } as unknown as S3Event;
}

function stubObject(key: string, body: string, contentType = "application/json", versionId = "v1"): void {
  s3Mock
    .on(HeadObjectCommand, { Key: key, VersionId: versionId })
    .resolves({ ContentLength: Buffer.byteLength(body), ContentType: contentType, ETag: '"etag-1"' });
  s3Mock.on(GetObjectCommand, { Key: key, VersionId: versionId }).resolves({
    Body: { transformToString: async () => body } as never,
  });
}

async function item(id: string) {
  return (await ddb.send(new GetCommand({ TableName: TABLE, Key: { id }, ConsistentRead: true }))).Item;
}

beforeAll(async () => {
  server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ddb = docClient(endpoint);
  // same key schema as the infra: hash key `id` (S), GSI `timestamp-index` on `timestamp`
  await ddb.send(
    new CreateTableCommand({
      TableName: TABLE,
      AttributeDefinitions: [
        { AttributeName: "id", AttributeType: "S" },
        { AttributeName: "timestamp", AttributeType: "S" },
      ],
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      GlobalSecondaryIndexes: [
        {
          IndexName: "timestamp-index",
          KeySchema: [{ AttributeName: "timestamp", KeyType: "HASH" }],
          Projection: { ProjectionType: "ALL" },
        },
      ],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
});

afterAll(async () => {
  ddb.destroy();
  await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
});

beforeEach(() => {
  s3Mock.reset();
  sqsMock.reset();
  sqsMock.on(SendMessageCommand).resolves({ MessageId: "m-1" });
  lines = [];
});

describe("validator handler", () => {
  it("records a valid JSON object and enqueues one task", async () => {
    stubObject("in/a b.json", '{"ok":true}');
    const out = await createHandler(deps())(s3Event("in/a+b.json"), context);
    expect(out).toEqual({ outcomes: ["valid"] });
    const stored = await item("dev-ingest-raw-bucket-x1/in/a b.json/v1");
    expect(stored).toMatchObject({ status: "valid", size: 11, etag: "etag-1", timestamp: "2026-01-02T03:04:05.000Z" });
    expect(stored?.queuedAt).toEqual(expect.any(String));
    const sends = sqsMock.commandCalls(SendMessageCommand);
    expect(sends).toHaveLength(1);
    expect(sends[0].args[0].input.QueueUrl).toBe(QUEUE);
    expect(JSON.parse(sends[0].args[0].input.MessageBody!)).toMatchObject({
      id: "dev-ingest-raw-bucket-x1/in/a b.json/v1",
      key: "in/a b.json",
    });
    const log = lines.map((l) => JSON.parse(l));
    expect(log).toContainEqual(
      expect.objectContaining({ level: "info", msg: "object recorded", requestId: "req-1", status: "valid" }),
    );
  });

  it.each([
    ["in/bad.json", "{not json", "application/json", /invalid JSON/],
    ["in/bad.jsonl", '{"a":1}\n{oops}\n', "application/x-ndjson", /line 2/],
    ["in/image.png", "\x89PNG....", "image/png", /extension not allowed/],
    ["in/typed.csv", "a,b\n1,2\n", "application/json", /content type application\/json does not match/],
    ["in/big.json", "x".repeat(2000), "application/json", /limit 1024/],
  ])("records %s as invalid without enqueueing or throwing", async (key, body, type, reason) => {
    stubObject(key, body, type);
    const out = await createHandler(deps())(s3Event(key), context);
    expect(out).toEqual({ outcomes: ["invalid"] });
    expect((await item(`dev-ingest-raw-bucket-x1/${key}/v1`))?.reason).toMatch(reason);
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it("records a vanished object as invalid (not retried)", async () => {
    s3Mock
      .on(HeadObjectCommand)
      .rejects(Object.assign(new Error("Not Found"), { name: "NotFound", $metadata: { httpStatusCode: 404 } }));
    await expect(createHandler(deps())(s3Event("in/gone.json"), context)).resolves.toEqual({ outcomes: ["invalid"] });
    expect((await item("dev-ingest-raw-bucket-x1/in/gone.json/v1"))?.reason).toBe("object not found");
  });

  it("is idempotent under duplicate delivery: one item, one task", async () => {
    stubObject("in/dup.json", "[1,2,3]", "application/json", "v7");
    const handler = createHandler(deps());
    const first = await handler(s3Event("in/dup.json", "v7"), context);
    const again = await handler(s3Event("in/dup.json", "v7"), context);
    expect(first).toEqual({ outcomes: ["valid"] });
    expect(again).toEqual({ outcomes: ["duplicate"] });
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(1);
  });

  it("throws on a transient DynamoDB failure (Lambda retries) and a retry completes exactly once", async () => {
    stubObject("in/retry.json", "{}");
    // nothing listens on the old port of a closed server: a real connection failure
    const dead = dynalite({});
    await new Promise<void>((resolve) => dead.listen(0, "127.0.0.1", resolve));
    const deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    const broken = docClient(deadUrl, 1);
    await expect(createHandler(deps({ ddb: broken }))(s3Event("in/retry.json"), context)).rejects.toThrow(
      /failed transiently/,
    );
    broken.destroy();
    expect(await item("dev-ingest-raw-bucket-x1/in/retry.json/v1")).toBeUndefined();
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(lines.map((l) => JSON.parse(l))).toContainEqual(
      expect.objectContaining({ level: "error", msg: "transient failure, will be retried" }),
    );
    // the redelivery against a healthy table
    await expect(createHandler(deps())(s3Event("in/retry.json"), context)).resolves.toEqual({ outcomes: ["valid"] });
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(1);
  });

  it("finishes an enqueue that failed after the item was written, without a second task", async () => {
    stubObject("in/half.json", "{}");
    sqsMock
      .on(SendMessageCommand)
      .rejectsOnce(
        Object.assign(new Error("slow down"), { name: "ThrottlingException", $metadata: { httpStatusCode: 400 } }),
      );
    const handler = createHandler(deps());
    await expect(handler(s3Event("in/half.json"), context)).rejects.toThrow(/failed transiently/);
    expect((await item("dev-ingest-raw-bucket-x1/in/half.json/v1"))?.queuedAt).toBeUndefined();
    await expect(handler(s3Event("in/half.json"), context)).resolves.toEqual({ outcomes: ["valid"] });
    await expect(handler(s3Event("in/half.json"), context)).resolves.toEqual({ outcomes: ["duplicate"] });
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(2); // 1 failed + 1 delivered
    expect((await item("dev-ingest-raw-bucket-x1/in/half.json/v1"))?.queuedAt).toEqual(expect.any(String));
  });

  it("reports only the failed message of an SQS batch (partial batch response)", async () => {
    stubObject("in/ok.json", "{}");
    s3Mock
      .on(HeadObjectCommand, { Key: "in/flaky.json" })
      .rejects(Object.assign(new Error("boom"), { name: "InternalError", $metadata: { httpStatusCode: 500 } }));
    const message = (id: string, key: string) => ({
      messageId: id,
      eventSource: "aws:sqs",
      body: JSON.stringify(s3Event(key)),
    });
    const event = {
      Records: [message("m-ok", "in/ok.json"), message("m-flaky", "in/flaky.json")],
    } as unknown as SQSEvent;
    await expect(createHandler(deps())(event, context)).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: "m-flaky" }],
    });
    expect(await item("dev-ingest-raw-bucket-x1/in/ok.json/v1")).toMatchObject({ status: "valid" });
  });

  it("respects LOG_LEVEL and decodes keys; config comes from the environment", async () => {
    expect(decodeKey("a%2Fb+c.json")).toBe("a/b c.json");
    expect(() => configFromEnv({})).toThrow(/TABLE_NAME, QUEUE_URL/);
    expect(configFromEnv({ TABLE_NAME: "t", QUEUE_URL: "q", MAX_OBJECT_BYTES: "5" })).toEqual({
      tableName: "t",
      queueUrl: "q",
      maxBytes: 5,
    });
    stubObject("in/quiet.json", "{}");
    const previous = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = "warn";
    try {
      await createHandler(deps())(s3Event("in/quiet.json"), context);
    } finally {
      process.env.LOG_LEVEL = previous;
    }
    expect(lines).toEqual([]);
  });
});
