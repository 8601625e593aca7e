/** Tagging guardrails: required tags on every taggable resource, and `Environment` = the stack's environment. */
import { resourcePolicy, type Outcome, type PolicyInput } from "../lib/define";
import { requireEnv } from "../lib/define";
import { show, UNKNOWN } from "../lib/values";

/** Resource types of this platform whose schema has a `tags` input (extend when the platform uses more). */
export const TAGGABLE_TYPES = [
  "aws:s3/bucket:Bucket",
  "aws:lambda/function:Function",
  "aws:dynamodb/table:Table",
  "aws:sqs/queue:Queue",
  "aws:sns/topic:Topic",
  "aws:iam/role:Role",
  "aws:iam/policy:Policy",
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:cloudwatch/metricAlarm:MetricAlarm",
  "aws:cloudwatch/eventRule:EventRule",
  "aws:kms/key:Key",
  "aws:ssm/parameter:Parameter",
  "aws:secretsmanager/secret:Secret",
  "aws:ec2/vpc:Vpc",
  "aws:ec2/subnet:Subnet",
  "aws:ec2/securityGroup:SecurityGroup",
  "aws:ec2/instance:Instance",
  "aws:ec2/internetGateway:InternetGateway",
  "aws:ec2/routeTable:RouteTable",
  "aws:ec2/eip:Eip",
  "aws:ec2/natGateway:NatGateway",
  "aws:rds/cluster:Cluster",
  "aws:rds/clusterInstance:ClusterInstance",
  "aws:sfn/stateMachine:StateMachine",
  "aws:apigatewayv2/api:Api",
];

const DEFAULT_REQUIRED = ["Environment", "Project", "ManagedBy", "Team", "CostCenter"];

/** Effective tags: the provider's defaultTags, then the resource's `tags` (what AWS ends up with); UNKNOWN if either is. */
export function effectiveTags(r: PolicyInput): Record<string, unknown> | typeof UNKNOWN {
  const fromProvider = r.providerProps?.defaultTags;
  const providerTags = fromProvider && typeof fromProvider === "object" ? (fromProvider as Record<string, unknown>).tags : fromProvider;
  const own = r.props.tags;
  if (providerTags === UNKNOWN || own === UNKNOWN) return UNKNOWN;
  return { ...((providerTags as Record<string, unknown>) ?? {}), ...((own as Record<string, unknown>) ?? {}) };
}

function tagsOrUnknown(r: PolicyInput, out: Outcome): Record<string, unknown> | undefined {
  const tags = effectiveTags(r);
  if (tags !== UNKNOWN) return tags;
  out.unknown(`${r.name}: tags are unknown at preview`, r.urn);
  return undefined;
}

export const tagsRequired = resourcePolicy<{ requiredTags: string[] }>({
  name: "tags-required",
  description: "Every taggable resource carries the tags Environment, Project, ManagedBy, Team and CostCenter (own or provider default tags).",
  why: "Cost allocation, ownership and incident routing all key off these tags; an untagged resource has no owner.",
  severity: "medium",
  remediationSteps: "Set the missing tags, preferably once on the provider (`defaultTags`) or through the platform's tag helper.",
  config: { requiredTags: { type: "array", items: { type: "string" }, default: DEFAULT_REQUIRED } },
  defaults: { requiredTags: DEFAULT_REQUIRED },
  types: TAGGABLE_TYPES,
  check(r, { config }, out) {
    const tags = tagsOrUnknown(r, out);
    if (!tags) return;
    const missing = config.requiredTags.filter((t) => tags[t] === undefined || tags[t] === "");
    const unknown = config.requiredTags.filter((t) => tags[t] === UNKNOWN);
    if (missing.length) out.fail(`${r.name}: missing tags ${missing.join(", ")}.`, r.urn);
    if (unknown.length) out.unknown(`${r.name}: tag values ${unknown.join(", ")} are unknown at preview`, r.urn);
  },
});

export const tagsEnvironmentMatches = resourcePolicy({
  name: "tags-environment-matches-stack",
  description: "The Environment tag of every taggable resource equals the stack's environment.",
  why: "A prod resource tagged dev is billed, alerted and cleaned up as dev.",
  severity: "high",
  remediationSteps: "Derive the Environment tag from the stack (`pulumi.getStack()` mapped to its environment), never hard-code it.",
  types: TAGGABLE_TYPES,
  check(r, ctx, out) {
    const tags = tagsOrUnknown(r, out);
    if (!tags) return;
    const v = tags.Environment;
    if (v === undefined) return; // tags-required reports it
    if (v === UNKNOWN) return void out.unknown(`${r.name}: tag Environment is unknown at preview`, r.urn);
    const env = requireEnv(ctx, "tags-environment-matches-stack", r, out);
    if (env && v !== env) out.fail(`${r.name}: tag Environment is ${show(v)}, expected "${env}" (stack ${ctx.stack}).`, r.urn);
  },
});

export const taggingPolicies = [tagsRequired, tagsEnvironmentMatches];
