/**
 * Least-privilege policy documents: exact actions on exact ARNs. A `*` in a Resource is allowed only where an
 * `iamExceptions` entry of the consistency rules covers the statement (`RuleSet.iamExceptionFor`), the same list the
 * policy pack checks. Pure (no Pulumi).
 */
import type { IamContext, RuleSet } from "../../consistency-rules/src/rules";

/** One statement of a function's inline policy: exact actions on exact ARNs. */
export interface PolicyGrant {
  /** Statement id (alphanumeric). */
  readonly sid: string;
  /** Exact IAM actions, e.g. `dynamodb:PutItem` (never a wildcard). */
  readonly actions: readonly string[];
  /** Exact ARNs of this environment, or one of {@link SCOPED_RESOURCE_WILDCARDS}. */
  readonly resources: readonly string[];
}

/**
 * TRANSITIONAL: the wildcard exceptions as they were hard-coded before the rule set carried `iamExceptions`.
 * Used only while the rules file has no `iamExceptions` section; delete once it does (one list: the rules).
 */
export const SCOPED_RESOURCE_WILDCARDS: readonly { readonly pattern: RegExp; readonly actions: readonly string[]; readonly why: string }[] = [
  {
    // arn:aws:logs:<region>:<account>:log-group:<exact group>:log-stream:*
    pattern: /^arn:aws:logs:[a-z0-9-]+:\d{12}:log-group:[^*:]+:log-stream:\*$/,
    actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
    why: "Lambda generates the log stream names; CloudWatch Logs authorises these actions on log-stream ARNs only",
  },
  {
    // arn:aws:s3:::<exact bucket>/<fixed prefix>/*
    pattern: /^arn:aws:s3:::[a-z0-9.-]+\/[a-z0-9-]+\/\*$/,
    actions: ["s3:GetObject", "s3:GetObjectVersion"],
    why: "object keys are data; the function may read only the fixed prefix its trigger filters on",
  },
  {
    pattern: /^\*$/,
    actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
    why: "X-Ray does not support resource-level permissions for these actions (Lambda requires them for Active tracing)",
  },
  {
    pattern: /^\*$/,
    actions: ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
    why: "EC2 Describe* actions have no resource-level permissions; Lambda calls them to attach a function to its VPC subnets",
  },
  {
    pattern: /^arn:aws:ec2:[a-z0-9-]+:\d{12}:network-interface\/\*$/,
    actions: ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
    why: "Lambda creates and deletes the function's ENIs, whose ids exist only then; scoped to this account and region",
  },
  {
    pattern: /^arn:aws:ec2:[a-z0-9-]+:\d{12}:(?:subnet|security-group)\/\*$/,
    actions: ["ec2:CreateNetworkInterface"],
    why: "creating an ENI also authorises on its subnet and security group; scoped to this account and region",
  },
];

/**
 * What Lambda needs on the execution role of a function in a VPC (the actions of AWSLambdaVPCAccessExecutionRole),
 * as inline statements scoped to this account and region where EC2 allows it.
 */
export function lambdaVpcAccessGrants(region: string, accountId: string): PolicyGrant[] {
  const ec2 = (resource: string) => `arn:aws:ec2:${region}:${accountId}:${resource}/*`;
  return [
    { sid: "VpcDescribe", actions: ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"], resources: ["*"] },
    { sid: "VpcCreateNetworkInterfaces", actions: ["ec2:CreateNetworkInterface"], resources: [ec2("network-interface"), ec2("subnet"), ec2("security-group")] },
    {
      sid: "VpcManageNetworkInterfaces",
      actions: ["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
      resources: [ec2("network-interface")],
    },
  ];
}

/**
 * Answers "may this statement (all of `actions`) name `resource`, which contains a wildcard?" with the id of the
 * exception that allows it, or undefined. Built from the rule set's `iamExceptions` ({@link wildcardCheckFor}).
 */
export type WildcardCheck = (actions: readonly string[], resource: string) => { readonly id: string } | undefined;

/** The rule set's `iamExceptions` for one environment: the list the policy pack checks against too. */
export function wildcardCheckFor(rules: RuleSet | undefined, ctx: IamContext): WildcardCheck {
  if (rules && rules.iamExceptions.length > 0) return (actions, resource) => rules.iamExceptionFor(actions, resource, ctx);
  return (actions, resource) => {
    const hit = SCOPED_RESOURCE_WILDCARDS.find((w) => w.pattern.test(resource) && actions.every((a) => w.actions.includes(a)));
    return hit && { id: `builtin:${hit.actions[0]}` };
  };
}

/** Throws (one line) if a grant has a wildcard action, or a wildcard resource no exception of `allowed` covers. */
export function assertNoUnscopedWildcards(grants: readonly PolicyGrant[], allowed: WildcardCheck): void {
  for (const g of grants) {
    for (const a of g.actions) if (/[*?]/.test(a)) throw new Error(`IAM statement ${g.sid}: wildcard action ${a}`);
    for (const r of g.resources) {
      if (!/[*?]/.test(r)) continue;
      if (!allowed(g.actions, r)) {
        throw new Error(`IAM statement ${g.sid}: wildcard resource ${r} for ${g.actions.join(", ")} is not an iamExceptions entry of the consistency rules`);
      }
    }
  }
}

/** Renders grants as an IAM policy document (a plain string, known at preview). */
export function policyDocument(grants: readonly PolicyGrant[], allowed: WildcardCheck): string {
  assertNoUnscopedWildcards(grants, allowed);
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: grants.map((g) => ({ Sid: g.sid, Effect: "Allow", Action: [...g.actions], Resource: [...g.resources] })),
  });
}
