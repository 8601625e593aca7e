import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Naming } from "./naming";
import { NONCURRENT_VERSION_EXPIRATION_DAYS } from "./storage";
import type { Tags } from "./tags";

/**
 * Variant of {@link import("./storage").DataBucket} with a per-environment Glacier transition (payments keeps receipts
 * for years; prod moves them to Glacier after 90 days). Same child names and settings as DataBucket otherwise.
 * TODO(lead): merge as `glacierTransition?` into DataBucket and delete this file.
 */
export interface ArchiveBucketArgs {
  readonly naming: Naming;
  /** Resource token inside the names, e.g. `receipts-bucket`. */
  readonly resource: string;
  readonly sseAlgorithm: pulumi.Input<"aws:kms" | "AES256">;
  /**
   * Move current objects to S3 Glacier Flexible Retrieval after `days`. The rule exists in every environment and is
   * `Enabled` only where `enabled` is true, so environments differ in one approvable value (`rules.1.status`).
   */
  readonly glacierTransition: { readonly days: number; readonly enabled: boolean };
  readonly tags: pulumi.Input<Tags>;
}

export class ArchiveBucket extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly bucketName: string;
  readonly bucketArn: string;

  constructor(name: string, args: ArchiveBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("env-parity:storage:ArchiveBucket", name, {}, opts);
    const { naming, resource } = args;
    const res = naming.resource(resource);
    const { days, enabled } = args.glacierTransition;
    if (!(Number.isInteger(days) && days >= 1)) throw new Error(`bucket ${res}: glacierTransition.days must be a positive integer, got ${days}`);
    this.bucketName = naming.physical(resource);
    this.bucketArn = naming.s3BucketArn(this.bucketName);
    const child = { parent: this };

    this.bucket = new aws.s3.Bucket(res, { bucket: this.bucketName, forceDestroy: true, tags: args.tags }, child);
    new aws.s3.BucketVersioning(`${res}-versioning`, { bucket: this.bucket.id, versioningConfiguration: { status: "Enabled" } }, child);
    new aws.s3.BucketServerSideEncryptionConfiguration(`${res}-encryption`, {
      bucket: this.bucket.id,
      rules: [pulumi.output(args.sseAlgorithm).apply((sseAlgorithm) => ({
        applyServerSideEncryptionByDefault: { sseAlgorithm },
        bucketKeyEnabled: sseAlgorithm === "aws:kms",
      }))],
    }, child);
    new aws.s3.BucketLifecycleConfiguration(`${res}-lifecycle`, {
      bucket: this.bucket.id,
      rules: [
        {
          id: "expire-noncurrent-versions",
          status: "Enabled",
          filter: {},
          noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_VERSION_EXPIRATION_DAYS },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
        {
          id: "transition-to-glacier",
          status: enabled ? "Enabled" : "Disabled",
          filter: {},
          transitions: [{ days, storageClass: "GLACIER" }],
        },
      ],
    }, child);
    new aws.s3.BucketPublicAccessBlock(`${res}-public-access-block`, {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    }, child);
    this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn });
  }
}
