/** The payment handler against a real DynamoDB emulator (dynalite on 127.0.0.1), with the table's key schema. */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { createHandler, validatePayment } from "../../examples/payments/functions/payment/index";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require("dynalite") as (o: object) => Server;

const TABLE = "dev-payments-transactions-table-p1";
const credentials = { accessKeyId: "test", secretAccessKey: "test" };
let server: Server;
let ddb: DynamoDBDocumentClient;
let lines: string[];

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const raw = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: "eu-west-1",
    credentials,
    maxAttempts: 1,
  });
  ddb = DynamoDBDocumentClient.from(raw);
  await raw.send(
    new CreateTableCommand({
      TableName: TABLE,
      AttributeDefinitions: [{ AttributeName: "paymentId", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "paymentId", KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
});
afterAll(async () => {
  ddb?.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  lines = [];
});

const req = { merchantId: "m-42", idempotencyKey: "order-0001-a", amountMinor: 1999, currency: "EUR" };
const handler = () =>
  createHandler({ ddb, tableName: TABLE, now: () => new Date("2026-01-02T03:04:05Z"), sink: (l) => lines.push(l) });

describe("payment handler", () => {
  it("records a new payment once and returns it", async () => {
    const res = await handler()(req, { awsRequestId: "r1" });
    expect(res.outcome).toBe("created");
    const item = (await ddb.send(new GetCommand({ TableName: TABLE, Key: { paymentId: "m-42#order-0001-a" } }))).Item;
    expect(item).toMatchObject({ ...req, status: "accepted", createdAt: "2026-01-02T03:04:05.000Z" });
    expect(JSON.parse(lines[0])).toMatchObject({ level: "info", msg: "payment created", requestId: "r1" });
  });

  it("replays a retry of the same request without writing again", async () => {
    const later = createHandler({
      ddb,
      tableName: TABLE,
      now: () => new Date("2030-01-01T00:00:00Z"),
      sink: () => undefined,
    });
    const res = await later(req);
    expect(res).toMatchObject({ outcome: "replayed", payment: { createdAt: "2026-01-02T03:04:05.000Z" } });
  });

  it("refuses the same idempotency key with a different amount, keeping the original", async () => {
    const res = await handler()({ ...req, amountMinor: 5 });
    expect(res).toEqual({ outcome: "conflict", paymentId: "m-42#order-0001-a", message: expect.any(String) });
    const item = (await ddb.send(new GetCommand({ TableName: TABLE, Key: { paymentId: "m-42#order-0001-a" } }))).Item;
    expect(item?.amountMinor).toBe(1999);
  });

  it("rejects invalid requests with every problem listed, writing nothing", async () => {
    const res = await handler()({
      merchantId: "",
      idempotencyKey: "short",
      amountMinor: 1.5,
      currency: "eur",
      extra: 1,
    });
    expect(res.outcome).toBe("rejected");
    expect(res.outcome === "rejected" && res.errors).toHaveLength(5);
    expect(validatePayment(null)).toEqual(["request must be a JSON object"]);
    expect(validatePayment({ ...req, amountMinor: 0 })).toEqual([expect.stringMatching(/^amountMinor/)]);
  });

  it("throws on infrastructure errors instead of claiming success", async () => {
    const broken = createHandler({ ddb, tableName: "no-such-table", sink: () => undefined });
    await expect(broken({ ...req, idempotencyKey: "order-0002-b" })).rejects.toThrow(/non-existent table|not found/i);
  });
});
