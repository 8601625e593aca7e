/**
 * Replication of prod's application configuration (SSM Parameter Store) to dev and staging.
 *
 *   prod:  ssm PutParameter /data-platform/prod/<key> ─► EventBridge "Parameter Store Change" ─► rule ─► replicator
 *          replicator ─sts:AssumeRole─► dev/staging ReplicationTarget role ─ssm:Get/PutParameter─► /data-platform/<env>/<key>
 *          success/failure SNS topics; failed events ─► SQS DLQ (EventBridge target DLQ + Lambda on-failure destination)
 *
 * `ReplicationSource` lives in prod only, `ReplicationTarget` in dev and staging only. See docs/replication.md.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  LAMBDA_RUNTIME,
  policyDocument,
  type Naming,
  type PolicyGrant,
  type Tags,
  type WildcardCheck,
} from "@env-parity/components";
import { formatSkipKeys } from "../functions/replicator/keys";

/** SQS maximum retention: 14 days, the longest an operator has to re-drive a failed change. */
const DLQ_RETENTION_SECONDS = 1_209_600;
/** The replicator's hard ceiling (the brief: ≤ 300 s). */
export const MAX_REPLICATOR_TIMEOUT_SECONDS = 300;

/** Resource tokens used by both sides, so the trust policy and the role agree. */
export const REPLICATOR_ROLE = "config-replicator-role";
export const REPLICA_ROLE = "config-replica-role";

/** The EventBridge pattern: Create/Update of any parameter under `/{project}/{env}/`, nothing else. */
export function replicationEventPattern(project: string, sourceEnv: string) {
  return {
    source: ["aws.ssm"],
    "detail-type": ["Parameter Store Change"],
    detail: { name: [{ prefix: `/${project}/${sourceEnv}/` }], operation: ["Create", "Update"] },
  };
}

export interface ReplicationTargetRef {
  /** Environment name of the target (`dev`), second segment of its parameter names. */
  readonly env: string;
  /** Region of the target stack, where its parameters live. */
  readonly region: string;
  /**
   * ARN of the target's replication role: the target stack's output, via `pulumi.StackReference`.
   * Undefined while that stack has not exported it yet (first deployment; see docs/replication.md): the target is
   * then left out and a warning says so.
   */
  readonly roleArn: pulumi.Input<string | undefined>;
}

export interface ReplicationSourceArgs {
  /** Naming convention of the source (prod) environment. */
  readonly naming: Naming;
  /** Pulumi project, first segment of parameter names (`data-platform`). */
  readonly project: string;
  /** Source environment (`prod`). */
  readonly env: string;
  /** Account and region of the source stack (for ARNs known at preview). */
  readonly accountId: string;
  readonly region: string;
  /** Where to replicate to. */
  readonly targets: readonly ReplicationTargetRef[];
  /** Exact ARNs of the source parameters the replicator may read (the replicated keys of the source ConfigStore). */
  readonly sourceParameterArns: readonly string[];
  /** Keys (or globs) never replicated: the config approvals of the consistency rules (`configSkipKeys`). */
  readonly skipKeys: readonly string[];
  /** The bundled replicator (`index.js` exporting `handler`), built by the program with esbuild. */
  readonly code: pulumi.Input<pulumi.asset.Archive>;
  /** CloudWatch retention of the replicator's log group (a value CloudWatch accepts). */
  readonly logRetentionDays: pulumi.Input<number>;
  /** Function timeout in seconds, ≤ 300. Default 120. */
  readonly timeoutSeconds?: number;
  /** Function memory in MB. Default 256. */
  readonly memorySize?: pulumi.Input<number>;
  /** X-Ray tracing mode of the replicator (the platform's `xrayTracing`). Default `PassThrough`. */
  readonly tracingMode?: "Active" | "PassThrough";
  /** `LOG_LEVEL` of the replicator. Default `info`. */
  readonly logLevel?: pulumi.Input<string>;
  /**
   * Reserve a concurrency of 1 so events for the same key are never handled at the same time (the read-compare-write
   * then cannot race). Default true; needs 11+ unreserved concurrency in the account.
   */
  readonly serialise?: boolean;
  /** Tags of every taggable child. */
  readonly tags: pulumi.Input<Tags>;
  /** Which wildcard resources are allowed: the rules' `iamExceptions` (`wildcardCheckFor`). */
  readonly iamExceptions: WildcardCheck;
}

/** Prod only: the rule, the replicator (log group first), its role, success/failure topics and the DLQ. */
export class ReplicationSource extends pulumi.ComponentResource {
  readonly rule: aws.cloudwatch.EventRule;
  readonly function: aws.lambda.Function;
  readonly role: aws.iam.Role;
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly successTopic: aws.sns.Topic;
  readonly failureTopic: aws.sns.Topic;
  readonly dlq: aws.sqs.Queue;
  readonly ruleArn: pulumi.Output<string>;
  /** The replicator role's ARN (a plain string: targets trust it by this exact value). */
  readonly roleArn: string;

  constructor(name: string, args: ReplicationSourceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("env-parity:replication:ReplicationSource", name, {}, opts);
    const { naming } = args;
    const timeout = args.timeoutSeconds ?? 120;
    if (timeout < 1 || timeout > MAX_REPLICATOR_TIMEOUT_SECONDS) {
      throw new Error(
        `ReplicationSource ${name}: timeoutSeconds must be 1..${MAX_REPLICATOR_TIMEOUT_SECONDS}, got ${timeout}`,
      );
    }
    const arn = (service: string, resource: string) =>
      `arn:aws:${service}:${args.region}:${args.accountId}:${resource}`;

    const dlqName = naming.physical("config-replication-dlq");
    const dlqArn = naming.sqsQueueArn(dlqName);
    this.dlq = new aws.sqs.Queue(
      naming.resource("config-replication-dlq"),
      {
        name: dlqName,
        messageRetentionSeconds: DLQ_RETENTION_SECONDS,
        sqsManagedSseEnabled: true,
        tags: args.tags,
      },
      { parent: this },
    );

    const topic = (resource: string) => {
      const topicName = naming.physical(resource);
      return [
        naming.snsTopicArn(topicName),
        new aws.sns.Topic(
          naming.resource(resource),
          {
            name: topicName,
            kmsMasterKeyId: "alias/aws/sns",
            tags: args.tags,
          },
          { parent: this },
        ),
      ] as const;
    };
    const [successTopicArn, successTopic] = topic("config-replication-success-topic");
    const [failureTopicArn, failureTopic] = topic("config-replication-failure-topic");
    this.successTopic = successTopic;
    this.failureTopic = failureTopic;

    const functionName = naming.physical("config-replicator-function");
    const logGroupName = `/aws/lambda/${functionName}`;
    this.logGroup = new aws.cloudwatch.LogGroup(
      naming.resource("config-replicator-logs"),
      {
        name: logGroupName,
        retentionInDays: args.logRetentionDays,
        tags: args.tags,
      },
      { parent: this },
    );

    const roleName = naming.physical(REPLICATOR_ROLE);
    this.roleArn = naming.iamRoleArn(roleName);
    this.role = new aws.iam.Role(
      naming.resource(REPLICATOR_ROLE),
      {
        name: roleName,
        description: "Replicates prod configuration to dev and staging",
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "lambda.amazonaws.com" },
              Action: "sts:AssumeRole",
              Condition: { StringEquals: { "aws:SourceAccount": args.accountId } },
            },
          ],
        }),
        tags: args.tags,
      },
      { parent: this },
    );

    // Targets whose stack has not exported its role yet are left out (first deployment), with a warning.
    const targets = pulumi
      .output(
        args.targets.map((t) =>
          pulumi.output(t.roleArn).apply((roleArn) => ({ env: t.env, region: t.region, roleArn })),
        ),
      )
      .apply((all) => {
        for (const t of all.filter((x) => !x.roleArn)) {
          pulumi.log.warn(
            `replication target ${t.env} has no role ARN yet: deploy ${t.env}, then this stack again`,
            this,
          );
        }
        return all.filter((t): t is { env: string; region: string; roleArn: string } => !!t.roleArn);
      });

    const rolePolicy = new aws.iam.RolePolicy(
      naming.resource("config-replicator-policy"),
      {
        role: this.role.name,
        policy: targets.apply((ts) => {
          const grants: PolicyGrant[] = [
            // Lambda names the log streams at run time: the scoped `:log-stream:*` form (an iamExceptions entry of the rules).
            {
              sid: "WriteOwnLogs",
              actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
              resources: [`${naming.logGroupArn(logGroupName)}:log-stream:*`],
            },
            { sid: "Notify", actions: ["sns:Publish"], resources: [successTopicArn, failureTopicArn] },
            { sid: "DeadLetter", actions: ["sqs:SendMessage"], resources: [dlqArn] },
          ];
          if (args.sourceParameterArns.length)
            grants.push({
              sid: "ReadSourceConfig",
              actions: ["ssm:GetParameter"],
              resources: args.sourceParameterArns,
            });
          if (ts.length)
            grants.push({ sid: "AssumeTargetRoles", actions: ["sts:AssumeRole"], resources: ts.map((t) => t.roleArn) });
          if (args.tracingMode === "Active")
            grants.push({
              sid: "WriteTraces",
              actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
              resources: ["*"],
            });
          return policyDocument(grants, args.iamExceptions);
        }),
      },
      { parent: this },
    );

    this.function = new aws.lambda.Function(
      naming.resource("config-replicator-function"),
      {
        name: functionName,
        description: "Replicates prod configuration (SSM) to dev and staging",
        runtime: LAMBDA_RUNTIME,
        handler: "index.handler",
        code: args.code,
        role: this.role.arn,
        timeout,
        memorySize: args.memorySize ?? 256,
        reservedConcurrentExecutions: args.serialise === false ? undefined : 1,
        tracingConfig: { mode: args.tracingMode ?? "PassThrough" },
        loggingConfig: { logFormat: "JSON", logGroup: logGroupName },
        environment: {
          variables: {
            ENVIRONMENT: args.env,
            LOG_LEVEL: args.logLevel ?? "info",
            PROJECT: args.project,
            SOURCE_ENV: args.env,
            TARGETS: targets.apply((ts) => JSON.stringify(ts)),
            SKIP_KEYS: formatSkipKeys(args.skipKeys),
            SUCCESS_TOPIC_ARN: successTopicArn,
            FAILURE_TOPIC_ARN: failureTopicArn,
          },
        },
        tags: args.tags,
      },
      { parent: this, dependsOn: [this.logGroup, rolePolicy] },
    );

    new aws.lambda.FunctionEventInvokeConfig(
      naming.resource("config-replicator-invoke-config"),
      {
        functionName: this.function.name,
        maximumRetryAttempts: 2,
        maximumEventAgeInSeconds: 6 * 3600,
        destinationConfig: { onFailure: { destination: dlqArn } },
      },
      { parent: this, dependsOn: [this.dlq, rolePolicy] },
    );

    const ruleName = naming.physical("config-replication-rule");
    const ruleArn = arn("events", `rule/${ruleName}`);
    this.rule = new aws.cloudwatch.EventRule(
      naming.resource("config-replication-rule"),
      {
        name: ruleName,
        description: `Changes of ${args.project} ${args.env} configuration (SSM Parameter Store)`,
        eventPattern: JSON.stringify(replicationEventPattern(args.project, args.env)),
        tags: args.tags,
      },
      { parent: this },
    );
    this.ruleArn = this.rule.arn;

    new aws.sqs.QueuePolicy(
      naming.resource("config-replication-dlq-policy"),
      {
        queueUrl: this.dlq.url,
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "events.amazonaws.com" },
              Action: "sqs:SendMessage",
              Resource: dlqArn,
              Condition: { ArnEquals: { "aws:SourceArn": ruleArn } },
            },
          ],
        }),
      },
      { parent: this },
    );

    const permission = new aws.lambda.Permission(
      naming.resource("config-replicator-permission"),
      {
        function: this.function.name,
        action: "lambda:InvokeFunction",
        principal: "events.amazonaws.com",
        sourceArn: this.rule.arn,
      },
      { parent: this },
    );

    new aws.cloudwatch.EventTarget(
      naming.resource("config-replication-target"),
      {
        rule: this.rule.name,
        arn: this.function.arn,
        retryPolicy: { maximumRetryAttempts: 8, maximumEventAgeInSeconds: 3600 },
        deadLetterConfig: { arn: dlqArn },
      },
      { parent: this, dependsOn: [permission] },
    );

    this.registerOutputs({
      ruleArn: this.ruleArn,
      roleArn: this.roleArn,
      dlqUrl: this.dlq.url,
      successTopicArn,
      failureTopicArn,
    });
  }
}

export interface ReplicationTargetArgs {
  /** Naming convention of the target environment. */
  readonly naming: Naming;
  /**
   * The prod replicator role's exact ARN, built deterministically from prod's account id and naming
   * (`replicatorRoleArn(prodNaming)`), never a wildcard. The role must exist (deploy prod first).
   */
  readonly sourceRoleArn: pulumi.Input<string>;
  /** Exact ARNs of this environment's replicated parameters (ConfigStore `parameterArns` minus skip keys). */
  readonly parameterArns: readonly string[];
  /** Tags of the role. */
  readonly tags: pulumi.Input<Tags>;
  /** Which wildcard resources are allowed (the replica policy has none; checked all the same). */
  readonly iamExceptions: WildcardCheck;
}

/** The replicator role's ARN for a source environment's naming (what targets trust). */
export function replicatorRoleArn(sourceNaming: Naming): string {
  return sourceNaming.iamRoleArn(sourceNaming.physical(REPLICATOR_ROLE));
}

/** Dev/staging: a role only prod's replicator can assume, allowed only to read/write the replicated parameters. */
export class ReplicationTarget extends pulumi.ComponentResource {
  readonly role: aws.iam.Role;
  /** Export this (`replicationRoleArn`): prod reads it through a StackReference. */
  readonly roleArn: string;

  constructor(name: string, args: ReplicationTargetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("env-parity:replication:ReplicationTarget", name, {}, opts);
    const { naming } = args;
    const roleName = naming.physical(REPLICA_ROLE);
    this.roleArn = naming.iamRoleArn(roleName);
    this.role = new aws.iam.Role(
      naming.resource(REPLICA_ROLE),
      {
        name: roleName,
        description: "Assumed by the prod configuration replicator",
        maxSessionDuration: 3600,
        assumeRolePolicy: pulumi.output(args.sourceRoleArn).apply((principal) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { AWS: principal }, Action: "sts:AssumeRole" }],
          }),
        ),
        tags: args.tags,
      },
      { parent: this },
    );
    if (args.parameterArns.length) {
      new aws.iam.RolePolicy(
        naming.resource("config-replica-policy"),
        {
          role: this.role.name,
          policy: policyDocument(
            [
              {
                sid: "ReplicateConfig",
                actions: ["ssm:GetParameter", "ssm:PutParameter"],
                resources: args.parameterArns,
              },
            ],
            args.iamExceptions,
          ),
        },
        { parent: this },
      );
    }
    this.registerOutputs({ roleArn: this.roleArn });
  }
}
