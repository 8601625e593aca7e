import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Naming } from "./naming";
import type { Tags } from "./tags";

export interface AlarmsArgs {
  /** Naming convention of the environment: Pulumi names `{env}-{service}-{resource}`, physical names plus the suffix. */
  readonly naming: Naming;
  /** The Aurora cluster to watch. */
  readonly dbClusterIdentifier: pulumi.Input<string>;
  /**
   * Average CPU (%) over three 5-minute periods that raises the alarm: prod 80, staging 90. Absent (dev): no alarm —
   * nobody is paged for dev, and a dev instance at 100% CPU is a test, not an incident.
   */
  readonly dbCpuThresholdPercent?: number;
  /** Tags of the topic and the alarm (each also gets `Name`, its physical name). */
  readonly tags?: Tags;
}

/**
 * The environment's alarm topic (SNS, encrypted with the AWS-managed key; exists everywhere so subscriptions are the
 * same code in every environment) and the Aurora CPU alarm where the environment has a threshold.
 */
export class Alarms extends pulumi.ComponentResource {
  readonly topicArn: pulumi.Output<string>;
  readonly dbCpuAlarmArn?: pulumi.Output<string>;

  constructor(name: string, args: AlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("env-parity:alarms:Alarms", name, {}, opts);
    const n = args.naming;
    const physical = (resource: string) => n.physical(resource);
    const tags = (resource: string) => ({ ...(args.tags ?? {}), Name: physical(resource) });
    const t = args.dbCpuThresholdPercent;
    if (t !== undefined && !(t > 0 && t <= 100))
      throw new Error(`alarms ${name}: dbCpuThresholdPercent must be in (0, 100], got ${t}`);

    const topic = new aws.sns.Topic(
      n.resource(`alarms-topic`),
      {
        name: physical("alarms-topic"),
        kmsMasterKeyId: "alias/aws/sns",
        tags: tags("alarms-topic"),
      },
      { parent: this },
    );
    this.topicArn = topic.arn;

    if (t !== undefined) {
      const alarm = new aws.cloudwatch.MetricAlarm(
        n.resource(`db-cpu-alarm`),
        {
          name: physical("db-cpu-alarm"),
          alarmDescription: "Aurora cluster average CPU above the environment's threshold for 15 minutes",
          namespace: "AWS/RDS",
          metricName: "CPUUtilization",
          dimensions: { DBClusterIdentifier: args.dbClusterIdentifier },
          statistic: "Average",
          period: 300,
          evaluationPeriods: 3,
          threshold: t,
          comparisonOperator: "GreaterThanThreshold",
          treatMissingData: "missing",
          alarmActions: [topic.arn],
          okActions: [topic.arn],
          tags: tags("db-cpu-alarm"),
        },
        { parent: this },
      );
      this.dbCpuAlarmArn = alarm.arn;
    }

    this.registerOutputs({ topicArn: this.topicArn, dbCpuAlarmArn: this.dbCpuAlarmArn });
  }
}
