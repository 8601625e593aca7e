/** CloudWatch Logs guardrails: retention set, valid, and the environment's (from the consistency rules). */
import { resourcePolicy } from "../lib/define";
import { describeSpec, envExpectation, known, matchesSpec } from "../lib/expect";
import { show } from "../lib/values";

export const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
/** The values CloudWatch Logs accepts for retentionInDays. */
export const RETENTION_VALUES = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

export const cloudwatchLogGroupRetention = resourcePolicy<{ retentionInDays?: number }>({
  name: "cloudwatch-log-group-retention",
  description: "A log group sets retentionInDays to a valid value equal to its environment's expectation.",
  why: "Without retention logs are kept (and billed) forever; environments keep logs as long as the rules say.",
  severity: "medium",
  remediationSteps:
    "Set `retentionInDays` to the environment's value from the rules (one of CloudWatch's allowed values).",
  config: {
    retentionInDays: { type: "integer", enum: RETENTION_VALUES, description: "Override the rules' expectation." },
  },
  types: [LOG_GROUP],
  check(r, ctx, out) {
    const v = r.props.retentionInDays;
    if (!known(out, r, "retentionInDays", v)) return;
    if (v === undefined || v === 0)
      return void out.fail(`${r.name}: retentionInDays is not set (logs never expire).`, r.urn);
    if (typeof v !== "number" || !RETENTION_VALUES.includes(v))
      return void out.fail(`${r.name}: retentionInDays ${show(v)} is not a value CloudWatch accepts.`, r.urn);
    const exp = envExpectation(ctx, r, out, "retentionInDays", { override: ctx.config.retentionInDays });
    if (exp && !matchesSpec(exp.spec, v))
      out.fail(`${r.name}: retentionInDays is ${v}, expected ${describeSpec(exp.spec)} (${exp.source}).`, r.urn);
  },
});

export const cloudwatchLogsPolicies = [cloudwatchLogGroupRetention];
