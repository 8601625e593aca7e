import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Naming } from "./naming";
import type { Tags } from "./tags";

/** Days after which noncurrent object versions expire. */
export const NONCURRENT_VERSION_EXPIRATION_DAYS = 30;

export interface DataBucketArgs {
  /** Naming convention of the environment. */
  readonly naming: Naming;
  /** Resource token inside the names, e.g. `raw-bucket`. */
  readonly resource: string;
  /** Default encryption: `aws:kms` (AWS managed key, with an S3 Bucket Key) or `AES256`. */
  readonly sseAlgorithm: pulumi.Input<"aws:kms" | "AES256">;
  /** Tags of the bucket. */
  readonly tags: pulumi.Input<Tags>;
  /**
   * Move current objects to S3 Glacier Flexible Retrieval after `days` (lifecycle rule `transition-to-glacier`).
   * The rule exists in every environment and is `Enabled` only where `enabled` is true, so environments differ in one
   * approvable value (`rules.1.status`) rather than in the rule's presence. Default: no such rule.
   */
  readonly glacierTransition?: { readonly days: number; readonly enabled: boolean };
}

/**
 * One private, versioned, encrypted S3 bucket whose noncurrent versions expire (and, optionally, whose objects move
 * to Glacier): the bucket plus its versioning, encryption, lifecycle and public-access-block resources.
 */
export class DataBucket extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  /** Physical bucket name (known at preview). */
  readonly bucketName: string;
  /** Bucket ARN (known at preview). */
  readonly bucketArn: string;

  constructor(name: string, args: DataBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("env-parity:storage:DataBucket", name, {}, opts);
    const { naming, resource } = args;
    const res = naming.resource(resource);
    const glacier = args.glacierTransition;
    if (glacier && !(Number.isInteger(glacier.days) && glacier.days >= 1)) {
      throw new Error(`bucket ${res}: glacierTransition.days must be a positive integer, got ${glacier.days}`);
    }
    this.bucketName = naming.physical(resource);
    this.bucketArn = naming.s3BucketArn(this.bucketName);

    this.bucket = new aws.s3.Bucket(
      res,
      { bucket: this.bucketName, forceDestroy: true, tags: args.tags },
      { parent: this },
    );

    new aws.s3.BucketVersioning(
      `${res}-versioning`,
      {
        bucket: this.bucket.id,
        versioningConfiguration: { status: "Enabled" },
      },
      { parent: this },
    );

    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${res}-encryption`,
      {
        bucket: this.bucket.id,
        rules: [
          pulumi.output(args.sseAlgorithm).apply((sseAlgorithm) => ({
            applyServerSideEncryptionByDefault: { sseAlgorithm },
            bucketKeyEnabled: sseAlgorithm === "aws:kms",
          })),
        ],
      },
      { parent: this },
    );

    new aws.s3.BucketLifecycleConfiguration(
      `${res}-lifecycle`,
      {
        bucket: this.bucket.id,
        rules: [
          {
            id: "expire-noncurrent-versions",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_VERSION_EXPIRATION_DAYS },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
          ...(glacier
            ? [
                {
                  id: "transition-to-glacier",
                  status: glacier.enabled ? "Enabled" : "Disabled",
                  filter: {},
                  transitions: [{ days: glacier.days, storageClass: "GLACIER" }],
                },
              ]
            : []),
        ],
      },
      { parent: this },
    );

    new aws.s3.BucketPublicAccessBlock(
      `${res}-public-access-block`,
      {
        bucket: this.bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      { parent: this },
    );

    this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn });
  }
}
