import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Naming, Tags } from "@env-parity/components";

/** SQS maximum retention: 14 days. */
export const QUEUE_RETENTION_SECONDS = 1_209_600;
/** Receives before a message moves to the dead-letter queue. */
export const MAX_RECEIVE_COUNT = 3;

export interface MessagingArgs {
  /** Naming convention of the environment. */
  readonly naming: Naming;
  /** Email endpoints subscribed to the alerts topic, one subscription each (`…-alerts-email-<index>`). */
  readonly alertEmails: readonly string[];
  /** Tags of the topic and queues. */
  readonly tags: pulumi.Input<Tags>;
}

/** Alerts topic with email subscriptions, tasks queue with a dead-letter queue. */
export class Messaging extends pulumi.ComponentResource {
  readonly alertsTopic: aws.sns.Topic;
  readonly tasksQueue: aws.sqs.Queue;
  readonly tasksDlq: aws.sqs.Queue;
  readonly alertsTopicArn: string;
  readonly tasksQueueName: string;
  readonly tasksQueueArn: string;
  readonly tasksQueueUrl: string;
  readonly tasksDlqArn: string;
  readonly tasksDlqUrl: string;

  constructor(name: string, args: MessagingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("env-parity:messaging:Messaging", name, {}, opts);
    const { naming } = args;

    const topicName = naming.physical("alerts-topic");
    this.alertsTopicArn = naming.snsTopicArn(topicName);
    this.alertsTopic = new aws.sns.Topic(
      naming.resource("alerts-topic"),
      {
        name: topicName,
        kmsMasterKeyId: "alias/aws/sns",
        tags: args.tags,
      },
      { parent: this },
    );
    args.alertEmails.forEach((endpoint, index) => {
      new aws.sns.TopicSubscription(
        naming.resource(`alerts-email-${index}`),
        {
          topic: this.alertsTopic.arn,
          protocol: "email",
          endpoint,
        },
        { parent: this },
      );
    });

    const dlqName = naming.physical("tasks-dlq");
    this.tasksDlqArn = naming.sqsQueueArn(dlqName);
    this.tasksDlqUrl = naming.sqsQueueUrl(dlqName);
    this.tasksDlq = new aws.sqs.Queue(
      naming.resource("tasks-dlq"),
      {
        name: dlqName,
        messageRetentionSeconds: QUEUE_RETENTION_SECONDS,
        sqsManagedSseEnabled: true,
        tags: args.tags,
      },
      { parent: this },
    );

    this.tasksQueueName = naming.physical("tasks-queue");
    this.tasksQueueArn = naming.sqsQueueArn(this.tasksQueueName);
    this.tasksQueueUrl = naming.sqsQueueUrl(this.tasksQueueName);
    this.tasksQueue = new aws.sqs.Queue(
      naming.resource("tasks-queue"),
      {
        name: this.tasksQueueName,
        messageRetentionSeconds: QUEUE_RETENTION_SECONDS,
        sqsManagedSseEnabled: true,
        // The DLQ ARN is built from its name so the policy is known at preview; dependsOn keeps the order.
        redrivePolicy: JSON.stringify({ deadLetterTargetArn: this.tasksDlqArn, maxReceiveCount: MAX_RECEIVE_COUNT }),
        tags: args.tags,
      },
      { parent: this, dependsOn: [this.tasksDlq] },
    );

    this.registerOutputs({
      alertsTopicArn: this.alertsTopicArn,
      tasksQueueUrl: this.tasksQueueUrl,
      tasksDlqUrl: this.tasksDlqUrl,
    });
  }
}
