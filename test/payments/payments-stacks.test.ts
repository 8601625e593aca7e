/**
 * The payments stack set under Pulumi mocks, one plan per environment from its own Pulumi.<env>.yaml:
 * every per-environment variant the rules approve, and everything that must not vary.
 */
import * as path from "path";
import { planProject, type Plan, type PlannedResource } from "./mock-plan";
import { cidrContains, checkCidrOverlaps } from "../../consistency-rules/src/cidr";
import type { Snapshot } from "../../consistency-rules/src/model";

const PROJECT_DIR = path.resolve(__dirname, "../../examples/payments");
const ENVS = ["dev", "staging", "prod"] as const;
type Env = (typeof ENVS)[number];

const EXPECT: Record<Env, {
  region: string; account: string; cidr: string; natGateways: number; natInstance: boolean;
  dbClass: string; dbCount: number; backup: number; cpu?: number; memory: number;
  billing: string; units?: number; autoscaled: boolean; pitr: boolean; glacier?: number;
}> = {
  dev: { region: "eu-west-1", account: "444444444444", cidr: "10.2.0.0/16", natGateways: 0, natInstance: true, dbClass: "db.t3.medium", dbCount: 1, backup: 1, memory: 512, billing: "PAY_PER_REQUEST", autoscaled: false, pitr: false },
  staging: { region: "us-west-2", account: "555555555555", cidr: "10.1.0.0/16", natGateways: 1, natInstance: false, dbClass: "db.r5.large", dbCount: 1, backup: 7, cpu: 90, memory: 1024, billing: "PROVISIONED", units: 5, autoscaled: false, pitr: false },
  prod: { region: "us-east-1", account: "666666666666", cidr: "10.0.0.0/16", natGateways: 3, natInstance: false, dbClass: "db.r5.xlarge", dbCount: 2, backup: 30, cpu: 80, memory: 3008, billing: "PROVISIONED", units: 5, autoscaled: true, pitr: true, glacier: 90 },
};

const plans = {} as Record<Env, Plan>;
beforeAll(async () => {
  for (const env of ENVS) plans[env] = await planProject(PROJECT_DIR, env);
}, 180_000);

const TAGGABLE_EXEMPT = new Set([
  "aws:ec2/route:Route", "aws:ec2/routeTableAssociation:RouteTableAssociation", "aws:iam/rolePolicy:RolePolicy",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:s3/bucketVersioning:BucketVersioning",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  "aws:appautoscaling/policy:Policy", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
]);

describe.each(ENVS)("payments %s", (env) => {
  const e = EXPECT[env];
  const p = () => plans[env];

  it("names every resource {env}-payments-{resource} and tags every taggable one with Environment, Team, CostCenter", () => {
    for (const r of p().resources.filter((x) => x.custom)) {
      expect(r.name).toMatch(new RegExp(`^${env}-payments-[a-z0-9-]+$`));
      if (TAGGABLE_EXEMPT.has(r.type)) continue;
      expect([r.name, r.inputs.tags]).toEqual([r.name, expect.objectContaining({ Environment: env, Team: "payments-platform", CostCenter: "PY-2001" })]);
    }
  });

  it("VPC with its own range, public and private subnets in 3 AZs of its region", () => {
    expect(p().one("aws:ec2/vpc:Vpc", "-vpc").inputs.cidrBlock).toBe(e.cidr);
    const subnets = p().byType("aws:ec2/subnet:Subnet");
    const priv = subnets.filter((s) => s.name.includes("private"));
    const pub = subnets.filter((s) => s.name.includes("public"));
    expect([priv.length, pub.length]).toEqual([3, 3]);
    for (const group of [priv, pub]) {
      const azs = group.map((s) => String(s.inputs.availabilityZoneId));
      expect(new Set(azs).size).toBe(3);
      const prefix = { "eu-west-1": "euw1-", "us-west-2": "usw2-", "us-east-1": "use1-" }[e.region];
      expect(azs.every((az) => az.startsWith(prefix!))).toBe(true);
    }
    for (const s of subnets) expect(cidrContains(e.cidr, String(s.inputs.cidrBlock))).toBe(true);
    const gw = p().byType("aws:ec2/vpcEndpoint:VpcEndpoint").map((x) => x.inputs.serviceName).sort();
    expect(gw).toEqual([`com.amazonaws.${e.region}.dynamodb`, `com.amazonaws.${e.region}.s3`]);
  });

  it(e.natInstance ? "egress through one AL2023 NAT instance (no NAT gateway)" : `egress through ${e.natGateways} NAT gateway(s)`, () => {
    expect(p().byType("aws:ec2/natGateway:NatGateway")).toHaveLength(e.natGateways);
    const instances = p().byType("aws:ec2/instance:Instance");
    expect(instances).toHaveLength(e.natInstance ? 1 : 0);
    const amiCalls = p().calls.filter((c) => c.token === "aws:ec2/getAmi:getAmi");
    expect(amiCalls).toHaveLength(e.natInstance ? 1 : 0);
    if (e.natInstance) {
      expect(amiCalls[0].inputs.filters).toEqual(expect.arrayContaining([{ name: "name", values: ["al2023-ami-2023.*-kernel-*-x86_64"] }]));
      expect(instances[0].inputs).toMatchObject({ sourceDestCheck: false, instanceType: "t3.micro" });
      expect(String(instances[0].inputs.userData)).toContain("MASQUERADE");
    }
    const routes = p().byType("aws:ec2/route:Route").filter((r) => r.name.includes("private-default-route"));
    expect(routes).toHaveLength(3);
    for (const r of routes) expect(e.natInstance ? r.inputs.networkInterfaceId : r.inputs.natGatewayId).toBeDefined();
  });

  it("no security group accepts ingress from 0.0.0.0/0 or ::/0; the database accepts 5432 from the app SG only", () => {
    const ingress = p().byType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    expect(ingress.filter((r) => r.inputs.cidrIpv4 === "0.0.0.0/0" || r.inputs.cidrIpv6 === "::/0")).toEqual([]);
    for (const sg of p().byType("aws:ec2/securityGroup:SecurityGroup")) expect(sg.inputs.ingress ?? []).toEqual([]);
    const db = ingress.filter((r) => r.inputs.securityGroupId === `${env}-payments-db-sg-id`);
    expect(db.map((r) => r.inputs)).toEqual([expect.objectContaining({ fromPort: 5432, toPort: 5432, referencedSecurityGroupId: `${env}-payments-app-sg-id` })]);
    expect(ingress.filter((r) => r.inputs.securityGroupId === `${env}-payments-app-sg-id`)).toEqual([]);
  });

  it(`Aurora PostgreSQL: encrypted, RDS-managed password, ${e.dbCount} × ${e.dbClass}, ${e.backup}-day backups, destroyable, private`, () => {
    const c = p().one("aws:rds/cluster:Cluster", "-db-cluster").inputs;
    expect(c).toMatchObject({
      engine: "aurora-postgresql", storageEncrypted: true, manageMasterUserPassword: true, backupRetentionPeriod: e.backup,
      skipFinalSnapshot: true, deletionProtection: false, dbSubnetGroupName: `${env}-payments-db-subnet-group-p1`,
      vpcSecurityGroupIds: [`${env}-payments-db-sg-id`],
    });
    expect(c.masterPassword).toBeUndefined();
    const instances = p().byType("aws:rds/clusterInstance:ClusterInstance");
    expect(instances).toHaveLength(e.dbCount);
    for (const i of instances) expect(i.inputs).toMatchObject({ instanceClass: e.dbClass, publiclyAccessible: false, engine: "aurora-postgresql" });
    expect(p().one("aws:rds/subnetGroup:SubnetGroup", "-db-subnet-group").inputs.subnetIds).toEqual([1, 2, 3].map((i) => `${env}-payments-private-subnet-${i}-id`));
  });

  it(e.cpu ? `CPU alarm at ${e.cpu}% to the alarms topic` : "no CPU alarm (the topic still exists)", () => {
    const alarms = p().byType("aws:cloudwatch/metricAlarm:MetricAlarm");
    expect(p().byType("aws:sns/topic:Topic")).toHaveLength(1);
    if (!e.cpu) return expect(alarms).toEqual([]);
    expect(alarms).toHaveLength(1);
    expect(alarms[0].inputs).toMatchObject({
      metricName: "CPUUtilization", namespace: "AWS/RDS", threshold: e.cpu, comparisonOperator: "GreaterThanThreshold",
      dimensions: { DBClusterIdentifier: `${env}-payments-db-cluster-p1` },
      alarmActions: [`arn:aws:sns:${e.region}:${e.account}:${env}-payments-alarms-topic`],
    });
  });

  it(`payment Lambda: nodejs22.x, ${e.memory} MB, in the private subnets with the app SG`, () => {
    const fn = p().one("aws:lambda/function:Function", "-payment-function").inputs;
    expect(fn).toMatchObject({ runtime: "nodejs22.x", memorySize: e.memory, handler: "index.handler" });
    expect(fn.vpcConfig).toEqual({ subnetIds: [1, 2, 3].map((i) => `${env}-payments-private-subnet-${i}-id`), securityGroupIds: [`${env}-payments-app-sg-id`] });
    expect((fn.environment as { variables: Record<string, string> }).variables.TABLE_NAME).toBe(`${env}-payments-transactions-table-p1`);
  });

  it(`DynamoDB: ${e.billing}${e.units ? ` ${e.units} RCU/WCU` : ""}${e.autoscaled ? ", autoscaled 5-100 with capacity changes ignored" : ""}, PITR ${e.pitr}`, () => {
    const t: PlannedResource = p().one("aws:dynamodb/table:Table", "-transactions-table");
    expect(t.inputs.billingMode).toBe(e.billing);
    expect(t.inputs.readCapacity).toBe(e.units);
    expect(t.inputs.writeCapacity).toBe(e.units);
    expect(t.inputs.pointInTimeRecovery).toEqual({ enabled: e.pitr });
    expect(t.ignoreChanges).toEqual(e.autoscaled ? ["readCapacity", "writeCapacity"] : []);
    const targets = p().byType("aws:appautoscaling/target:Target");
    const policies = p().byType("aws:appautoscaling/policy:Policy");
    if (!e.autoscaled) return expect([targets, policies]).toEqual([[], []]);
    expect(targets.map((x) => [x.inputs.scalableDimension, x.inputs.minCapacity, x.inputs.maxCapacity, x.inputs.resourceId])).toEqual([
      ["dynamodb:table:ReadCapacityUnits", 5, 100, `table/${env}-payments-transactions-table-p1`],
      ["dynamodb:table:WriteCapacityUnits", 5, 100, `table/${env}-payments-transactions-table-p1`],
    ]);
    expect(policies.map((x) => x.inputs.policyType)).toEqual(["TargetTrackingScaling", "TargetTrackingScaling"]);
  });

  it(`S3: versioning on${e.glacier ? `, Glacier after ${e.glacier} days` : ", no Glacier transition"}`, () => {
    expect(p().one("aws:s3/bucketVersioning:BucketVersioning", "-versioning").inputs.versioningConfiguration).toEqual({ status: "Enabled" });
    const rules = p().one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "-lifecycle").inputs.rules as { status: string; transitions?: unknown[] }[];
    const active = rules.filter((r) => r.status === "Enabled").flatMap((r) => r.transitions ?? []);
    expect(active).toEqual(e.glacier ? [{ days: e.glacier, storageClass: "GLACIER" }] : []);
    expect(rules.find((r) => r.transitions)?.status).toBe(e.glacier ? "Enabled" : "Disabled");
  });
});

describe("payments across environments", () => {
  it("regions come from the stack configs: prod us-east-1, staging us-west-2, dev eu-west-1", () => {
    for (const env of ENVS) {
      const topic = plans[env].resources.find((r) => r.type === "aws:ec2/vpcEndpoint:VpcEndpoint");
      expect(String(topic?.inputs.serviceName)).toContain(`.${EXPECT[env].region}.`);
    }
  });
  it("VPC ranges are disjoint (the gate check)", () => {
    const snapshots: Snapshot[] = ENVS.map((env) => ({
      context: { env, stack: env, project: "payments" }, source: "plan", origin: `Pulumi.${env}.yaml`,
      resources: plans[env].byType("aws:ec2/vpc:Vpc").map((r) => ({ urn: `urn:pulumi:${env}::payments::${r.type}::${r.name}`, type: r.type, name: r.name, custom: true, dependencies: [], props: r.inputs })),
    }));
    expect(checkCidrOverlaps(snapshots).map((f) => f.status)).toEqual(["pass"]);
  });
  it("the same resource inventory everywhere except the approved NAT, database instance, alarm and autoscaling differences", () => {
    const logical = (env: Env) => new Set(plans[env].resources.filter((r) => r.custom).map((r) => `${r.type}::${r.name.slice(env.length + 1)}`));
    const all = new Set(ENVS.flatMap((env) => [...logical(env)]));
    const partial = [...all].filter((id) => !ENVS.every((env) => logical(env).has(id))).map((id) => id.split("::")[1]).sort();
    expect(partial).toEqual([
      "payments-db-cpu-alarm", "payments-db-instance-2",
      "payments-nat-eip-1", "payments-nat-eip-2", "payments-nat-eip-3",
      "payments-nat-gateway-1", "payments-nat-gateway-2", "payments-nat-gateway-3",
      "payments-nat-instance", "payments-nat-sg", "payments-nat-sg-all-out", "payments-nat-sg-vpc-in",
      "payments-transactions-table-read-policy", "payments-transactions-table-read-target",
      "payments-transactions-table-write-policy", "payments-transactions-table-write-target",
    ]);
  });
});
