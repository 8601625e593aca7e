import * as pulumi from "@pulumi/pulumi";
import { DataBucket, type Naming, type Tags } from "@env-parity/components";

export interface StorageArgs {
  /** Naming convention of the environment. */
  readonly naming: Naming;
  /** Default encryption of both buckets. */
  readonly sseAlgorithm: pulumi.Input<"aws:kms" | "AES256">;
  /** Tags of both buckets. */
  readonly tags: pulumi.Input<Tags>;
}

/** The raw (landing) and curated (validated) buckets of the platform. */
export class Storage extends pulumi.ComponentResource {
  readonly raw: DataBucket;
  readonly curated: DataBucket;

  constructor(name: string, args: StorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("env-parity:storage:Storage", name, {}, opts);
    const common = { naming: args.naming, sseAlgorithm: args.sseAlgorithm, tags: args.tags };
    this.raw = new DataBucket(`${name}-raw`, { ...common, resource: "raw-bucket" }, { parent: this });
    this.curated = new DataBucket(`${name}-curated`, { ...common, resource: "curated-bucket" }, { parent: this });
    this.registerOutputs({ rawBucketName: this.raw.bucketName, curatedBucketName: this.curated.bucketName });
  }
}
