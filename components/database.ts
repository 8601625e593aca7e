import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Naming } from "./naming";
import type { Tags } from "./tags";

/** Aurora PostgreSQL major.minor used everywhere (an invariant of the rules, not a per-environment choice). */
export const AURORA_POSTGRES_VERSION = "16.6";

export interface DatabaseArgs {
  /** Naming convention of the environment: Pulumi names `{env}-{service}-{resource}`, physical names plus the suffix. */
  readonly naming: Naming;
  /** The VPC of the database security group. */
  readonly vpcId: pulumi.Input<string>;
  /** Private subnets (≥ 2 AZs) for the subnet group. */
  readonly subnetIds: pulumi.Input<string>[];
  /** The only security group allowed to connect (5432); the component also adds its egress rule to the database. */
  readonly appSecurityGroupId: pulumi.Input<string>;
  /** Writer + readers. prod 2, staging 1, dev 1 in the reference config. */
  readonly instanceCount: number;
  /** e.g. `db.r5.xlarge` (prod), `db.r5.large` (staging), `db.t3.medium` (dev). */
  readonly instanceClass: pulumi.Input<string>;
  /** Automated backup retention in days (1–35): prod 30, staging 7, dev 1. */
  readonly backupRetentionDays: pulumi.Input<number>;
  /** Initial database name. Default `app`. */
  readonly databaseName?: pulumi.Input<string>;
  /** Default `app_admin`. The password is generated and kept in Secrets Manager by RDS (never in config or state). */
  readonly masterUsername?: pulumi.Input<string>;
  /** Tags of every taggable child (each also gets `Name`, its physical name). */
  readonly tags?: Tags;
}

/**
 * Aurora PostgreSQL cluster in private subnets: storage encrypted, master password managed by RDS in Secrets Manager,
 * reachable on 5432 from the app security group only, never publicly accessible, destroyable (no final snapshot, no
 * deletion protection: every environment can be torn down and rebuilt; backups cover recovery).
 */
export class Database extends pulumi.ComponentResource {
  readonly clusterIdentifier: pulumi.Output<string>;
  readonly endpoint: pulumi.Output<string>;
  readonly readerEndpoint: pulumi.Output<string>;
  readonly securityGroupId: pulumi.Output<string>;
  /** ARN of the Secrets Manager secret RDS manages for the master user. */
  readonly masterUserSecretArn: pulumi.Output<string | undefined>;
  readonly instanceIdentifiers: pulumi.Output<string>[];

  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("env-parity:database:Database", name, {}, opts);
    const n = args.naming;
    const physical = (resource: string) => n.physical(resource);
    const tags = (resource: string) => ({ ...(args.tags ?? {}), Name: physical(resource) });
    const child = { parent: this };
    if (!Number.isInteger(args.instanceCount) || args.instanceCount < 1) {
      throw new Error(`database ${name}: instanceCount must be a positive integer, got ${args.instanceCount}`);
    }

    const subnetGroup = new aws.rds.SubnetGroup(
      n.resource(`db-subnet-group`),
      {
        name: physical("db-subnet-group"),
        subnetIds: args.subnetIds,
        description: "Private subnets of the database",
        tags: tags("db-subnet-group"),
      },
      child,
    );

    const sg = new aws.ec2.SecurityGroup(
      n.resource(`db-sg`),
      {
        vpcId: args.vpcId,
        name: physical("db-sg"),
        description: "Aurora PostgreSQL: 5432 from the app security group only",
        tags: tags("db-sg"),
      },
      child,
    );
    this.securityGroupId = sg.id;
    new aws.vpc.SecurityGroupIngressRule(
      n.resource(`db-sg-postgres-in`),
      {
        securityGroupId: sg.id,
        ipProtocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        referencedSecurityGroupId: args.appSecurityGroupId,
        description: "PostgreSQL from the app security group",
        tags: tags("db-sg-postgres-in"),
      },
      child,
    );
    new aws.vpc.SecurityGroupEgressRule(
      n.resource(`app-sg-postgres-out`),
      {
        securityGroupId: args.appSecurityGroupId,
        ipProtocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        referencedSecurityGroupId: sg.id,
        description: "PostgreSQL to the database",
        tags: tags("app-sg-postgres-out"),
      },
      child,
    );

    const cluster = new aws.rds.Cluster(
      n.resource("db-cluster"),
      {
        clusterIdentifier: physical("db-cluster"),
        engine: "aurora-postgresql",
        engineVersion: AURORA_POSTGRES_VERSION,
        databaseName: args.databaseName ?? "app",
        masterUsername: args.masterUsername ?? "app_admin",
        manageMasterUserPassword: true,
        storageEncrypted: true,
        dbSubnetGroupName: subnetGroup.name,
        vpcSecurityGroupIds: [sg.id],
        backupRetentionPeriod: args.backupRetentionDays,
        preferredBackupWindow: "03:00-04:00",
        copyTagsToSnapshot: true,
        iamDatabaseAuthenticationEnabled: true,
        enabledCloudwatchLogsExports: ["postgresql"],
        skipFinalSnapshot: true,
        deletionProtection: false,
        deleteAutomatedBackups: true,
        applyImmediately: true,
        tags: tags("db-cluster"),
      },
      child,
    );
    this.clusterIdentifier = cluster.clusterIdentifier;
    this.endpoint = cluster.endpoint;
    this.readerEndpoint = cluster.readerEndpoint;
    this.masterUserSecretArn = cluster.masterUserSecrets.apply((s) => s?.[0]?.secretArn);

    const instances = Array.from(
      { length: args.instanceCount },
      (_, i) =>
        new aws.rds.ClusterInstance(
          n.resource(`db-instance-${i + 1}`),
          {
            identifier: physical(`db-instance-${i + 1}`),
            clusterIdentifier: cluster.id,
            engine: "aurora-postgresql",
            engineVersion: AURORA_POSTGRES_VERSION,
            instanceClass: args.instanceClass,
            dbSubnetGroupName: subnetGroup.name,
            publiclyAccessible: false,
            promotionTier: i,
            applyImmediately: true,
            tags: tags(`db-instance-${i + 1}`),
          },
          child,
        ),
    );
    this.instanceIdentifiers = instances.map((inst) => inst.identifier);

    this.registerOutputs({
      clusterIdentifier: this.clusterIdentifier,
      endpoint: this.endpoint,
      securityGroupId: this.securityGroupId,
    });
  }
}
