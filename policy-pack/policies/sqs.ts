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

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/**
 * The queues of the stack, indexed so that "which queues does this ARN/URL name" ({@link names}) and "which queues
 * has this URN" take no scan of every queue (a stack of thousands of queues stays linear).
 */
function queueIndex(queues: readonly PolicyInput[]) {
  const order = new Map(queues.map((q, i) => [q, i]));
  const byUrn = new Map<string, PolicyInput[]>();
  for (const q of queues) push(byUrn, q.urn, q);
  const index = (kind: "arn" | "url") => {
    const byOwn = new Map<string, PolicyInput[]>();
    const byName = new Map<string, PolicyInput[]>();
    for (const q of queues) {
      const own = str(q.props[kind]);
      if (own !== undefined) push(byOwn, own, q);
      else {
        const name = str(q.props.name);
        if (name !== undefined) push(byName, name, q);
      }
    }
    const sep = kind === "arn" ? ":" : "/";
    // `ref` names q if q's own ARN/URL is `ref`, or (q has none) `ref` ends with `<sep><q's physical name>`
    return (ref: string): PolicyInput[] => {
      const hits = [...(byOwn.get(ref) ?? [])];
      for (let i = ref.indexOf(sep); i >= 0; i = ref.indexOf(sep, i + 1))
        hits.push(...(byName.get(ref.slice(i + 1)) ?? []));
      return hits;
    };
  };
  const first = (qs: Iterable<PolicyInput>) => {
    let best: PolicyInput | undefined;
    for (const q of qs) if (best === undefined || order.get(q)! < order.get(best)!) best = q;
    return best;
  };
  return { named: { arn: index("arn"), url: index("url") }, withUrn: (urn: string) => byUrn.get(urn) ?? [], first };
}

type QueueIndex = ReturnType<typeof queueIndex>;

function redrives(resources: readonly PolicyInput[], idx: QueueIndex): Redrive[] {
  const out: Redrive[] = [];
  for (const r of resources) {
    if (r.type === QUEUE) {
      const raw = r.props.redrivePolicy;
      if (raw !== undefined && raw !== "") out.push({ from: r, doc: policyDocument(raw), source: r });
    } else if (r.type === REDRIVE_POLICY) {
      const url = r.props.queueUrl;
      const doc = policyDocument(r.props.redrivePolicy);
      const dlqArn = doc === UNKNOWN ? undefined : str(doc?.deadLetterTargetArn);
      let source: PolicyInput | typeof UNKNOWN | undefined = UNKNOWN;
      if (typeof url === "string" && url !== UNKNOWN) source = idx.first(idx.named.url(url));
      else if (url === UNKNOWN && dlqArn !== undefined) {
        // queueUrl unknown at preview: the (first) queue it depends on that is not its dead-letter target
        const dlqs = new Set(idx.named.arn(dlqArn));
        source = idx.first(r.dependencies.flatMap((d) => idx.withUrn(d)).filter((q) => !dlqs.has(q))) ?? UNKNOWN;
      }
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

/**
 * Per queue: is it a dead-letter queue (a ref other than its own names its ARN, or — that ARN unknown — comes from a
 * resource that depends on it), and might it be one (a ref with an unknown ARN from a resource that does not).
 */
function deadLetterQueues(refs: readonly DeadLetterRef[], idx: QueueIndex) {
  const dlq = new Set<PolicyInput>();
  let undecided = 0;
  const decided = new Map<PolicyInput, number>(); // per queue: undecided refs that do not leave it open
  for (const ref of refs) {
    const arn = ref.arn;
    if (typeof arn === "string" && arn !== UNKNOWN && !arn.includes(UNKNOWN)) {
      for (const q of idx.named.arn(arn)) if (q !== ref.from) dlq.add(q);
    } else if (arn !== undefined) {
      undecided++;
      const near = new Set(ref.from.dependencies.flatMap((d) => idx.withUrn(d)));
      for (const q of near) if (q !== ref.from) dlq.add(q);
      near.add(ref.from);
      for (const q of near) decided.set(q, (decided.get(q) ?? 0) + 1);
    }
  }
  return {
    isDeadLetter: (q: PolicyInput) => dlq.has(q),
    mayBeDeadLetter: (q: PolicyInput) => undecided > (decided.get(q) ?? 0),
  };
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
  types: [QUEUE, REDRIVE_POLICY, ...Object.keys(DEAD_LETTER_FIELDS)],
  check(resources, ctx, out) {
    const queues = resources.filter((r) => r.type === QUEUE);
    const idx = queueIndex(queues);
    const all = redrives(resources, idx);
    for (const d of all) checkDoc(d, ctx, out);
    const dead = deadLetterQueues(deadLetterRefs(resources, all), idx);
    const sources = new Set(all.map((d) => d.source));
    for (const q of queues) {
      if (dead.isDeadLetter(q)) continue;
      if (sources.has(q)) continue; // its redrive document is checked above
      const maybe = dead.mayBeDeadLetter(q) || sources.has(UNKNOWN);
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
