/**
 * Replicator: an EventBridge "Parameter Store Change" event for `/{project}/prod/{key}` (Create/Update) →
 * read prod's current value → for each target (dev, staging): AssumeRole into the target's replication role,
 * read the target parameter, write it only if it differs → SNS success / failure topic.
 *
 * Idempotency: the write is "make the target equal to prod's current value", decided by reading the target first,
 * inside the retried unit. A redelivered event, a Lambda retry after a partial failure, or a retry after a write that
 * timed out but landed all find the value already there and write nothing.
 * Retries: throttling (ThrottlingException, TooManyUpdates, 429), 5xx and timeouts, with capped exponential backoff and
 * full jitter (`../shared/retry`). After the last attempt the handler throws, so Lambda's async retries and then its
 * on-failure destination (the SQS DLQ) take the event. Values never appear in logs or notifications.
 */
import type { Context, EventBridgeEvent } from "aws-lambda";
import { GetParameterCommand, PutParameterCommand, SSMClient, type ParameterType } from "@aws-sdk/client-ssm";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { createLogger, type Logger } from "@env-parity/components/log";
import { isTransient, withRetry, type RetryOptions } from "../shared/retry";
import { isSkippedKey, keyOf, parameterName, parseSkipKeys } from "./keys";

export interface ParameterStoreChange {
  readonly name: string;
  readonly type?: string;
  readonly operation: string;
  readonly description?: string;
}
export type ReplicatorEvent = EventBridgeEvent<"Parameter Store Change", ParameterStoreChange>;

export interface ReplicationTargetSpec {
  readonly env: string;
  readonly roleArn: string;
  readonly region: string;
}

export interface ReplicatorConfig {
  readonly project: string;
  readonly sourceEnv: string;
  readonly targets: readonly ReplicationTargetSpec[];
  readonly skipKeys: readonly string[];
  readonly successTopicArn: string;
  readonly failureTopicArn: string;
  /** Attempts per AWS call (first try included). */
  readonly maxAttempts: number;
}

export interface ReplicatorDeps {
  /** SSM and SNS of the source (prod) account; STS to assume the target roles. */
  readonly ssm: SSMClient;
  readonly sts: STSClient;
  readonly sns: SNSClient;
  readonly config: ReplicatorConfig;
  /** Injected for tests: a fake clock and sleep, a seeded random. */
  readonly sleep?: RetryOptions["sleep"];
  readonly random?: RetryOptions["random"];
  readonly now?: () => number;
  readonly sink?: (line: string) => void;
}

export type TargetOutcome = "written" | "unchanged";

export interface ReplicationResult {
  readonly outcome: "replicated" | "skipped" | "ignored" | "source-missing";
  readonly key?: string;
  readonly version?: number;
  readonly targets?: Readonly<Record<string, TargetOutcome>>;
}

export class ReplicationFailed extends Error {
  constructor(
    readonly key: string,
    readonly failures: Readonly<Record<string, string>>,
  ) {
    super(
      `replication of ${key} failed for ${Object.entries(failures)
        .map(([env, e]) => `${env} (${e})`)
        .join(", ")}`,
    );
    this.name = "ReplicationFailed";
  }
}

const OPERATIONS = new Set(["Create", "Update"]);
const CREDENTIAL_ERRORS = new Set([
  "ExpiredTokenException",
  "ExpiredToken",
  "UnrecognizedClientException",
  "InvalidClientTokenId",
]);
const CLIENT_OPTIONS = { maxAttempts: 1, requestHandler: { requestTimeout: 5_000, connectionTimeout: 3_000 } };
const CREDENTIAL_MARGIN_MS = 5 * 60_000;

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ReplicatorConfig {
  const required = ["PROJECT", "SOURCE_ENV", "TARGETS", "SUCCESS_TOPIC_ARN", "FAILURE_TOPIC_ARN"];
  const missing = required.filter((k) => !env[k]);
  if (missing.length) throw new Error(`replicator: missing environment variable(s) ${missing.join(", ")}`);
  const targets = JSON.parse(env.TARGETS!) as ReplicationTargetSpec[];
  if (!Array.isArray(targets) || targets.some((t) => !t.env || !t.roleArn || !t.region)) {
    throw new Error("replicator: TARGETS must be a JSON array of {env, roleArn, region}");
  }
  return {
    project: env.PROJECT!,
    sourceEnv: env.SOURCE_ENV!,
    targets,
    skipKeys: parseSkipKeys(env.SKIP_KEYS),
    successTopicArn: env.SUCCESS_TOPIC_ARN!,
    failureTopicArn: env.FAILURE_TOPIC_ARN!,
    maxAttempts: Number(env.MAX_ATTEMPTS ?? 6) || 6,
  };
}

function errorName(error: unknown): string {
  return (error as { name?: string })?.name ?? String(error);
}

export function createHandler(deps: ReplicatorDeps) {
  const { ssm, sts, sns, config } = deps;
  const now = deps.now ?? Date.now;
  const targetClients = new Map<string, { client: SSMClient; expiresAt: number }>();

  const retry = (log: Logger, op: string, extra: object = {}): RetryOptions => ({
    maxAttempts: config.maxAttempts,
    sleep: deps.sleep,
    random: deps.random,
    retryable: (e) => isTransient(e) || CREDENTIAL_ERRORS.has(errorName(e)),
    onRetry: ({ attempt, delayMs, error }) =>
      log.warn("retry", { op, attempt, delayMs, error: errorName(error), ...extra }),
  });

  /** An SSM client of the target account, on credentials from AssumeRole cached until 5 minutes before expiry. */
  async function targetClient(target: ReplicationTargetSpec): Promise<SSMClient> {
    const cached = targetClients.get(target.env);
    if (cached && cached.expiresAt - CREDENTIAL_MARGIN_MS > now()) return cached.client;
    const { Credentials: c } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: target.roleArn,
        RoleSessionName: `${config.project}-replicator-${target.env}`,
        DurationSeconds: 3600,
      }),
    );
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${target.roleArn} returned no credentials`);
    const credentials = {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
    };
    const client = new SSMClient({ ...CLIENT_OPTIONS, region: target.region, credentials });
    targetClients.set(target.env, { client, expiresAt: c.Expiration ? c.Expiration.getTime() : now() + 15 * 60_000 });
    return client;
  }

  async function read(client: SSMClient, name: string) {
    try {
      return (await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter;
    } catch (error) {
      if (errorName(error) === "ParameterNotFound") return undefined;
      throw error;
    }
  }

  /** Makes the target parameter equal to the source value; the read-compare-write is the retried unit. */
  async function replicateTo(
    target: ReplicationTargetSpec,
    key: string,
    value: string,
    type: ParameterType,
    log: Logger,
  ): Promise<TargetOutcome> {
    const name = parameterName(config.project, target.env, key);
    return withRetry(
      async () => {
        try {
          const client = await targetClient(target);
          const current = await read(client, name);
          if (current?.Value === value && current.Type === type) return "unchanged";
          await client.send(new PutParameterCommand({ Name: name, Value: value, Type: type, Overwrite: true }));
          return "written";
        } catch (error) {
          if (CREDENTIAL_ERRORS.has(errorName(error))) targetClients.delete(target.env);
          throw error;
        }
      },
      retry(log, "replicate", { target: target.env }),
    );
  }

  async function publish(topicArn: string, subject: string, message: object, log: Logger): Promise<void> {
    try {
      await withRetry(
        () =>
          sns.send(
            new PublishCommand({
              TopicArn: topicArn,
              Subject: subject.slice(0, 100),
              Message: JSON.stringify(message),
            }),
          ),
        retry(log, "publish"),
      );
    } catch (error) {
      log.error("notification failed", { topicArn, error });
    }
  }

  return async function handler(event: ReplicatorEvent, context: Context): Promise<ReplicationResult> {
    const name = event.detail?.name ?? "";
    const key = keyOf(name, config.project, config.sourceEnv);
    const log = createLogger(
      { requestId: context.awsRequestId, sink: deps.sink },
      { eventId: event.id, parameter: name, key },
    );
    if (event.source !== "aws.ssm" || !key || !OPERATIONS.has(event.detail?.operation)) {
      log.info("event ignored", { source: event.source, operation: event.detail?.operation });
      return { outcome: "ignored" };
    }
    if (isSkippedKey(key, config.skipKeys)) {
      log.info("environment-specific key skipped", { skipKeys: config.skipKeys });
      return { outcome: "skipped", key };
    }
    const source = await withRetry(() => read(ssm, name), retry(log, "read-source"));
    if (!source?.Value || !source.Type) {
      log.warn("source parameter no longer exists; nothing to replicate");
      return { outcome: "source-missing", key };
    }
    const { Value: value, Type: type, Version: version } = source;
    const settled = await Promise.allSettled(
      config.targets.map((t) => replicateTo(t, key, value, type as ParameterType, log)),
    );
    const targets: Record<string, TargetOutcome> = {};
    const failures: Record<string, string> = {};
    settled.forEach((s, i) => {
      if (s.status === "fulfilled") targets[config.targets[i].env] = s.value;
      else failures[config.targets[i].env] = errorName(s.reason);
    });
    if (Object.keys(failures).length) {
      log.error("replication failed; Lambda retries the event, then sends it to the DLQ", {
        version,
        targets,
        failures,
      });
      await publish(
        config.failureTopicArn,
        `config replication failed: ${key}`,
        { eventId: event.id, key, version, targets, failures },
        log,
      );
      throw new ReplicationFailed(key, failures);
    }
    log.info("replicated", { version, targets });
    await publish(
      config.successTopicArn,
      `config replicated: ${key}`,
      { eventId: event.id, key, version, targets },
      log,
    );
    return { outcome: "replicated", key, version, targets };
  };
}

let cached: ReturnType<typeof createHandler> | undefined;

/** Lambda entry point: clients created once per container, region from `AWS_REGION`. */
export const handler = (event: ReplicatorEvent, context: Context) => {
  if (!cached) {
    const region = process.env.AWS_REGION;
    cached = createHandler({
      ssm: new SSMClient({ ...CLIENT_OPTIONS, region }),
      sts: new STSClient({ ...CLIENT_OPTIONS, region }),
      sns: new SNSClient({ ...CLIENT_OPTIONS, region }),
      config: configFromEnv(),
    });
  }
  return cached(event, context);
};
