/** SQS guardrails: message retention, and a redrive policy to a dead-letter queue. */
import { resourcePolicy } from "../lib/define";
import { known } from "../lib/expect";
import { policyDocument, show, UNKNOWN } from "../lib/values";

export const QUEUE = "aws:sqs/queue:Queue";
/** The maximum retention SQS accepts (14 days). */
export const SQS_MAX_RETENTION = 1_209_600;

export const sqsQueueRetention = resourcePolicy<{ retentionSeconds: number }>({
  name: "sqs-queue-retention",
  description: "A queue retains messages for 1,209,600 s (14 days, the maximum), or the configured value.",
  why: "Short retention silently drops messages a consumer outage did not process in time.",
  severity: "medium",
  remediationSteps: "Set `messageRetentionSeconds: 1209600` on the aws.sqs.Queue.",
  config: { retentionSeconds: { type: "integer", minimum: 60, maximum: SQS_MAX_RETENTION, default: SQS_MAX_RETENTION } },
  defaults: { retentionSeconds: SQS_MAX_RETENTION },
  types: [QUEUE],
  check(r, { config }, out) {
    const want = Math.min(config.retentionSeconds, SQS_MAX_RETENTION);
    const v = r.props.messageRetentionSeconds ?? 345_600; // AWS default: 4 days
    if (!known(out, r, "messageRetentionSeconds", v)) return;
    if (v !== want) out.fail(`${r.name}: messageRetentionSeconds is ${show(v)}, expected ${want}.`, r.urn);
  },
});

export const sqsQueueRedrive = resourcePolicy<{ maxReceiveCount: number; dlqNamePattern: string }>({
  name: "sqs-queue-redrive",
  description: "A queue (other than a dead-letter queue) has a redrive policy with maxReceiveCount 3 to a DLQ.",
  why: "Without a DLQ a poison message is retried until retention expires, blocking or costing the consumer.",
  severity: "high",
  remediationSteps: "Set `redrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 3 })` (use pulumi.jsonStringify with outputs).",
  config: {
    maxReceiveCount: { type: "integer", minimum: 1, default: 3 },
    dlqNamePattern: { type: "string", default: "-dlq$", description: "Resources whose Pulumi name matches are dead-letter queues (exempt)." },
  },
  defaults: { maxReceiveCount: 3, dlqNamePattern: "-dlq$" },
  types: [QUEUE],
  check(r, { config }, out) {
    if (new RegExp(config.dlqNamePattern).test(r.name)) return;
    const raw = r.props.redrivePolicy;
    if (!known(out, r, "redrivePolicy", raw)) return;
    if (raw === undefined || raw === "") return void out.fail(`${r.name}: no redrivePolicy; expected a DLQ with maxReceiveCount ${config.maxReceiveCount}.`, r.urn);
    const doc = policyDocument(raw);
    if (doc === UNKNOWN) return void known(out, r, "redrivePolicy", UNKNOWN);
    if (!doc) return void out.fail(`${r.name}: redrivePolicy is not valid JSON.`, r.urn);
    if (doc.maxReceiveCount !== config.maxReceiveCount) out.fail(`${r.name}: redrivePolicy.maxReceiveCount is ${show(doc.maxReceiveCount)}, expected ${config.maxReceiveCount}.`, r.urn);
    if (typeof doc.deadLetterTargetArn !== "string" || doc.deadLetterTargetArn === "") out.fail(`${r.name}: redrivePolicy has no deadLetterTargetArn.`, r.urn);
  },
});

export const sqsPolicies = [sqsQueueRetention, sqsQueueRedrive];
