/**
 * SQS guardrails: message retention as the rules expect it per environment, and a redrive policy (on the queue or
 * as an `aws.sqs.RedrivePolicy`) on every queue that is not itself a dead-letter queue. A dead-letter queue is
 * recognised by structure — a redrive policy or dead-letter config of another resource targets it — never by its name.
 */
import { resourcePolicy, stackPolicy, type CheckContext, type Outcome, type PolicyInput } from "../lib/define";
import { describeSpec, envExpectation, known, matchesSpec } from "../lib/expect";
import { at, policyDocument, show, UNKNOWN } from "../lib/values";

export const QUEUE = "aws:sqs/queue:Queue";
export const REDRIVE_POLICY = "aws:sqs/redrivePolicy:RedrivePolicy";
/** The maximum retention SQS accepts (14 days). */
export const SQS_MAX_RETENTION = 1_209_600;

export const sqsQueueRetention = resourcePolicy<{ retentionSeconds?: number }>({
  name: "sqs-queue-retention",
  description:
    "A queue retains messages as long as the consistency rules expect in its environment (an invariant or an approved per-environment value), else 1,209,600 s (14 days, the maximum); `retentionSeconds` in policy config overrides both.",
  why: "Short retention silently drops messages a consumer outage did not process in time; where an environment may keep less (an approved difference), the rules say so.",
  severity: "medium",
  remediationSteps:
    "Set `messageRetentionSeconds` on the aws.sqs.Queue to the value the rules expect for this environment (default 1209600).",
  config: {
    retentionSeconds: {
      type: "integer",
      minimum: 60,
      maximum: SQS_MAX_RETENTION,
      description: "Override the rules' expectation (seconds).",
    },
  },
  types: [QUEUE],
  check(r, ctx, out) {
    const override =
      ctx.config.retentionSeconds === undefined ? undefined : Math.min(ctx.config.retentionSeconds, SQS_MAX_RETENTION);
    const exp = envExpectation(ctx, r, out, "messageRetentionSeconds", {
      override,
      fallback: SQS_MAX_RETENTION,
      envFree: true,
    });
    if (!exp) return;
    const v = r.props.messageRetentionSeconds ?? 345_600; // AWS default: 4 days
    if (!known(out, r, "messageRetentionSeconds", v)) return;
    if (!matchesSpec(exp.spec, v))
      out.fail(
        `${r.name}: messageRetentionSeconds is ${show(v)}, expected ${describeSpec(exp.spec)} (${exp.source}).`,
        r.urn,
      );
  },
});

interface Redrive {
  readonly from: PolicyInput;
  /** The parsed redrive document, UNKNOWN, or undefined (absent / unparseable: reported elsewhere). */
  readonly doc: Record<string, unknown> | typeof UNKNOWN | undefined;
  /** The queue the redrive applies to: itself for a queue, `queueUrl` for an aws.sqs.RedrivePolicy. */
  readonly source: PolicyInput | typeof UNKNOWN | undefined;
}

const str = (v: unknown) => (typeof v === "string" && v !== UNKNOWN ? v : undefined);

/** Does `ref` (an ARN or a URL) name queue `q`: its `arn`/`url` output, or its physical name at the end. */
function names(ref: string, q: PolicyInput, kind: "arn" | "url"): boolean {
  const own = str(q.props[kind]);
  if (own !== undefined) return own === ref;
  const name = str(q.props.name);
  return name !== undefined && ref.endsWith(kind === "arn" ? `:${name}` : `/${name}`);
}

function redrives(resources: readonly PolicyInput[], queues: readonly PolicyInput[]): Redrive[] {
  const out: Redrive[] = [];
  for (const r of resources) {
    if (r.type === QUEUE) {
      const raw = r.props.redrivePolicy;
      if (raw !== undefined && raw !== "") out.push({ from: r, doc: policyDocument(raw), source: r });
    } else if (r.type === REDRIVE_POLICY) {
      const url = r.props.queueUrl;
      const doc = policyDocument(r.props.redrivePolicy);
      const dlqArn = doc === UNKNOWN ? undefined : str(doc?.deadLetterTargetArn);
      // queueUrl unknown at preview: the queue it depends on that is not its dead-letter target
      const source =
        typeof url === "string" && url !== UNKNOWN
          ? queues.find((q) => names(url, q, "url"))
          : url === UNKNOWN && dlqArn !== undefined
            ? (queues.find((q) => r.dependencies.includes(q.urn) && !names(dlqArn, q, "arn")) ?? UNKNOWN)
            : UNKNOWN;
      out.push({ from: r, doc, source });
    }
  }
  return out;
}

/** Where a resource names a dead-letter queue: SQS redrive, SNS subscription redrive, Lambda, EventBridge targets. */
const DEAD_LETTER_FIELDS: Readonly<Record<string, readonly string[]>> = {
  "aws:sns/topicSubscription:TopicSubscription": ["redrivePolicy"],
  "aws:lambda/function:Function": ["deadLetterConfig.targetArn"],
  "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": ["destinationConfig.onFailure.destination"],
  "aws:lambda/eventSourceMapping:EventSourceMapping": ["destinationConfig.onFailure.destinationArn"],
  "aws:cloudwatch/eventTarget:EventTarget": ["deadLetterConfig.arn"],
};

interface DeadLetterRef {
  readonly from: PolicyInput;
  /** The ARN of the dead-letter target, or UNKNOWN. */
  readonly arn: unknown;
}

/** Every place of the stack that names a dead-letter target (a queue's own redrive excluded from its own check). */
function deadLetterRefs(resources: readonly PolicyInput[], all: readonly Redrive[]): DeadLetterRef[] {
  const refs: DeadLetterRef[] = all.map((d) => ({
    from: d.from,
    arn: d.doc === UNKNOWN ? UNKNOWN : d.doc?.deadLetterTargetArn,
  }));
  for (const r of resources) {
    for (const field of DEAD_LETTER_FIELDS[r.type] ?? []) {
      let v = at(r.props, field);
      if (field === "redrivePolicy" && v !== undefined) {
        const doc = policyDocument(v);
        v = doc === UNKNOWN ? UNKNOWN : doc?.deadLetterTargetArn;
      }
      if (v !== undefined && v !== "") refs.push({ from: r, arn: v });
    }
  }
  return refs;
}

/** Does `ref` make queue `q` a dead-letter queue (its ARN names q; if that is unknown, `ref.from` depends on q)? */
function targets(ref: DeadLetterRef, q: PolicyInput): boolean | "unknown" {
  if (ref.from === q) return false;
  const arn = ref.arn;
  if (typeof arn === "string" && arn !== UNKNOWN && !arn.includes(UNKNOWN)) return names(arn, q, "arn");
  if (arn === undefined) return false;
  return ref.from.dependencies.includes(q.urn) ? true : "unknown";
}

export const sqsQueueRedrive = stackPolicy<{ maxReceiveCount?: number }>({
  name: "sqs-queue-redrive",
  description:
    "Every queue that is not a dead-letter queue (a target of another queue's or SNS subscription's redrive policy, or of a Lambda or EventBridge dead-letter config) has a redrive policy — its `redrivePolicy` or an `aws.sqs.RedrivePolicy` — with a deadLetterTargetArn and the maxReceiveCount the rules expect (default 3).",
  why: "Without a DLQ a poison message is retried until retention expires, blocking or costing the consumer.",
  severity: "high",
  remediationSteps:
    "Set `redrivePolicy: pulumi.jsonStringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 3 })` on the queue, or add an `aws.sqs.RedrivePolicy` for it.",
  config: {
    maxReceiveCount: { type: "integer", minimum: 1, description: "Override the rules' expectation (default 3)." },
  },
  check(resources, ctx, out) {
    const queues = resources.filter((r) => r.type === QUEUE);
    const all = redrives(resources, queues);
    for (const d of all) checkDoc(d, ctx, out);
    const refs = deadLetterRefs(resources, all);
    for (const q of queues) {
      const hits = refs.map((d) => targets(d, q));
      if (hits.includes(true)) continue; // a dead-letter queue
      const own = all.filter((d) => d.source === q);
      if (own.length > 0) continue; // its redrive document is checked above
      const maybe = hits.includes("unknown") || all.some((d) => d.source === UNKNOWN);
      if (maybe)
        out.unknown(
          `${q.name}: whether it is a dead-letter queue or has a redrive policy is unknown at preview (a redrive target or queue URL is unknown)`,
          q.urn,
        );
      else
        out.fail(
          `${q.name}: no redrive policy (neither redrivePolicy nor an aws.sqs.RedrivePolicy) and nothing (a queue's or subscription's redrive, a function's or event target's dead-letter config) uses it as a dead-letter queue.`,
          q.urn,
        );
    }
  },
});

function checkDoc(d: Redrive, ctx: CheckContext<{ maxReceiveCount?: number }>, out: Outcome): void {
  const r = d.from;
  if (d.doc === UNKNOWN) return void known(out, r, "redrivePolicy", UNKNOWN);
  if (!d.doc) return void out.fail(`${r.name}: redrivePolicy is not valid JSON.`, r.urn);
  const exp = envExpectation(ctx, r, out, "redrivePolicy.maxReceiveCount", {
    override: ctx.config.maxReceiveCount,
    fallback: 3,
    envFree: true,
  });
  const count = d.doc.maxReceiveCount;
  if (exp && known(out, r, "redrivePolicy.maxReceiveCount", count) && !matchesSpec(exp.spec, count)) {
    out.fail(
      `${r.name}: redrivePolicy.maxReceiveCount is ${show(count)}, expected ${describeSpec(exp.spec)} (${exp.source}).`,
      r.urn,
    );
  }
  const arn = d.doc.deadLetterTargetArn;
  if (arn === UNKNOWN) return void known(out, r, "redrivePolicy.deadLetterTargetArn", UNKNOWN);
  if (typeof arn !== "string" || arn === "") out.fail(`${r.name}: redrivePolicy has no deadLetterTargetArn.`, r.urn);
}

export const sqsPolicies = [sqsQueueRetention, sqsQueueRedrive];
