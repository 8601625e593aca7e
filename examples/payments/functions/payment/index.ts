/**
 * Payment intake: validates a payment request and records it exactly once in the transactions table.
 *
 * Invoked directly (Lambda Invoke from the checkout service, inside the VPC) with a {@link PaymentRequest}.
 * Idempotency: the item key is `{merchantId}#{idempotencyKey}`, written with `attribute_not_exists(paymentId)`.
 * A retry of the same request finds the item and gets the original payment back (`replayed`); the same key with a
 * different amount/currency is refused (`conflict`) instead of silently overwriting a payment. Anything else that
 * fails (throttling, 5xx, timeouts) is thrown so the caller's retry policy applies — never a false "accepted".
 */
import { createHash } from "node:crypto";
import type { Context } from "aws-lambda";
import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { createLogger } from "@env-parity/components/log";

export interface PaymentRequest {
  readonly merchantId: string;
  /** Chosen by the caller, unique per payment attempt of that merchant. */
  readonly idempotencyKey: string;
  /** Amount in minor units (cents), a positive integer. */
  readonly amountMinor: number;
  /** ISO 4217 code, upper case. */
  readonly currency: string;
}

export interface Payment extends PaymentRequest {
  readonly paymentId: string;
  readonly status: "accepted";
  readonly createdAt: string;
  /** SHA-256 of the canonical request, to tell a retry from a reused key. */
  readonly requestHash: string;
}

export type PaymentResult =
  | { readonly outcome: "created" | "replayed"; readonly payment: Payment }
  | { readonly outcome: "rejected"; readonly errors: readonly string[] }
  | { readonly outcome: "conflict"; readonly paymentId: string; readonly message: string };

export interface PaymentDeps {
  readonly ddb: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly now?: () => Date;
  readonly sink?: (line: string) => void;
}

const KEY = /^[A-Za-z0-9_-]{8,128}$/;
const MERCHANT = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_AMOUNT_MINOR = 10_000_000_000; // 100 million in major units

/** Every problem of a request, one message each (empty = valid). */
export function validatePayment(input: unknown): string[] {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return ["request must be a JSON object"];
  const r = input as Record<string, unknown>;
  const errors: string[] = [];
  if (typeof r.merchantId !== "string" || !MERCHANT.test(r.merchantId))
    errors.push("merchantId must be 1-64 of [A-Za-z0-9_-]");
  if (typeof r.idempotencyKey !== "string" || !KEY.test(r.idempotencyKey))
    errors.push("idempotencyKey must be 8-128 of [A-Za-z0-9_-]");
  if (
    typeof r.amountMinor !== "number" ||
    !Number.isSafeInteger(r.amountMinor) ||
    r.amountMinor <= 0 ||
    r.amountMinor > MAX_AMOUNT_MINOR
  ) {
    errors.push(`amountMinor must be an integer in 1..${MAX_AMOUNT_MINOR}`);
  }
  if (typeof r.currency !== "string" || !/^[A-Z]{3}$/.test(r.currency))
    errors.push("currency must be an ISO 4217 code such as EUR");
  const extra = Object.keys(r).filter((k) => !["merchantId", "idempotencyKey", "amountMinor", "currency"].includes(k));
  if (extra.length) errors.push(`unknown field(s): ${extra.join(", ")}`);
  return errors;
}

export function requestHash(r: PaymentRequest): string {
  return createHash("sha256")
    .update(JSON.stringify([r.merchantId, r.idempotencyKey, r.amountMinor, r.currency]))
    .digest("hex");
}

export function createHandler(
  deps: PaymentDeps,
): (event: unknown, context?: Pick<Context, "awsRequestId">) => Promise<PaymentResult> {
  const now = deps.now ?? (() => new Date());
  return async (event, context) => {
    const log = createLogger({ requestId: context?.awsRequestId, sink: deps.sink });
    const errors = validatePayment(event);
    if (errors.length) {
      log.warn("payment rejected", { errors });
      return { outcome: "rejected", errors };
    }
    const req = event as PaymentRequest;
    const payment: Payment = {
      paymentId: `${req.merchantId}#${req.idempotencyKey}`,
      merchantId: req.merchantId,
      idempotencyKey: req.idempotencyKey,
      amountMinor: req.amountMinor,
      currency: req.currency,
      status: "accepted",
      createdAt: now().toISOString(),
      requestHash: requestHash(req),
    };
    try {
      await deps.ddb.send(
        new PutCommand({
          TableName: deps.tableName,
          Item: payment,
          ConditionExpression: "attribute_not_exists(paymentId)",
        }),
      );
      log.info("payment created", {
        paymentId: payment.paymentId,
        amountMinor: payment.amountMinor,
        currency: payment.currency,
      });
      return { outcome: "created", payment };
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
    }
    const existing = (
      await deps.ddb.send(
        new GetCommand({
          TableName: deps.tableName,
          Key: { paymentId: payment.paymentId },
          ConsistentRead: true,
        }),
      )
    ).Item as Payment | undefined;
    if (!existing) throw new Error(`payment ${payment.paymentId}: conditional write failed but the item is missing`);
    if (existing.requestHash !== payment.requestHash) {
      log.warn("idempotency key reused with a different request", { paymentId: payment.paymentId });
      return {
        outcome: "conflict",
        paymentId: payment.paymentId,
        message: "idempotencyKey already used for a different payment",
      };
    }
    log.info("payment replayed", { paymentId: payment.paymentId });
    return { outcome: "replayed", payment: existing };
  };
}

let cached: ReturnType<typeof createHandler> | undefined;

/** Lambda entry point: TABLE_NAME from the environment, one client per container. */
export const handler = (event: unknown, context: Context): Promise<PaymentResult> => {
  if (!cached) {
    const tableName = process.env.TABLE_NAME;
    if (!tableName) throw new Error("payment: missing environment variable TABLE_NAME");
    const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
      marshallOptions: { removeUndefinedValues: true },
    });
    cached = createHandler({ ddb, tableName });
  }
  return cached(event, context);
};
