/** CloudWatch alarm guardrails: CPU alarms exist where, and trigger at the threshold, the environment's rules say. */
import { resourcePolicy } from "../lib/define";
import { describeSpec, envExpectation, known, logicalIdOf, matchesSpec } from "../lib/expect";
import { show } from "../lib/values";

export const METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

export const cloudwatchAlarmCpuThreshold = resourcePolicy<{ threshold?: number; maxThreshold: number }>({
  name: "cloudwatch-alarm-cpu-threshold",
  description:
    "A CPUUtilization alarm exists only in environments the rules allow and its threshold is the environment's (from the rules; else at most `maxThreshold`).",
  why: "An alarm at the wrong threshold pages too late (prod) or for nothing (dev); environments alarm exactly as the rules approve.",
  severity: "medium",
  remediationSteps:
    "Set `threshold` to the environment's value in the rules (e.g. `db-cpu-alarm-threshold`), remove the alarm where the rules approve none, or change the approval.",
  config: {
    threshold: { type: "number", minimum: 0, maximum: 100, description: "Override the rules' expectation." },
    maxThreshold: {
      type: "number",
      minimum: 0,
      maximum: 100,
      default: 90,
      description: "Highest threshold accepted when the rules say nothing.",
    },
  },
  defaults: { maxThreshold: 90 },
  types: [METRIC_ALARM],
  check(r, ctx, out) {
    const metric = r.props.metricName;
    if (!known(out, r, "metricName", metric) || metric !== "CPUUtilization") return;
    if (ctx.env && ctx.rules) {
      const present = ctx.rules.expectation(ctx.env, r.type, logicalIdOf(r.name, ctx.env), "$present");
      if (present !== undefined && !matchesSpec(present, true))
        return void out.fail(
          `${r.name}: the rules approve no such alarm in ${ctx.env} (${describeSpec(present)}).`,
          r.urn,
        );
    }
    const exp = envExpectation(ctx, r, out, "threshold", {
      override: ctx.config.threshold,
      fallback: { max: ctx.config.maxThreshold },
    });
    if (!exp) return;
    const v = r.props.threshold;
    if (!known(out, r, "threshold", v)) return;
    if (typeof v !== "number" || !matchesSpec(exp.spec, v))
      out.fail(`${r.name}: threshold is ${show(v)}, expected ${describeSpec(exp.spec)} (${exp.source}).`, r.urn);
  },
});

export const cloudwatchAlarmPolicies = [cloudwatchAlarmCpuThreshold];
