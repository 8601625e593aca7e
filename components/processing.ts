import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Naming } from "./naming";
import type { Tags } from "./tags";

/** The supported runtime of every function of the platform. */
export const LAMBDA_RUNTIME = "nodejs22.x";

export interface ValidatorFunctionArgs {
  /** Naming convention of the environment. */
  readonly naming: Naming;
  /** Resource token of the function, e.g. `validator` (→ `…-validator-function`, `…-validator-logs`). */
  readonly resource: string;
  /** The bundled handler (`index.js` exporting `handler`). */
  readonly code: pulumi.Input<pulumi.asset.Archive>;
  /** Execution role ARN. */
  readonly roleArn: pulumi.Input<string>;
  /** Memory in MB (128..10240). */
  readonly memorySize: pulumi.Input<number>;
  /** Timeout in seconds (≤ 300). */
  readonly timeout: pulumi.Input<number>;
  /** X-Ray tracing mode. */
  readonly tracingMode: pulumi.Input<"Active" | "PassThrough">;
  /** Retention of the log group, in days (a CloudWatch value). */
  readonly logRetentionDays: pulumi.Input<number>;
  /** Environment variables of the function (secret values stay secret). */
  readonly environment: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** The bucket whose ObjectCreated events trigger the function. */
  readonly triggerBucket: { readonly id: pulumi.Input<string>; readonly arn: string };
  /** Only keys under this prefix trigger the function (and only they are readable by it). */
  readonly triggerPrefix: string;
  /** Account that owns the bucket (confused-deputy guard on the permission). */
  readonly accountId: string;
  /** Tags of the function and its log group. */
  readonly tags: pulumi.Input<Tags>;
  /** Run the function in these (private) subnets with these security groups; the role needs `lambdaVpcAccessGrants`. */
  readonly vpcConfig?: {
    readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    readonly securityGroupIds: pulumi.Input<pulumi.Input<string>[]>;
  };
}

/**
 * A function with its explicitly created log group (created first, so Lambda never creates an unmanaged one
 * with infinite retention), triggered by S3 ObjectCreated notifications on one bucket prefix.
 */
export class ValidatorFunction extends pulumi.ComponentResource {
  readonly function: aws.lambda.Function;
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly functionName: string;
  readonly functionArn: string;
  readonly logGroupName: string;

  constructor(name: string, args: ValidatorFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("env-parity:processing:ValidatorFunction", name, {}, opts);
    const { naming, resource } = args;
    const fnRes = naming.resource(`${resource}-function`);
    this.functionName = naming.physical(`${resource}-function`);
    this.functionArn = naming.lambdaFunctionArn(this.functionName);
    this.logGroupName = `/aws/lambda/${this.functionName}`;

    this.logGroup = new aws.cloudwatch.LogGroup(
      naming.resource(`${resource}-logs`),
      {
        name: this.logGroupName,
        retentionInDays: args.logRetentionDays,
        tags: args.tags,
      },
      { parent: this },
    );

    this.function = new aws.lambda.Function(
      fnRes,
      {
        name: this.functionName,
        runtime: LAMBDA_RUNTIME,
        handler: "index.handler",
        code: args.code,
        role: args.roleArn,
        memorySize: args.memorySize,
        timeout: args.timeout,
        tracingConfig: { mode: args.tracingMode },
        loggingConfig: { logFormat: "JSON", logGroup: this.logGroupName },
        environment: { variables: args.environment },
        ...(args.vpcConfig && {
          vpcConfig: { subnetIds: args.vpcConfig.subnetIds, securityGroupIds: args.vpcConfig.securityGroupIds },
        }),
        tags: args.tags,
      },
      { parent: this, dependsOn: [this.logGroup] },
    );

    const permission = new aws.lambda.Permission(
      `${fnRes}-s3-invoke`,
      {
        action: "lambda:InvokeFunction",
        function: this.function.name,
        principal: "s3.amazonaws.com",
        sourceArn: args.triggerBucket.arn,
        sourceAccount: args.accountId,
      },
      { parent: this },
    );

    new aws.s3.BucketNotification(
      `${fnRes}-s3-trigger`,
      {
        bucket: args.triggerBucket.id,
        lambdaFunctions: [
          {
            lambdaFunctionArn: this.function.arn,
            events: ["s3:ObjectCreated:*"],
            filterPrefix: args.triggerPrefix,
          },
        ],
      },
      { parent: this, dependsOn: [permission] },
    );

    this.registerOutputs({
      functionName: this.functionName,
      functionArn: this.functionArn,
      logGroupName: this.logGroupName,
    });
  }
}
