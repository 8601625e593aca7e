/**
 * The naming convention of the platform, in one place:
 * - Pulumi resource names `{env}-{service}-{resource}` (children: `…-{resource}-{child}`),
 * - physical AWS names the same plus `-{environmentSuffix}`,
 * - ARNs built from those names and the account/region of the stack, so they are plain strings known at preview.
 */
export interface NamingContext {
  /** Environment name (= stack name): `dev`, `staging`, `prod`. */
  readonly env: string;
  /** Second segment of every name (`ingest`, `payments`). */
  readonly service: string;
  /** Appended to physical AWS names only (`x1`): keeps them unique per account where AWS requires it. */
  readonly environmentSuffix: string;
  /** Account of the stack, for ARNs known at preview. */
  readonly accountId: string;
  /** `aws:region` of the stack, for ARNs known at preview. */
  readonly region: string;
}

export class Naming {
  constructor(private readonly ctx: NamingContext) {}

  /** Pulumi resource name: `dev-ingest-raw-bucket`. */
  resource(resource: string): string {
    return `${this.ctx.env}-${this.ctx.service}-${resource}`;
  }

  /** Physical AWS name: `dev-ingest-raw-bucket-x1`. */
  physical(resource: string): string {
    return `${this.resource(resource)}-${this.ctx.environmentSuffix}`;
  }

  /** Stack output name, prefixed with the environment: `devRawBucketName`. */
  output(key: string): string {
    return `${this.ctx.env}${key.charAt(0).toUpperCase()}${key.slice(1)}`;
  }

  s3BucketArn(bucketName: string): string {
    return `arn:aws:s3:::${bucketName}`;
  }

  dynamodbTableArn(tableName: string): string {
    return `arn:aws:dynamodb:${this.ctx.region}:${this.ctx.accountId}:table/${tableName}`;
  }

  sqsQueueArn(queueName: string): string {
    return `arn:aws:sqs:${this.ctx.region}:${this.ctx.accountId}:${queueName}`;
  }

  sqsQueueUrl(queueName: string): string {
    return `https://sqs.${this.ctx.region}.amazonaws.com/${this.ctx.accountId}/${queueName}`;
  }

  snsTopicArn(topicName: string): string {
    return `arn:aws:sns:${this.ctx.region}:${this.ctx.accountId}:${topicName}`;
  }

  lambdaFunctionArn(functionName: string): string {
    return `arn:aws:lambda:${this.ctx.region}:${this.ctx.accountId}:function:${functionName}`;
  }

  /** `arn:aws:logs:<region>:<account>:log-group:<name>` (the form without `:*`). */
  logGroupArn(logGroupName: string): string {
    return `arn:aws:logs:${this.ctx.region}:${this.ctx.accountId}:log-group:${logGroupName}`;
  }

  iamRoleArn(roleName: string): string {
    return `arn:aws:iam::${this.ctx.accountId}:role/${roleName}`;
  }
}
