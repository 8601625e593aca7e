import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config";
import { replicatedKeys } from "../functions/replicator/skip-keys";
import {
  bundleHandler,
  FunctionRole,
  lambdaVpcAccessGrants,
  Naming,
  Network,
  standardTags,
  ValidatorFunction,
  wildcardCheckFor,
} from "@env-parity/components";
import { ConfigStore } from "./config-store";
import { Messaging } from "./messaging";
import { Metadata, TIMESTAMP_INDEX } from "./metadata";
import { ReplicationSource, ReplicationTarget, replicatorRoleArn } from "./replication";
import { Storage } from "./storage";

/** Keys under which the validator may read raw objects; the S3 trigger filters on the same prefix. */
export const RAW_INCOMING_PREFIX = "incoming/";

export interface EnvironmentArgs {
  /** The validated stack config. */
  readonly config: PlatformConfig;
  /** Absolute path of the validator handler (`infra/functions/validator/index.ts`). */
  readonly validatorEntry: string;
  /** Absolute path of the replicator handler (`infra/functions/replicator/index.ts`); bundled in the source environment only. */
  readonly replicatorEntry: string;
  /** Directory the bundler reports paths against (the repository root). */
  readonly sourceRoot: string;
}

/** How the VPC reaches AWS APIs: interface endpoints, no internet path (docs/networking.md). */
export const EGRESS_MODE = "endpoints";

/**
 * One environment of the data platform: the VPC, storage, metadata, messaging, the validator function (in the
 * private subnets) and its role, the configuration store, and the configuration replication (source in the source
 * environment, target elsewhere), all through one explicit AWS provider pinned to the stack's region and account.
 */
export class Environment extends pulumi.ComponentResource {
  readonly naming: Naming;
  readonly storage: Storage;
  readonly metadata: Metadata;
  readonly messaging: Messaging;
  readonly validatorRole: FunctionRole;
  readonly validator: ValidatorFunction;
  readonly network: Network;
  readonly configStore: ConfigStore;
  /** The source environment only. */
  readonly replicationSource?: ReplicationSource;
  /** Every other environment. */
  readonly replicationTarget?: ReplicationTarget;
  /** Everything an application pipeline needs, unprefixed (`rawBucketName`, …). */
  readonly outputs: Readonly<Record<string, pulumi.Input<string>>>;

  constructor(name: string, args: EnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("env-parity:environment:Environment", name, {}, opts);
    const cfg = args.config;
    const naming = (this.naming = new Naming(cfg));
    const tags = standardTags({ env: cfg.env, project: cfg.project, team: cfg.team, costCenter: cfg.costCenter });

    const provider = new aws.Provider(
      naming.resource("aws"),
      {
        region: cfg.region as aws.Region,
        allowedAccountIds: [cfg.accountId],
      },
      { parent: this },
    );
    const child = { parent: this, providers: { aws: provider } };
    const iamExceptions = wildcardCheckFor(cfg.rules, {
      env: cfg.env,
      accountId: cfg.accountId,
      region: cfg.region,
      suffix: cfg.environmentSuffix,
    });

    this.network = new Network(
      naming.resource("network"),
      {
        naming,
        region: cfg.region,
        cidrBlock: cfg.vpcCidr,
        azCount: cfg.azCount,
        egress: EGRESS_MODE,
        tags,
      },
      child,
    );
    const vpcConfig = { subnetIds: this.network.privateSubnetIds, securityGroupIds: [this.network.appSecurityGroupId] };

    this.storage = new Storage(naming.resource("storage"), { naming, sseAlgorithm: cfg.sseAlgorithm, tags }, child);
    this.metadata = new Metadata(naming.resource("metadata"), { naming, tags }, child);
    this.messaging = new Messaging(naming.resource("messaging"), { naming, alertEmails: cfg.alertEmails, tags }, child);

    const fnName = naming.physical("validator-function");
    const logGroupArn = naming.logGroupArn(`/aws/lambda/${fnName}`);
    this.validatorRole = new FunctionRole(
      naming.resource("validator-iam"),
      {
        resourceName: naming.resource("validator-role"),
        roleName: naming.physical("validator-role"),
        tags,
        iamExceptions,
        grants: [
          {
            sid: "WriteOwnLogs",
            actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
            resources: [`${logGroupArn}:log-stream:*`],
          },
          // GetObjectVersion: the validator reads the exact version the event names.
          {
            sid: "ReadIncomingRawObjects",
            actions: ["s3:GetObject", "s3:GetObjectVersion"],
            resources: [`${this.storage.raw.bucketArn}/${RAW_INCOMING_PREFIX}*`],
          },
          // GetItem/UpdateItem: a redelivered event finds its record and is not processed twice.
          {
            sid: "WriteMetadata",
            actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
            resources: [this.metadata.tableArn],
          },
          { sid: "EnqueueTasks", actions: ["sqs:SendMessage"], resources: [this.messaging.tasksQueueArn] },
          { sid: "WriteTraces", actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources: ["*"] },
          ...lambdaVpcAccessGrants(cfg.region, cfg.accountId),
        ],
      },
      child,
    );

    this.validator = new ValidatorFunction(
      naming.resource("processing"),
      {
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
        vpcConfig,
        tags,
      },
      { ...child, dependsOn: [this.validatorRole] },
    );

    // Application configuration: one SSM parameter per key; the replicator owns the replicated values outside the source.
    const repl = cfg.replication;
    const isSource = cfg.env === repl.sourceEnvironment;
    const appKeys = Object.keys(cfg.appConfig).sort();
    const replicated = replicatedKeys(appKeys, cfg.replicationSkipKeys);
    this.configStore = new ConfigStore(
      naming.resource("config"),
      {
        naming,
        project: cfg.project,
        env: cfg.env,
        accountId: cfg.accountId,
        region: cfg.region,
        values: cfg.appConfig,
        secretKeys: cfg.appConfigSecretKeys,
        replicaKeys: isSource ? [] : replicated,
        tags,
      },
      child,
    );
    const replicatedArns = replicated.map((k) => this.configStore.parameterArns[k]);

    const extraOutputs: Record<string, pulumi.Input<string>> = {};
    if (isSource) {
      this.replicationSource = new ReplicationSource(
        naming.resource("replication"),
        {
          naming,
          project: cfg.project,
          env: cfg.env,
          accountId: cfg.accountId,
          region: cfg.region,
          targets: Object.entries(repl.targetStacks).map(([targetEnv, stackName]) => {
            const region = cfg.environments[targetEnv]?.region;
            if (!region) throw new Error(`replication target ${targetEnv}: the rules name no region for it`);
            const ref = new pulumi.StackReference(
              naming.resource(`${targetEnv}-stack-reference`),
              { name: stackName },
              { parent: this },
            );
            return {
              env: targetEnv,
              region,
              roleArn: ref.getOutput(`${targetEnv}ReplicationRoleArn`) as pulumi.Output<string | undefined>,
            };
          }),
          sourceParameterArns: replicatedArns,
          skipKeys: cfg.replicationSkipKeys,
          code: bundleHandler(args.replicatorEntry, { workingDir: args.sourceRoot }),
          logRetentionDays: cfg.logRetentionDays,
          tracingMode: cfg.xrayTracing ? "Active" : "PassThrough",
          logLevel: cfg.logLevel,
          tags,
          iamExceptions,
        },
        { ...child, dependsOn: [this.configStore] },
      );
      extraOutputs.replicationRuleArn = this.replicationSource.ruleArn;
    } else {
      const source = cfg.environments[repl.sourceEnvironment];
      if (!source?.accountId || !source.region)
        throw new Error(`replication source ${repl.sourceEnvironment}: the rules name no account and region for it`);
      const sourceNaming = new Naming({
        env: repl.sourceEnvironment,
        service: cfg.service,
        environmentSuffix: repl.sourceEnvironmentSuffix,
        accountId: source.accountId,
        region: source.region,
      });
      this.replicationTarget = new ReplicationTarget(
        naming.resource("replication"),
        {
          naming,
          sourceRoleArn: replicatorRoleArn(sourceNaming),
          parameterArns: replicatedArns,
          tags,
          iamExceptions,
        },
        child,
      );
      extraOutputs.replicationRoleArn = this.replicationTarget.roleArn;
    }

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
      vpcId: this.network.vpcId,
      appSecurityGroupId: this.network.appSecurityGroupId,
      ...Object.fromEntries(this.network.privateSubnetIds.map((id, i) => [`privateSubnet${i + 1}Id`, id])),
      configParameterPrefix: `/${cfg.project}/${cfg.env}/`,
      ...extraOutputs,
      region: cfg.region,
      accountId: cfg.accountId,
    });
    this.registerOutputs(this.outputs);
  }
}
