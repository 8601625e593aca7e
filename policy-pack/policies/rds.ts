/**
 * RDS / Aurora guardrails: storage encrypted, backup retention per environment (from the consistency rules), no
 * publicly accessible instance, the master password managed by RDS (Secrets Manager). Destroyability (final snapshot,
 * deletion protection) lives with the other destroy checks in `lifecycle.ts`.
 */
import { resourcePolicy } from "../lib/define";
import { describeSpec, envExpectation, expectProp, known, matchesSpec } from "../lib/expect";
import { show } from "../lib/values";

export const RDS_CLUSTER = "aws:rds/cluster:Cluster";
export const RDS_CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance";
export const RDS_INSTANCE = "aws:rds/instance:Instance";

export const rdsStorageEncrypted = resourcePolicy({
  name: "rds-cluster-storage-encrypted",
  description: "A database cluster (or standalone instance) sets `storageEncrypted: true`.",
  why: "Unencrypted storage exposes data, snapshots and backups to anyone who gets a copy; encryption cannot be turned on later without a restore.",
  severity: "critical",
  remediationSteps:
    "Set `storageEncrypted: true` (optionally `kmsKeyId`) on the aws.rds.Cluster; an existing cluster must be restored from an encrypted snapshot.",
  types: [RDS_CLUSTER, RDS_INSTANCE],
  check(r, _ctx, out) {
    expectProp(out, r, "storageEncrypted", true);
  },
});

export const rdsBackupRetention = resourcePolicy<{ backupRetentionPeriod?: number; minDays: number }>({
  name: "rds-cluster-backup-retention",
  description:
    "A database cluster keeps automated backups for its environment's period (from the consistency rules; else at least `minDays`).",
  why: "Backup retention is the point-in-time recovery window; environments keep backups exactly as long as the rules approve (e.g. prod 30 days for audits).",
  severity: "high",
  remediationSteps:
    "Set `backupRetentionPeriod` to the environment's value in the rules (e.g. `db-backup-retention`), or approve a different value there.",
  config: {
    backupRetentionPeriod: {
      type: "integer",
      minimum: 1,
      maximum: 35,
      description: "Override the rules' expectation.",
    },
    minDays: {
      type: "integer",
      minimum: 1,
      maximum: 35,
      default: 1,
      description: "Expected minimum when the rules say nothing.",
    },
  },
  defaults: { minDays: 1 },
  types: [RDS_CLUSTER, RDS_INSTANCE],
  check(r, ctx, out) {
    const exp = envExpectation(ctx, r, out, "backupRetentionPeriod", {
      override: ctx.config.backupRetentionPeriod,
      fallback: { min: ctx.config.minDays, max: 35 },
    });
    if (!exp) return;
    const v = r.props.backupRetentionPeriod ?? 1; // RDS default
    if (!known(out, r, "backupRetentionPeriod", v)) return;
    if (!matchesSpec(exp.spec, v))
      out.fail(
        `${r.name}: backupRetentionPeriod is ${show(v)} days, expected ${describeSpec(exp.spec)} (${exp.source}).`,
        r.urn,
      );
  },
});

export const rdsInstanceNotPublic = resourcePolicy({
  name: "rds-instance-not-public",
  description: "No database instance sets `publiclyAccessible: true`.",
  why: "A publicly accessible instance gets a public DNS name and IP; one security group mistake away from the internet.",
  severity: "critical",
  remediationSteps:
    "Set `publiclyAccessible: false` on the aws.rds.ClusterInstance / aws.rds.Instance; reach the database from inside the VPC.",
  types: [RDS_CLUSTER_INSTANCE, RDS_INSTANCE],
  check(r, _ctx, out) {
    expectProp(out, r, "publiclyAccessible", false, { fallback: false });
  },
});

export const rdsManagedMasterPassword = resourcePolicy({
  name: "rds-cluster-managed-master-password",
  description: "A database cluster (or instance) sets `manageMasterUserPassword: true` and no `masterPassword`.",
  why: "A password in config or code ends up in state, CI logs and laptops; RDS-managed passwords live in Secrets Manager and rotate.",
  severity: "critical",
  remediationSteps:
    "Remove `masterPassword` and set `manageMasterUserPassword: true`; read the secret ARN from `masterUserSecrets`.",
  types: [RDS_CLUSTER, RDS_INSTANCE],
  check(r, _ctx, out) {
    if (r.props.masterPassword !== undefined)
      out.fail(`${r.name}: sets masterPassword; let RDS manage it (manageMasterUserPassword: true).`, r.urn);
    // Read replicas and databases restored from a snapshot inherit the source's credentials.
    if (r.props.replicateSourceDb !== undefined || r.props.snapshotIdentifier !== undefined) return;
    expectProp(out, r, "manageMasterUserPassword", true);
  },
});

export const rdsPolicies = [rdsStorageEncrypted, rdsBackupRetention, rdsInstanceNotPublic, rdsManagedMasterPassword];
