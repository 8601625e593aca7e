import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, type PolicyGrant, type WildcardCheck } from "./iam-policy";
import type { Tags } from "./tags";

export interface FunctionRoleArgs {
  /** Pulumi name of the role (`{env}-{service}-{fn}-role`); the inline policy is `<name>-policy`. */
  readonly resourceName: string;
  /** Physical role name. */
  readonly roleName: string;
  /** The statements of the inline policy. */
  readonly grants: readonly PolicyGrant[];
  /** Which wildcard resources are allowed: the rules' `iamExceptions` (`wildcardCheckFor(rules, ctx)`). */
  readonly iamExceptions: WildcardCheck;
  /** Tags of the role. */
  readonly tags: pulumi.Input<Tags>;
}

/** The execution role of one function: trusted by Lambda only, with one inline least-privilege policy. */
export class FunctionRole extends pulumi.ComponentResource {
  readonly role: aws.iam.Role;
  readonly policy: aws.iam.RolePolicy;

  constructor(name: string, args: FunctionRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("env-parity:iam:FunctionRole", name, {}, opts);
    this.role = new aws.iam.Role(
      args.resourceName,
      {
        name: args.roleName,
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
        tags: args.tags,
      },
      { parent: this },
    );
    this.policy = new aws.iam.RolePolicy(
      `${args.resourceName}-policy`,
      {
        name: `${args.roleName}-policy`,
        role: this.role.id,
        policy: policyDocument(args.grants, args.iamExceptions),
      },
      { parent: this },
    );
    this.registerOutputs({ roleArn: this.role.arn });
  }
}
