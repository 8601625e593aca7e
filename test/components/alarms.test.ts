/** Alarms: the environment's encrypted alarm topic, and the Aurora CPU alarm where the environment has a threshold. */
import { mockRuntime, NAMING_CONTEXT, TAGS } from "./mocks";
import { Alarms, Naming } from "@env-parity/components";

const rt = mockRuntime();
const prod = new Naming({ ...NAMING_CONTEXT, env: "prod", environmentSuffix: "p1" });
const dev = new Naming(NAMING_CONTEXT);

beforeAll(async () => {
  new Alarms("prod-svc-alarms", {
    naming: prod,
    dbClusterIdentifier: "prod-db",
    dbCpuThresholdPercent: 80,
    tags: TAGS,
  });
  new Alarms("dev-svc-alarms", { naming: dev, dbClusterIdentifier: "dev-db" });
  await rt.settle();
});

describe("Alarms", () => {
  it("creates the alarm topic in every environment, encrypted with the AWS-managed key", () => {
    const topics = rt.byType("aws:sns/topic:Topic").map((t) => [t.name, t.inputs.name, t.inputs.kmsMasterKeyId]);
    expect(topics.sort()).toEqual([
      ["dev-svc-alarms-topic", "dev-svc-alarms-topic-x1", "alias/aws/sns"],
      ["prod-svc-alarms-topic", "prod-svc-alarms-topic-p1", "alias/aws/sns"],
    ]);
  });

  it("with a threshold: average CPU of the cluster over 3 × 5 minutes, alarm and OK actions to the topic", () => {
    const alarms = rt.byType("aws:cloudwatch/metricAlarm:MetricAlarm");
    expect(alarms.map((a) => a.name)).toEqual(["prod-svc-db-cpu-alarm"]);
    expect(alarms[0].inputs).toMatchObject({
      name: "prod-svc-db-cpu-alarm-p1",
      namespace: "AWS/RDS",
      metricName: "CPUUtilization",
      dimensions: { DBClusterIdentifier: "prod-db" },
      statistic: "Average",
      period: 300,
      evaluationPeriods: 3,
      threshold: 80,
      comparisonOperator: "GreaterThanThreshold",
      alarmActions: ["arn:aws:mock:::prod-svc-alarms-topic-p1"],
      okActions: ["arn:aws:mock:::prod-svc-alarms-topic-p1"],
      tags: { ...TAGS, Name: "prod-svc-db-cpu-alarm-p1" },
    });
  });

  it("parents topic and alarm in the component and registers their ARNs", () => {
    const prodAlarms = rt.one("env-parity:alarms:Alarms", "prod-svc-alarms");
    expect(
      rt.registered
        .filter((r) => r.parent === prodAlarms.urn)
        .map((r) => r.type)
        .sort(),
    ).toEqual(["aws:cloudwatch/metricAlarm:MetricAlarm", "aws:sns/topic:Topic"]);
    expect(prodAlarms.outputs).toEqual({
      topicArn: "arn:aws:mock:::prod-svc-alarms-topic-p1",
      dbCpuAlarmArn: "arn:aws:mock:::prod-svc-db-cpu-alarm-p1",
    });
    expect(rt.one("env-parity:alarms:Alarms", "dev-svc-alarms").outputs).toEqual({
      topicArn: "arn:aws:mock:::dev-svc-alarms-topic-x1",
    });
  });

  it.each([0, -5, 101, Number.NaN])("refuses a threshold of %p", (t) => {
    expect(() => new Alarms(`bad-${t}`, { naming: dev, dbClusterIdentifier: "db", dbCpuThresholdPercent: t })).toThrow(
      /dbCpuThresholdPercent must be in \(0, 100\]/,
    );
  });
});
