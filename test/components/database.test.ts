/** Database: Aurora PostgreSQL in private subnets, reachable from the app security group only. */
import { mockRuntime, NAMING_CONTEXT, TAGS, valueOf } from "./mocks";
import { AURORA_POSTGRES_VERSION, Database, Naming } from "@env-parity/components";

const rt = mockRuntime();
const naming = new Naming(NAMING_CONTEXT);
let db: Database;

beforeAll(async () => {
  db = new Database("dev-svc-database", {
    naming,
    vpcId: "vpc-1",
    subnetIds: ["subnet-a", "subnet-b"],
    appSecurityGroupId: "sg-app",
    instanceCount: 2,
    instanceClass: "db.t3.medium",
    backupRetentionDays: 7,
    databaseName: "payments",
    tags: TAGS,
  });
  await rt.settle();
});

describe("Database", () => {
  it("an encrypted, destroyable Aurora PostgreSQL cluster whose master password RDS keeps in Secrets Manager", () => {
    const c = rt.one("aws:rds/cluster:Cluster", "dev-svc-db-cluster");
    expect(c.inputs).toMatchObject({
      clusterIdentifier: "dev-svc-db-cluster-x1",
      engine: "aurora-postgresql",
      engineVersion: AURORA_POSTGRES_VERSION,
      databaseName: "payments",
      masterUsername: "app_admin",
      manageMasterUserPassword: true,
      storageEncrypted: true,
      backupRetentionPeriod: 7,
      iamDatabaseAuthenticationEnabled: true,
      skipFinalSnapshot: true,
      deletionProtection: false,
      vpcSecurityGroupIds: ["dev-svc-db-sg-id"],
      tags: { ...TAGS, Name: "dev-svc-db-cluster-x1" },
    });
    expect(c.inputs.masterPassword).toBeUndefined();
    expect(rt.one("aws:rds/subnetGroup:SubnetGroup", "dev-svc-db-subnet-group").inputs.subnetIds).toEqual([
      "subnet-a",
      "subnet-b",
    ]);
  });

  it("one instance per instanceCount, never public, promotion tiers in order", () => {
    const instances = rt.byType("aws:rds/clusterInstance:ClusterInstance");
    expect(instances.map((i) => [i.name, i.inputs.identifier, i.inputs.promotionTier])).toEqual([
      ["dev-svc-db-instance-1", "dev-svc-db-instance-1-x1", 0],
      ["dev-svc-db-instance-2", "dev-svc-db-instance-2-x1", 1],
    ]);
    for (const i of instances)
      expect(i.inputs).toMatchObject({ instanceClass: "db.t3.medium", publiclyAccessible: false });
  });

  it("5432 from the app security group only, and the app group's egress to the database", () => {
    expect(
      rt.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "dev-svc-db-sg-postgres-in").inputs,
    ).toMatchObject({
      securityGroupId: "dev-svc-db-sg-id",
      fromPort: 5432,
      toPort: 5432,
      referencedSecurityGroupId: "sg-app",
    });
    expect(
      rt.one("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "dev-svc-app-sg-postgres-out").inputs,
    ).toMatchObject({
      securityGroupId: "sg-app",
      fromPort: 5432,
      referencedSecurityGroupId: "dev-svc-db-sg-id",
    });
    const rules = rt.registered.filter((r) => r.type.startsWith("aws:vpc/securityGroupIngressRule"));
    expect(rules.filter((r) => r.inputs.cidrIpv4 !== undefined || r.inputs.cidrIpv6 !== undefined)).toEqual([]);
  });

  it("parents every child in the Database and exposes the cluster's identifier and endpoints", async () => {
    const component = rt.one("env-parity:database:Database", "dev-svc-database");
    expect(rt.registered.filter((r) => r.parent === component.urn)).toHaveLength(7);
    expect(await valueOf(db.clusterIdentifier)).toBe("dev-svc-db-cluster-x1");
    expect(await valueOf(db.securityGroupId)).toBe("dev-svc-db-sg-id");
    expect(component.outputs).toMatchObject({
      clusterIdentifier: "dev-svc-db-cluster-x1",
      securityGroupId: "dev-svc-db-sg-id",
    });
  });

  it("refuses an instance count that is not a positive integer", () => {
    const args = {
      naming,
      vpcId: "v",
      subnetIds: [],
      appSecurityGroupId: "sg",
      instanceClass: "c",
      backupRetentionDays: 1,
    };
    expect(() => new Database("bad", { ...args, instanceCount: 0 })).toThrow(
      /database bad: instanceCount must be a positive integer, got 0/,
    );
    expect(() => new Database("bad2", { ...args, instanceCount: 1.5 })).toThrow(/got 1.5/);
  });
});
