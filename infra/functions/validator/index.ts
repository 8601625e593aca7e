/**
 * Validator: S3 ObjectCreated on the raw bucket → validate → record in DynamoDB → enqueue valid objects on SQS.
 *
 * Triggers: an S3 notification invoking the function directly (`S3Event`; a transient failure of any record throws,
 * Lambda retries the event, records already done are no-ops), or S3 → SQS → Lambda (`SQSEvent` whose bodies are
 * S3 events; transient failures are returned as `batchItemFailures`, so only those messages come back).
 *
 * Idempotency: the metadata item (`id` = `bucket/key/versionId`) is written with `attribute_not_exists(id)`; a
 * redelivery finds it and only finishes what is missing (the SQS task of a valid object, marked by `queuedAt`).
 * A bad object is recorded `invalid` with a reason and never retried; anything else (throttling, 5xx, timeouts,
 * access denied) is a transient failure and is thrown / reported for retry.
 */
import type { Context, S3Event, S3EventRecord, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { HeadObjectCommand, GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DynamoDBClient, ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { createLogger, type Logger } from "@env-parity/components/log";
import { checkBody, checkHead, DEFAULT_MAX_BYTES, needsBody } from "./validate";

export interface ValidatorConfig {
  readonly tableName: string;
  readonly queueUrl: string;
  readonly maxBytes: number;
}

export interface ValidatorDeps {
  readonly s3: S3Client;
  readonly ddb: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  readonly config: ValidatorConfig;
  /** Log sink for tests; default stdout. */
  readonly sink?: (line: string) => void;
}

export type Outcome = "valid" | "invalid" | "duplicate";

export interface ObjectItem {
  readonly id: string;
  readonly timestamp: string;
  readonly status: "valid" | "invalid";
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string;
  readonly size: number;
  readonly etag?: string;
  readonly contentType?: string;
  readonly reason?: string;
  readonly queuedAt?: string;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ValidatorConfig {
  const missing = ["TABLE_NAME", "QUEUE_URL"].filter((k) => !env[k]);
  if (missing.length) throw new Error(`validator: missing environment variable(s) ${missing.join(", ")}`);
  const max = Number(env.MAX_OBJECT_BYTES ?? DEFAULT_MAX_BYTES);
  return {
    tableName: env.TABLE_NAME!,
    queueUrl: env.QUEUE_URL!,
    maxBytes: Number.isFinite(max) && max > 0 ? max : DEFAULT_MAX_BYTES,
  };
}

/** S3 event keys are URL-encoded with `+` for spaces. */
export function decodeKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, " "));
}

const NOT_FOUND = new Set(["NotFound", "NoSuchKey", "NoSuchVersion"]);

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return NOT_FOUND.has(e?.name ?? "") || e?.$metadata?.httpStatusCode === 404;
}

export function createHandler(deps: ValidatorDeps) {
  const { s3, ddb, sqs, config } = deps;

  /** Validates one object; returns the item to record (never throws for a bad object). */
  async function inspect(rec: S3EventRecord, log: Logger): Promise<ObjectItem> {
    const bucket = rec.s3.bucket.name;
    const key = decodeKey(rec.s3.object.key);
    const versionId = rec.s3.object.versionId ?? "null";
    const base = {
      id: `${bucket}/${key}/${versionId}`,
      timestamp: rec.eventTime ?? new Date().toISOString(),
      bucket,
      key,
      versionId,
    };
    const version = versionId === "null" ? {} : { VersionId: versionId };
    let head;
    try {
      head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ...version }));
    } catch (error) {
      if (isNotFound(error))
        return { ...base, status: "invalid", size: rec.s3.object.size ?? 0, reason: "object not found" };
      throw error;
    }
    const facts = { size: head.ContentLength ?? 0, etag: head.ETag?.replace(/"/g, ""), contentType: head.ContentType };
    const verdict = checkHead({ key, size: facts.size, contentType: facts.contentType }, config.maxBytes);
    if (!verdict.ok) return { ...base, ...facts, status: "invalid", reason: verdict.reason };
    if (needsBody(verdict.format)) {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...version }));
      const reason = checkBody(verdict.format, (await object.Body?.transformToString("utf-8")) ?? "");
      if (reason) return { ...base, ...facts, status: "invalid", reason };
    }
    log.debug("object valid", { id: base.id, format: verdict.format });
    return { ...base, ...facts, status: "valid" };
  }

  /** Writes the item unless it exists; returns the stored item (ours or the earlier delivery's) and whether it was new. */
  async function recordItem(item: ObjectItem): Promise<{ stored: ObjectItem; created: boolean }> {
    try {
      await ddb.send(
        new PutCommand({ TableName: config.tableName, Item: item, ConditionExpression: "attribute_not_exists(id)" }),
      );
      return { stored: item, created: true };
    } catch (error) {
      if (
        !(error instanceof ConditionalCheckFailedException) &&
        (error as Error)?.name !== "ConditionalCheckFailedException"
      )
        throw error;
      const existing = await ddb.send(
        new GetCommand({ TableName: config.tableName, Key: { id: item.id }, ConsistentRead: true }),
      );
      return { stored: (existing.Item as ObjectItem | undefined) ?? item, created: false };
    }
  }

  async function enqueue(item: ObjectItem): Promise<void> {
    const task = {
      id: item.id,
      bucket: item.bucket,
      key: item.key,
      versionId: item.versionId,
      size: item.size,
      etag: item.etag,
    };
    await sqs.send(new SendMessageCommand({ QueueUrl: config.queueUrl, MessageBody: JSON.stringify(task) }));
    try {
      await ddb.send(
        new UpdateCommand({
          TableName: config.tableName,
          Key: { id: item.id },
          UpdateExpression: "SET queuedAt = :now",
          ConditionExpression: "attribute_exists(id) AND attribute_not_exists(queuedAt)",
          ExpressionAttributeValues: { ":now": new Date().toISOString() },
        }),
      );
    } catch (error) {
      if ((error as Error)?.name !== "ConditionalCheckFailedException") throw error;
    }
  }

  async function processRecord(rec: S3EventRecord, log: Logger): Promise<Outcome> {
    const { stored, created } = await recordItem(await inspect(rec, log));
    const mustEnqueue = stored.status === "valid" && !stored.queuedAt;
    if (mustEnqueue) await enqueue(stored);
    // a redelivery that only had to finish the enqueue counts as the valid delivery it completes
    const outcome: Outcome = created ? stored.status : mustEnqueue ? "valid" : "duplicate";
    const fields = {
      id: stored.id,
      status: stored.status,
      size: stored.size,
      etag: stored.etag,
      reason: stored.reason,
      outcome,
    };
    if (outcome === "invalid") log.warn("object invalid", fields);
    else log.info(outcome === "duplicate" ? "duplicate delivery ignored" : "object recorded", fields);
    return outcome;
  }

  /** Processes the records of one S3 event; returns the ids that failed transiently. */
  async function processEvent(event: S3Event, log: Logger): Promise<{ failed: string[]; outcomes: Outcome[] }> {
    const failed: string[] = [];
    const outcomes: Outcome[] = [];
    for (const r of event.Records ?? []) {
      if (!r.eventName?.startsWith("ObjectCreated:")) continue;
      try {
        outcomes.push(await processRecord(r, log));
      } catch (error) {
        const id = `${r.s3.bucket.name}/${decodeKey(r.s3.object.key)}/${r.s3.object.versionId ?? "null"}`;
        log.error("transient failure, will be retried", { id, error });
        failed.push(id);
      }
    }
    return { failed, outcomes };
  }

  return async function handler(
    event: S3Event | SQSEvent,
    context: Context,
  ): Promise<SQSBatchResponse | { outcomes: Outcome[] }> {
    const log = createLogger({ requestId: context.awsRequestId, sink: deps.sink });
    const records = event.Records ?? [];
    if (records.length > 0 && (records[0] as { eventSource?: string }).eventSource === "aws:sqs") {
      const batchItemFailures: SQSBatchResponse["batchItemFailures"] = [];
      for (const message of (event as SQSEvent).Records) {
        let inner: S3Event;
        try {
          inner = JSON.parse(message.body) as S3Event;
        } catch {
          log.error("unparseable message dropped", { messageId: message.messageId });
          continue;
        }
        const { failed } = await processEvent(inner, log.child({ messageId: message.messageId }));
        if (failed.length) batchItemFailures.push({ itemIdentifier: message.messageId });
      }
      return { batchItemFailures };
    }
    const { failed, outcomes } = await processEvent(event as S3Event, log);
    if (failed.length)
      throw new Error(`validator: ${failed.length} record(s) failed transiently: ${failed.join(", ")}`);
    return { outcomes };
  };
}

let cached: ReturnType<typeof createHandler> | undefined;

/** Lambda entry point: clients are created once per container, region from `AWS_REGION`. */
export const handler = (event: S3Event | SQSEvent, context: Context) => {
  if (!cached) {
    const region = process.env.AWS_REGION;
    cached = createHandler({
      s3: new S3Client({ region }),
      ddb: DynamoDBDocumentClient.from(new DynamoDBClient({ region }), {
        marshallOptions: { removeUndefinedValues: true },
      }),
      sqs: new SQSClient({ region }),
      config: configFromEnv(),
    });
  }
  return cached(event, context);
};
