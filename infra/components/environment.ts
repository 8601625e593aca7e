import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config";
import { FunctionRole } from "./iam";
import { bundleHandler } from "./lambda-bundle";
import { Messaging } from "./messaging";
import { Metadata, TIMESTAMP_INDEX } from "./metadata";
import { Naming } from "./naming";
import { ValidatorFunction } from "./processing";
import { Storage } from "./storage";
import { standardTags } from "./tags";

/** Keys under which the validator may read raw objects; the S3 trigger filters on the same prefix. */
export const RAW_INCOMING_PREFIX = "incoming/";

export interface EnvironmentArgs {
  /** The validated stack config. */
  readonly config: PlatformConfig;
  /** Absolute path of the validator handler (`infra/functions/validator/index.ts`). */
  readonly validatorEntry: string;
  /** Directory the bundler reports paths against (the repository root). */
  readonly sourceRoot: string;
}

/**
 * One environment of the data platform: storage, metadata, messaging, the validator function and its role,
 * all through one explicit AWS provider pinned to the stack's region and account.
 */
export class Environment extends pulumi.ComponentResource {
  readonly naming: Naming;
  readonly storage: Storage;
  readonly metadata: Metadata;
  readonly messaging: Messaging;
  readonly validatorRole: FunctionRole;
  readonly validator: ValidatorFunction;
  /** Everything an application pipeline needs, unprefixed (`rawBucketName`, …). */
  readonly outputs: Readonly<Record<string, pulumi.Input<string>>>;

  constructor(name: string, args: EnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("env-parity:environment:Environment", name, {}, opts);
    const cfg = args.config;
    const naming = (this.naming = new Naming(cfg));
    const tags = standardTags({ env: cfg.env, project: cfg.project, team: cfg.team, costCenter: cfg.costCenter });

    const provider = new aws.Provider(naming.resource("aws"), {
      region: cfg.region as aws.Region,
      allowedAccountIds: [cfg.accountId],
    }, { parent: this });
    const child = { parent: this, providers: { aws: provider } };

    this.storage = new Storage(naming.resource("storage"), { naming, sseAlgorithm: cfg.sseAlgorithm, tags }, child);
    this.metadata = new Metadata(naming.resource("metadata"), { naming, tags }, child);
    this.messaging = new Messaging(naming.resource("messaging"), { naming, alertEmails: cfg.alertEmails, tags }, child);

    const fnName = naming.physical("validator-function");
    const logGroupArn = naming.logGroupArn(`/aws/lambda/${fnName}`);
    this.validatorRole = new FunctionRole(naming.resource("validator-iam"), {
      resourceName: naming.resource("validator-role"),
      roleName: naming.physical("validator-role"),
      tags,
      grants: [
        { sid: "WriteOwnLogs", actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [`${logGroupArn}:log-stream:*`] },
        { sid: "ReadIncomingRawObjects", actions: ["s3:GetObject"], resources: [`${this.storage.raw.bucketArn}/${RAW_INCOMING_PREFIX}*`] },
        { sid: "WriteMetadata", actions: ["dynamodb:PutItem"], resources: [this.metadata.tableArn] },
        { sid: "EnqueueTasks", actions: ["sqs:SendMessage"], resources: [this.messaging.tasksQueueArn] },
        { sid: "WriteTraces", actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources: ["*"] },
      ],
    }, child);

    this.validator = new ValidatorFunction(naming.resource("processing"), {
      naming,
      resource: "validator",
      code: bundleHandler(args.validatorEntry, { workingDir: args.sourceRoot }),
      roleArn: this.validatorRole.role.arn,
      memorySize: cfg.lambdaMemoryMb,
      timeout: cfg.lambdaTimeoutSec,
      tracingMode: cfg.xrayTracing ? "Active" : "PassThrough",
      logRetentionDays: cfg.logRetentionDays,
      environment: {
        ...cfg.lambdaEnvironment,
        TABLE_NAME: this.metadata.tableName,
        QUEUE_URL: this.messaging.tasksQueueUrl,
        ENVIRONMENT: cfg.env,
        LOG_LEVEL: cfg.logLevel,
        VALIDATOR_API_TOKEN: cfg.validatorApiToken,
      },
      triggerBucket: { id: this.storage.raw.bucket.id, arn: this.storage.raw.bucketArn },
      triggerPrefix: RAW_INCOMING_PREFIX,
      accountId: cfg.accountId,
      tags,
    }, { ...child, dependsOn: [this.validatorRole] });

    this.outputs = Object.freeze({
      rawBucketName: this.storage.raw.bucketName,
      rawBucketArn: this.storage.raw.bucketArn,
      curatedBucketName: this.storage.curated.bucketName,
      curatedBucketArn: this.storage.curated.bucketArn,
      validatorFunctionName: this.validator.functionName,
      validatorFunctionArn: this.validator.functionArn,
      validatorLogGroupName: this.validator.logGroupName,
      validatorRoleArn: this.validatorRole.role.arn,
      metadataTableName: this.metadata.tableName,
      metadataTableArn: this.metadata.tableArn,
      metadataTimestampIndexName: TIMESTAMP_INDEX,
      tasksQueueName: this.messaging.tasksQueueName,
      tasksQueueUrl: this.messaging.tasksQueueUrl,
      tasksQueueArn: this.messaging.tasksQueueArn,
      tasksDlqUrl: this.messaging.tasksDlqUrl,
      tasksDlqArn: this.messaging.tasksDlqArn,
      alertsTopicArn: this.messaging.alertsTopicArn,
      region: cfg.region,
      accountId: cfg.accountId,
    });
    this.registerOutputs(this.outputs);
  }
}
