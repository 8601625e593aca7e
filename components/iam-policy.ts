/**
 * Least-privilege policy documents: exact actions on exact ARNs. A `*` in a Resource is allowed only where an
 * `iamExceptions` entry of the consistency rules covers the statement (`RuleSet.iamExceptionFor`), the same list the
 * policy pack checks. Pure (no Pulumi).
 */
import type { IamContext, RuleSet } from "../consistency-rules/src/rules";

export type { IamContext };

/** One statement of a function's inline policy: exact actions on exact ARNs. */
export interface PolicyGrant {
  /** Statement id (alphanumeric). */
  readonly sid: string;
  /** Exact IAM actions, e.g. `dynamodb:PutItem` (never a wildcard). */
  readonly actions: readonly string[];
  /** Exact ARNs of this environment; a wildcard only where an `iamExceptions` entry of the rules covers it. */
  readonly resources: readonly string[];
}

/**
 * What Lambda needs on the execution role of a function in a VPC (the actions of AWSLambdaVPCAccessExecutionRole),
 * as inline statements scoped to this account and region where EC2 allows it.
 */
export function lambdaVpcAccessGrants(region: string, accountId: string): PolicyGrant[] {
  const ec2 = (resource: string) => `arn:aws:ec2:${region}:${accountId}:${resource}/*`;
  return [
    { sid: "VpcDescribe", actions: ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"], resources: ["*"] },
    {
      sid: "VpcCreateNetworkInterfaces",
      actions: ["ec2:CreateNetworkInterface"],
      resources: [ec2("network-interface"), ec2("subnet"), ec2("security-group")],
    },
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

/**
 * The rule set's `iamExceptions` for one environment: the list the policy pack checks against too, and the only one.
 * Without a rule set no wildcard resource is allowed.
 */
export function wildcardCheckFor(rules: RuleSet | undefined, ctx: IamContext): WildcardCheck {
  return (actions, resource) => rules?.iamExceptionFor(actions, resource, ctx);
}

/** Throws (one line) if a grant has a wildcard action, or a wildcard resource no exception of `allowed` covers. */
export function assertNoUnscopedWildcards(grants: readonly PolicyGrant[], allowed: WildcardCheck): void {
  for (const g of grants) {
    for (const a of g.actions) if (/[*?]/.test(a)) throw new Error(`IAM statement ${g.sid}: wildcard action ${a}`);
    for (const r of g.resources) {
      if (!/[*?]/.test(r)) continue;
      if (!allowed(g.actions, r)) {
        throw new Error(
          `IAM statement ${g.sid}: wildcard resource ${r} for ${g.actions.join(", ")} is not an iamExceptions entry of the consistency rules`,
        );
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
