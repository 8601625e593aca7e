import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Naming, Tags } from "@env-parity/components";

/** Name of the secondary index on `timestamp`. */
export const TIMESTAMP_INDEX = "timestamp-index";

export interface MetadataArgs {
  /** Naming convention of the environment. */
  readonly naming: Naming;
  /** Tags of the table. */
  readonly tags: pulumi.Input<Tags>;
}

/**
 * The metadata table: on-demand, point-in-time recovery, encrypted, hash key `id` and a GSI on `timestamp`.
 * The key schema is the same in every environment (changing it replaces the table).
 */
export class Metadata extends pulumi.ComponentResource {
  readonly table: aws.dynamodb.Table;
  readonly tableName: string;
  readonly tableArn: string;

  constructor(name: string, args: MetadataArgs, opts?: pulumi.ComponentResourceOptions) {
    super("env-parity:metadata:Metadata", name, {}, opts);
    const { naming } = args;
    this.tableName = naming.physical("metadata-table");
    this.tableArn = naming.dynamodbTableArn(this.tableName);
    this.table = new aws.dynamodb.Table(
      naming.resource("metadata-table"),
      {
        name: this.tableName,
        billingMode: "PAY_PER_REQUEST",
        hashKey: "id",
        attributes: [
          { name: "id", type: "S" },
          { name: "timestamp", type: "S" },
        ],
        globalSecondaryIndexes: [
          {
            name: TIMESTAMP_INDEX,
            keySchemas: [{ attributeName: "timestamp", keyType: "HASH" }],
            projectionType: "ALL",
          },
        ],
        pointInTimeRecovery: { enabled: true },
        serverSideEncryption: { enabled: true },
        deletionProtectionEnabled: false,
        tags: args.tags,
      },
      { parent: this },
    );
    this.registerOutputs({ tableName: this.tableName, tableArn: this.tableArn });
  }
}
