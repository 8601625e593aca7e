/**
 * The payments stack set, planned by the shared offline planner from each Pulumi.<env>.yaml: every item of the
 * payments spec, per environment (regions, VPC, egress, Aurora, alarms, Lambda, DynamoDB, S3, tags).
 */
import { cidrContains, checkCidrOverlaps } from "../../consistency-rules/src/cidr";
import { UNKNOWN } from "../../consistency-rules/src/sentinels";
import { availabilityZoneIdsFor } from "@env-parity/components";
import { MOCK_AL2023_IMAGES } from "../../cli/sources/plan-worker";
import { ENVS, planPayments, type Env, type Plan } from "./plans";

const SPEC: Record<
  Env,
  {
    region: string;
    account: string;
    cidr: string;
    natGateways: number;
    natInstance: boolean;
    dbClass: string;
    dbCount: number;
    backup: number;
    cpu?: number;
    memory: number;
    billing: string;
    units?: number;
    autoscaled: boolean;
    pitr: boolean;
    glacier: boolean;
  }
> = {
  dev: {
    region: "eu-west-1",
    account: "444444444444",
    cidr: "10.2.0.0/16",
    natGateways: 0,
    natInstance: true,
    dbClass: "db.t3.medium",
    dbCount: 1,
    backup: 1,
    memory: 512,
    billing: "PAY_PER_REQUEST",
    autoscaled: false,
    pitr: false,
    glacier: false,
  },
  staging: {
    region: "us-west-2",
    account: "555555555555",
    cidr: "10.1.0.0/16",
    natGateways: 1,
    natInstance: false,
    dbClass: "db.r5.large",
    dbCount: 1,
    backup: 7,
    cpu: 90,
    memory: 1024,
    billing: "PROVISIONED",
    units: 5,
    autoscaled: false,
    pitr: false,
    glacier: false,
  },
  prod: {
    region: "us-east-1",
    account: "666666666666",
    cidr: "10.0.0.0/16",
    natGateways: 3,
    natInstance: false,
    dbClass: "db.r5.xlarge",
    dbCount: 2,
    backup: 30,
    cpu: 80,
    memory: 3008,
    billing: "PROVISIONED",
    units: 5,
    autoscaled: true,
    pitr: true,
    glacier: true,
  },
};

let plans: Record<Env, Plan>;
beforeAll(async () => {
  plans = await planPayments();
}, 180_000);

/** Types whose aws v7 Args have no `tags`. */
const UNTAGGABLE = new Set([
  "aws:ec2/route:Route",
  "aws:ec2/routeTableAssociation:RouteTableAssociation",
  "aws:iam/rolePolicy:RolePolicy",
  "aws:s3/bucketVersioning:BucketVersioning",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  "aws:appautoscaling/policy:Policy",
  "aws:sns/topicSubscription:TopicSubscription",
]);

describe.each(ENVS)("payments %s", (env) => {
  const e = SPEC[env];
  const p = () => plans[env];
  const n = (resource: string) => `${env}-payments-${resource}`;

  it(`runs in account ${e.account}, region ${e.region}`, () => {
    expect(p().snapshot.context).toMatchObject({
      env,
      stack: env,
      project: "payments",
      accountId: e.account,
      region: e.region,
      suffix: "p1",
    });
    expect(p().snapshot.config?.["aws:allowedAccountIds"]).toEqual([e.account]);
  });

  it("names every resource {env}-payments-{resource} and tags every taggable one with Environment, Team, CostCenter", () => {
    for (const r of p().resources) {
      expect(r.name).toMatch(new RegExp(`^${env}-payments-[a-z0-9-]+$`));
      if (UNTAGGABLE.has(r.type) || r.type.startsWith("aws:vpc/securityGroup")) continue;
      expect([r.name, r.inputs.tags]).toEqual([
        r.name,
        expect.objectContaining({
          Environment: env,
          Team: "payments-platform",
          CostCenter: "PY-2001",
          Project: "payments",
        }),
      ]);
    }
  });

  it(`VPC ${e.cidr} with public and private subnets in 3 AZs of ${e.region}`, () => {
    expect(p().one("aws:ec2/vpc:Vpc", n("vpc")).inputs.cidrBlock).toBe(e.cidr);
    const subnets = p().byType("aws:ec2/subnet:Subnet");
    for (const kind of ["private", "public"]) {
      const group = subnets.filter((s) => s.name.startsWith(n(`${kind}-subnet-`)));
      expect(group.map((s) => s.inputs.availabilityZoneId)).toEqual(availabilityZoneIdsFor(e.region, 3));
      expect(group.every((s) => s.inputs.mapPublicIpOnLaunch === false)).toBe(true); // NAT devices get addresses explicitly
    }
    expect(subnets).toHaveLength(6);
    expect(p().byType("aws:ec2/internetGateway:InternetGateway")).toHaveLength(1);
    for (const s of subnets) expect(cidrContains(e.cidr, String(s.inputs.cidrBlock))).toBe(true);
    const gw = p()
      .byType("aws:ec2/vpcEndpoint:VpcEndpoint")
      .map((x) => x.inputs.serviceName)
      .sort();
    expect(gw).toEqual([`com.amazonaws.${e.region}.dynamodb`, `com.amazonaws.${e.region}.s3`]);
  });

  it(
    e.natInstance
      ? "egress through one AL2023 NAT instance, no NAT gateway"
      : `egress through ${e.natGateways} NAT gateway(s), no NAT instance`,
    () => {
      const gws = p().byType("aws:ec2/natGateway:NatGateway");
      expect(gws.map((g) => g.inputs.subnetId)).toEqual(
        Array.from({ length: e.natGateways }, (_, i) => `${n(`public-subnet-${i + 1}`)}-id`),
      );
      const instances = p().byType("aws:ec2/instance:Instance");
      expect(instances).toHaveLength(e.natInstance ? 1 : 0);
      const routes = p()
        .byType("aws:ec2/route:Route")
        .filter((r) => r.name.startsWith(n("private-default-route-")));
      expect(routes).toHaveLength(3);
      if (e.natInstance) {
        const nat = instances[0];
        expect(nat.inputs).toMatchObject({
          ami: MOCK_AL2023_IMAGES.x86_64.id,
          instanceType: "t3.micro",
          sourceDestCheck: false,
          metadataOptions: { httpTokens: "required" },
        });
        expect(nat.ignoreChanges).toEqual(["ami"]);
        expect(String(nat.inputs.userData)).toContain(`-s ${e.cidr} -j MASQUERADE`);
        for (const r of routes)
          expect([r.inputs.networkInterfaceId, r.dependencies.includes(nat.urn)]).toEqual([UNKNOWN, true]);
      } else {
        // per AZ in prod (route i → gateway i), all through gateway 1 in staging
        expect(routes.map((r) => r.inputs.natGatewayId)).toEqual(
          [1, 2, 3].map((i) => `${n(`nat-gateway-${e.natGateways === 3 ? i : 1}`)}-id`),
        );
      }
    },
  );

  it("no security group accepts ingress from 0.0.0.0/0 or ::/0; the database accepts 5432 from the app SG only", () => {
    const ingress = p().byType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    expect(ingress.filter((r) => r.inputs.cidrIpv4 === "0.0.0.0/0" || r.inputs.cidrIpv6 === "::/0")).toEqual([]);
    for (const sg of p().byType("aws:ec2/securityGroup:SecurityGroup")) expect(sg.inputs.ingress ?? []).toEqual([]);
    const db = ingress.filter((r) => r.inputs.securityGroupId === `${n("db-sg")}-id`);
    expect(db.map((r) => r.inputs)).toEqual([
      expect.objectContaining({ fromPort: 5432, toPort: 5432, referencedSecurityGroupId: `${n("app-sg")}-id` }),
    ]);
    expect(ingress.filter((r) => r.inputs.securityGroupId === `${n("app-sg")}-id`)).toEqual([]);
  });

  it(`Aurora PostgreSQL: encrypted, RDS-managed password, ${e.dbCount} × ${e.dbClass}, ${e.backup}-day backups, skip final snapshot, no deletion protection, private`, () => {
    const c = p().one("aws:rds/cluster:Cluster", n("db-cluster")).inputs;
    expect(c).toMatchObject({
      engine: "aurora-postgresql",
      storageEncrypted: true,
      manageMasterUserPassword: true,
      backupRetentionPeriod: e.backup,
      skipFinalSnapshot: true,
      deletionProtection: false,
      dbSubnetGroupName: `${n("db-subnet-group")}-p1`,
      vpcSecurityGroupIds: [`${n("db-sg")}-id`],
    });
    expect(c.masterPassword).toBeUndefined();
    const instances = p().byType("aws:rds/clusterInstance:ClusterInstance");
    expect(instances.map((i) => i.name)).toEqual(
      Array.from({ length: e.dbCount }, (_, i) => n(`db-instance-${i + 1}`)),
    );
    for (const i of instances)
      expect(i.inputs).toMatchObject({
        instanceClass: e.dbClass,
        publiclyAccessible: false,
        engine: "aurora-postgresql",
      });
    expect(p().one("aws:rds/subnetGroup:SubnetGroup", n("db-subnet-group")).inputs.subnetIds).toEqual(
      [1, 2, 3].map((i) => `${n(`private-subnet-${i}`)}-id`),
    );
  });

  it(e.cpu ? `CPU alarm at ${e.cpu}% to the alarms topic` : "no CPU alarm (the topic still exists)", () => {
    const alarms = p().byType("aws:cloudwatch/metricAlarm:MetricAlarm");
    expect(p().byType("aws:sns/topic:Topic")).toHaveLength(1);
    if (!e.cpu) return expect(alarms).toEqual([]);
    expect(alarms).toHaveLength(1);
    expect(alarms[0].inputs).toMatchObject({
      metricName: "CPUUtilization",
      namespace: "AWS/RDS",
      threshold: e.cpu,
      comparisonOperator: "GreaterThanThreshold",
      dimensions: { DBClusterIdentifier: `${n("db-cluster")}-p1` },
      alarmActions: [`arn:aws:sns:${e.region}:${e.account}:${n("alarms-topic")}-p1`],
    });
  });

  it(`payment Lambda: nodejs22.x, ${e.memory} MB, in the private subnets with the app SG, ENI rights inline (no managed policy)`, () => {
    const fn = p().one("aws:lambda/function:Function", n("payment-function")).inputs;
    expect(fn).toMatchObject({
      runtime: "nodejs22.x",
      memorySize: e.memory,
      handler: "index.handler",
      tracingConfig: { mode: "Active" },
    });
    expect(fn.vpcConfig).toEqual({
      subnetIds: [1, 2, 3].map((i) => `${n(`private-subnet-${i}`)}-id`),
      securityGroupIds: [`${n("app-sg")}-id`],
    });
    expect(fn.environment.variables.TABLE_NAME).toBe(`${n("transactions-table")}-p1`);
    expect(p().byType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")).toEqual([]);
    const eni = JSON.parse(p().one("aws:iam/rolePolicy:RolePolicy", n("payment-role-vpc-access")).inputs.policy);
    const ec2 = (k: string) => `arn:aws:ec2:${e.region}:${e.account}:${k}/*`;
    expect(eni.Statement).toEqual([
      {
        Sid: "VpcDescribe",
        Effect: "Allow",
        Action: ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
        Resource: ["*"],
      },
      {
        Sid: "VpcCreateNetworkInterfaces",
        Effect: "Allow",
        Action: ["ec2:CreateNetworkInterface"],
        Resource: ["network-interface", "subnet", "security-group"].map(ec2),
      },
      {
        Sid: "VpcManageNetworkInterfaces",
        Effect: "Allow",
        Action: ["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
        Resource: [ec2("network-interface")],
      },
    ]);
    expect(
      eni.Statement.flatMap((s: { Action: string[] }) => s.Action).every(
        (a: string) => a.startsWith("ec2:") && !a.includes("*"),
      ),
    ).toBe(true);
  });

  it(`DynamoDB: ${e.billing}${e.units ? ` ${e.units} RCU/WCU` : ""}${e.autoscaled ? ", autoscaled 5-100, capacity changes ignored" : ""}, PITR ${e.pitr ? "on" : "off"}`, () => {
    const t = p().one("aws:dynamodb/table:Table", n("transactions-table"));
    expect(t.inputs).toMatchObject({ billingMode: e.billing, pointInTimeRecovery: { enabled: e.pitr } });
    expect([t.inputs.readCapacity, t.inputs.writeCapacity]).toEqual([e.units, e.units]);
    expect(t.ignoreChanges).toEqual(e.autoscaled ? ["readCapacity", "writeCapacity"] : []);
    const targets = p().byType("aws:appautoscaling/target:Target");
    const policies = p().byType("aws:appautoscaling/policy:Policy");
    if (!e.autoscaled) return expect([targets, policies]).toEqual([[], []]);
    expect(
      targets.map((x) => [x.inputs.scalableDimension, x.inputs.minCapacity, x.inputs.maxCapacity, x.inputs.resourceId]),
    ).toEqual([
      ["dynamodb:table:ReadCapacityUnits", 5, 100, `table/${n("transactions-table")}-p1`],
      ["dynamodb:table:WriteCapacityUnits", 5, 100, `table/${n("transactions-table")}-p1`],
    ]);
    expect(
      policies.map((x) => [x.inputs.policyType, x.inputs.targetTrackingScalingPolicyConfiguration.targetValue]),
    ).toEqual([
      ["TargetTrackingScaling", 70],
      ["TargetTrackingScaling", 70],
    ]);
  });

  it(`S3 receipts: versioning on, encrypted${e.glacier ? ", Glacier after 90 days" : ", no Glacier transition"}`, () => {
    expect(
      p().one("aws:s3/bucketVersioning:BucketVersioning", n("receipts-bucket-versioning")).inputs
        .versioningConfiguration,
    ).toEqual({ status: "Enabled" });
    const rules = p().one(
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
      n("receipts-bucket-lifecycle"),
    ).inputs.rules as { status: string; transitions?: unknown[] }[];
    const active = rules.filter((r) => r.status === "Enabled").flatMap((r) => r.transitions ?? []);
    expect(active).toEqual(e.glacier ? [{ days: 90, storageClass: "GLACIER" }] : []);
    expect(
      p().byType("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"),
    ).toHaveLength(1);
  });
});

describe("payments across environments", () => {
  it("VPC ranges are disjoint (the gate check)", () => {
    expect(checkCidrOverlaps(ENVS.map((env) => plans[env].snapshot)).map((f) => f.status)).toEqual(["pass"]);
  });
  it("the same resource inventory everywhere except the approved NAT, database instance, alarm and autoscaling differences", () => {
    const logical = (env: Env) =>
      new Set(plans[env].resources.map((r) => `${r.type}::${r.name.slice(env.length + 1)}`));
    const all = new Set(ENVS.flatMap((env) => [...logical(env)]));
    const partial = [...all]
      .filter((id) => !ENVS.every((env) => logical(env).has(id)))
      .map((id) => id.split("::")[1])
      .sort();
    expect(partial).toEqual([
      "payments-db-cpu-alarm",
      "payments-db-instance-2",
      "payments-nat-eip-1",
      "payments-nat-eip-2",
      "payments-nat-eip-3",
      "payments-nat-gateway-1",
      "payments-nat-gateway-2",
      "payments-nat-gateway-3",
      "payments-nat-instance",
      "payments-nat-sg",
      "payments-nat-sg-all-out",
      "payments-nat-sg-vpc-in",
      "payments-transactions-table-read-policy",
      "payments-transactions-table-read-target",
      "payments-transactions-table-write-policy",
      "payments-transactions-table-write-target",
    ]);
  });
});
