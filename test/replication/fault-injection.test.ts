/**
 * Fault injection: ≥ 1,000 config-change events through the replicator handler against SDK-level mocks of SSM, STS
 * and SNS (aws-sdk-client-mock) that throttle (~30%), fail with 5xx, time out (half of the timed-out writes land
 * anyway), with a fake clock/sleep. Duplicate deliveries (immediate and late) are mixed in. The harness plays Lambda's
 * async invocation: up to 2 retries after a throw, then the on-failure destination (the DLQ).
 * Asserts: every change lands in every target or its event is in the DLQ (lost = 0), and no target key/version is
 * written twice (duplicates = 0).
 */
import type { Context } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { GetParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { createHandler, type ReplicatorEvent, type ReplicatorConfig } from "../../infra/functions/replicator";

const EVENTS = 1_000;
const LAMBDA_MAX_RETRIES = 2;
const SOURCE_REGION = "us-east-1";
const TARGETS = [
  { env: "dev", region: "us-east-2", roleArn: "arn:aws:iam::111111111111:role/dev-ingest-config-replica-role-x1" },
  {
    env: "staging",
    region: "us-west-1",
    roleArn: "arn:aws:iam::222222222222:role/staging-ingest-config-replica-role-x1",
  },
];
const SKIP = ["logLevel", "endpoint*"];

/** mulberry32: a small seeded PRNG so a failure reproduces. */
function prng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const fault = (name: string, status: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

interface Param {
  value: string;
  type: string;
  version: number;
}

describe("replicator under injected faults", () => {
  const ssmMock = mockClient(SSMClient);
  const stsMock = mockClient(STSClient);
  const snsMock = mockClient(SNSClient);
  afterAll(() => {
    ssmMock.restore();
    stsMock.restore();
    snsMock.restore();
  });

  it(`lands or dead-letters every one of ${EVENTS} changes, never twice`, async () => {
    const random = prng(20260102);
    const faults = prng(7);
    let clock = Date.parse("2026-01-02T00:00:00Z");
    let slept = 0;
    const stores = new Map<string, Map<string, Param>>([
      [SOURCE_REGION, new Map()],
      ...TARGETS.map((t) => [t.region, new Map()] as [string, Map<string, Param>]),
    ]);
    const writes = new Map<string, number>(); // `${env}|${name}|${value}` → PutParameter calls that changed the store
    const injected = { throttle: 0, server: 0, timeout: 0, timeoutLanded: 0 };

    /** ~30% throttling (three shapes), ~6% 5xx, ~4% timeouts. */
    function maybeFail(): Error | "timeout" | undefined {
      const r = faults();
      if (r < 0.3) {
        injected.throttle++;
        return [fault("ThrottlingException", 400), fault("TooManyUpdates", 400), fault("TooManyRequests", 429)][
          Math.floor(faults() * 3)
        ];
      }
      if (r < 0.36) {
        injected.server++;
        return [fault("InternalServerError", 500), fault("ServiceUnavailable", 503)][Math.floor(faults() * 2)];
      }
      if (r < 0.4) {
        injected.timeout++;
        return "timeout";
      }
      return undefined;
    }
    const timeout = () => Object.assign(new Error("socket timed out"), { name: "TimeoutError" });

    stsMock.on(AssumeRoleCommand).callsFake((input: { RoleArn: string }) => {
      const f = maybeFail();
      if (f) throw f === "timeout" ? timeout() : f;
      // short-lived credentials, so the handler's cache expires and AssumeRole keeps being exercised
      return {
        Credentials: {
          AccessKeyId: `ASIA|${input.RoleArn}`,
          SecretAccessKey: "s",
          SessionToken: "t",
          Expiration: new Date(clock + 6 * 60_000),
        },
      };
    });

    async function storeOf(getClient: () => SSMClient): Promise<{ env: string; store: Map<string, Param> }> {
      const client = getClient();
      const region = await client.config.region();
      const target = TARGETS.find((t) => t.region === region);
      if (target) {
        // target writes must use the credentials of that target's role
        const creds = await client.config.credentials();
        if (creds.accessKeyId !== `ASIA|${target.roleArn}`) throw fault("AccessDeniedException", 400);
      }
      return { env: target?.env ?? "prod", store: stores.get(region)! };
    }

    ssmMock.on(GetParameterCommand).callsFake(async (input: { Name: string }, getClient) => {
      const { store } = await storeOf(getClient);
      const f = maybeFail();
      if (f) throw f === "timeout" ? timeout() : f;
      const p = store.get(input.Name);
      if (!p) throw fault("ParameterNotFound", 400);
      return { Parameter: { Name: input.Name, Value: p.value, Type: p.type, Version: p.version } };
    });
    ssmMock
      .on(PutParameterCommand)
      .callsFake(async (input: { Name: string; Value: string; Type: string }, getClient) => {
        const { env, store } = await storeOf(getClient);
        if (env === "staging" && input.Name.includes("/poison")) throw fault("AccessDeniedException", 400); // not in the role's ARN list
        const f = maybeFail();
        const landsAnyway = f === "timeout" && faults() < 0.5;
        if (f && !landsAnyway) throw f === "timeout" ? timeout() : f;
        const prev = store.get(input.Name);
        store.set(input.Name, { value: input.Value, type: input.Type, version: (prev?.version ?? 0) + 1 });
        const w = `${env}|${input.Name}|${input.Value}`;
        writes.set(w, (writes.get(w) ?? 0) + 1);
        if (landsAnyway) {
          injected.timeoutLanded++;
          throw timeout(); // the write happened, the client never heard back
        }
        return { Version: (prev?.version ?? 0) + 1 };
      });
    const published = { success: 0, failure: 0 };
    snsMock.on(PublishCommand).callsFake((input: { TopicArn: string }) => {
      if (input.TopicArn.endsWith("success-topic")) published.success++;
      else published.failure++;
      return { MessageId: "m" };
    });

    const lines: string[] = [];
    const config: ReplicatorConfig = {
      project: "data-platform",
      sourceEnv: "prod",
      targets: TARGETS,
      skipKeys: SKIP,
      successTopicArn: "arn:aws:sns:us-east-1:333333333333:prod-ingest-config-replication-success-topic",
      failureTopicArn: "arn:aws:sns:us-east-1:333333333333:prod-ingest-config-replication-failure-topic",
      maxAttempts: 6,
    };
    const handler = createHandler({
      ssm: new SSMClient({ region: SOURCE_REGION, credentials: { accessKeyId: "prod", secretAccessKey: "s" } }),
      sts: new STSClient({ region: SOURCE_REGION, credentials: { accessKeyId: "prod", secretAccessKey: "s" } }),
      sns: new SNSClient({ region: SOURCE_REGION, credentials: { accessKeyId: "prod", secretAccessKey: "s" } }),
      config,
      sleep: async (ms) => {
        slept += ms;
        clock += ms;
      },
      random,
      now: () => clock,
      sink: (line) => lines.push(line),
    });

    // Lambda async invocation: the first attempt plus LAMBDA_MAX_RETRIES, then the on-failure destination.
    const dlq: ReplicatorEvent[] = [];
    let invocations = 0;
    let lambdaRetries = 0;
    async function deliver(event: ReplicatorEvent): Promise<void> {
      for (let attempt = 0; attempt <= LAMBDA_MAX_RETRIES; attempt++) {
        invocations++;
        if (attempt > 0) lambdaRetries++;
        try {
          await handler(event, { awsRequestId: `${event.id}-${invocations}` } as Context);
          return;
        } catch {
          clock += 60_000; // Lambda waits before retrying an async event
        }
      }
      dlq.push(event);
    }

    // 120 ordinary keys, skipped keys, and a few keys the staging role may not write (→ DLQ)
    const keys = [...Array.from({ length: 120 }, (_, i) => `key${i}`), "logLevel", "endpointUrl", "poison1", "poison2"];
    const changes: { event: ReplicatorEvent; key: string; value: string }[] = [];
    let duplicatesDelivered = 0;
    for (let i = 0; i < EVENTS; i++) {
      const key = keys[Math.floor(random() * keys.length)];
      const name = `/data-platform/prod/${key}`;
      const prev = stores.get(SOURCE_REGION)!.get(name);
      const value = `value-${i}`;
      stores.get(SOURCE_REGION)!.set(name, { value, type: "String", version: (prev?.version ?? 0) + 1 });
      const event = {
        id: `evt-${i}`,
        version: "0",
        account: "333333333333",
        time: new Date(clock).toISOString(),
        region: SOURCE_REGION,
        resources: [`arn:aws:ssm:us-east-1:333333333333:parameter${name}`],
        source: "aws.ssm",
        "detail-type": "Parameter Store Change",
        detail: { name, type: "String", operation: prev ? "Update" : "Create" },
      } as ReplicatorEvent;
      changes.push({ event, key, value });
      await deliver(event);
      if (random() < 0.1) {
        duplicatesDelivered++;
        await deliver(event); // at-least-once: the same event again
      }
      if (random() < 0.05 && changes.length > 1) {
        duplicatesDelivered++;
        await deliver(changes[Math.floor(random() * (changes.length - 1))].event); // a late redelivery
      }
      clock += 1_000;
    }

    // ---- accounting
    const log = lines.map((l) => JSON.parse(l) as { msg: string; targets?: Record<string, string> });
    const retries = log.filter((l) => l.msg === "retry").length;
    const suppressed = log.flatMap((l) => Object.values(l.targets ?? {})).filter((o) => o === "unchanged").length;
    const dlqIds = new Set(dlq.map((e) => e.id));
    let landed = 0;
    let lost = 0;
    let dead = 0;
    for (const c of changes) {
      const skipped = c.key === "logLevel" || c.key.startsWith("endpoint");
      if (skipped) continue;
      for (const t of TARGETS) {
        if (writes.has(`${t.env}|/data-platform/${t.env}/${c.key}|${c.value}`)) landed++;
        else if (dlqIds.has(c.event.id)) dead++;
        else lost++;
      }
    }
    const duplicates = [...writes.values()].filter((n) => n > 1).length;
    const totalWrites = [...writes.values()].reduce((a, b) => a + b, 0);

    console.log(
      [
        `events ${EVENTS} (+${duplicatesDelivered} duplicate deliveries, ${invocations} invocations, ${lambdaRetries} Lambda retries)`,
        `faults injected: throttling ${injected.throttle}, 5xx ${injected.server}, timeouts ${injected.timeout} (${injected.timeoutLanded} writes landed anyway)`,
        `in-handler retries ${retries}, virtual time slept ${(slept / 1000).toFixed(1)} s`,
        `landed ${landed} target changes (${totalWrites} PutParameter writes), DLQ ${dlq.length} events (${dead} target changes)`,
        `duplicates suppressed ${suppressed}, duplicate writes ${duplicates}, lost ${lost}`,
        `notifications: success ${published.success}, failure ${published.failure}`,
      ].join("\n"),
    );

    expect(lost).toBe(0);
    expect(duplicates).toBe(0);
    expect(landed + dead).toBe(
      changes.filter((c) => c.key !== "logLevel" && !c.key.startsWith("endpoint")).length * TARGETS.length,
    );
    // the faults were real: many retries, write timeouts that landed, redeliveries suppressed
    expect(injected.throttle / (injected.throttle + injected.server + injected.timeout)).toBeGreaterThan(0.6);
    expect(retries).toBeGreaterThan(500);
    expect(injected.timeoutLanded).toBeGreaterThan(10);
    expect(suppressed).toBeGreaterThan(50);
    // environment-specific keys never leave prod
    expect([...writes.keys()].filter((w) => /\/(logLevel|endpoint)/.test(w))).toEqual([]);
    // every poison event went to the DLQ; dev still got those values
    const poison = changes.filter((c) => c.key.startsWith("poison"));
    expect(poison.length).toBeGreaterThan(0);
    for (const c of poison) {
      expect(dlqIds.has(c.event.id)).toBe(true);
      expect(writes.get(`dev|/data-platform/dev/${c.key}|${c.value}`)).toBe(1);
    }
    // converged: each target holds prod's current value of every replicated key whose last event did not dead-letter
    for (const t of TARGETS) {
      for (const [name, p] of stores.get(SOURCE_REGION)!) {
        const key = name.split("/").pop()!;
        const last = [...changes].reverse().find((c) => c.key === key)!;
        if (key === "logLevel" || key.startsWith("endpoint") || dlqIds.has(last.event.id)) continue;
        expect(stores.get(t.region)!.get(`/data-platform/${t.env}/${key}`)?.value).toBe(p.value);
      }
    }
    expect(published.success).toBeGreaterThan(0);
    expect(published.failure).toBeGreaterThanOrEqual(dlq.length);
  });
});
