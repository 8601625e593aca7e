/**
 * Destroyability: every environment can be torn down and rebuilt by `pulumi destroy` (the platform's disaster
 * recovery and ephemeral-environment story). Note: `retainOnDelete` is not part of the Analyzer protocol
 * (AnalyzerResourceOptions has protect but no retainOnDelete), so the pack cannot see it; the CLI checks it from
 * exports and plans.
 */
import { resourcePolicy } from "../lib/define";
import { expectEnvProp } from "../lib/expect";
import { RDS_CLUSTER, RDS_INSTANCE } from "./rds";
import { BUCKET_TYPES } from "./s3";

export const lifecycleResourceNotProtected = resourcePolicy({
  name: "lifecycle-resource-not-protected",
  description: "No resource sets the `protect` resource option.",
  why: "A protected resource makes `pulumi destroy` fail halfway, leaving an environment that can neither be removed nor rebuilt cleanly.",
  severity: "medium",
  remediationSteps:
    "Remove `protect: true` from the resource options; guard data with versioning/PITR and backups instead.",
  types: ["*"],
  check(r, _ctx, out) {
    if (r.protect) out.fail(`${r.name}: has the protect option; the environment cannot be destroyed.`, r.urn);
  },
});

const DELETION_PROTECTION_PROPS = ["deletionProtectionEnabled", "deletionProtection"];

export const lifecycleNoDeletionProtection = resourcePolicy({
  name: "lifecycle-no-deletion-protection",
  description:
    "No resource enables deletion protection (`deletionProtectionEnabled`, `deletionProtection`), unless the consistency rules expect it in the stack's environment.",
  why: "Deletion protection makes destroy fail for DynamoDB tables, databases and load balancers.",
  severity: "medium",
  remediationSteps: "Set `deletionProtectionEnabled: false` / `deletionProtection: false` (or leave it unset).",
  types: ["*"],
  check(r, ctx, out) {
    for (const p of DELETION_PROTECTION_PROPS)
      expectEnvProp(ctx, out, r, p, false, { skipAbsent: true, consequence: "the environment cannot be destroyed" });
  },
});

export const lifecycleS3BucketForceDestroy = resourcePolicy({
  name: "lifecycle-s3-bucket-force-destroy",
  description:
    "Every bucket sets `forceDestroy: true` (or what the consistency rules expect in the stack's environment).",
  why: "A non-empty bucket without forceDestroy makes `pulumi destroy` fail.",
  severity: "low",
  remediationSteps:
    "Set `forceDestroy: true` on the aws.s3.Bucket (data is protected by versioning and backups, not by failing destroys).",
  types: BUCKET_TYPES,
  check(r, ctx, out) {
    expectEnvProp(ctx, out, r, "forceDestroy", true);
  },
});

export const lifecycleRdsSkipFinalSnapshot = resourcePolicy({
  name: "lifecycle-rds-skip-final-snapshot",
  description:
    "Every database cluster (or instance) sets `skipFinalSnapshot: true` (or what the consistency rules expect in the stack's environment).",
  why: "Without it `pulumi destroy` needs a final snapshot name and leaves a snapshot behind (or fails); automated backups cover recovery.",
  severity: "low",
  remediationSteps:
    "Set `skipFinalSnapshot: true` on the aws.rds.Cluster (and `deletionProtection: false`); keep recovery in `backupRetentionPeriod`.",
  types: [RDS_CLUSTER, RDS_INSTANCE],
  check(r, ctx, out) {
    expectEnvProp(ctx, out, r, "skipFinalSnapshot", true, {
      fallback: false,
      consequence: "the environment cannot be destroyed cleanly",
    });
  },
});

export const lifecyclePolicies = [
  lifecycleResourceNotProtected,
  lifecycleNoDeletionProtection,
  lifecycleS3BucketForceDestroy,
  lifecycleRdsSkipFinalSnapshot,
];
