import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Naming } from "./naming";
import type { Tags } from "./tags";

/**
 * Capacity of a DynamoDB table, chosen per environment:
 * - `on-demand`: PAY_PER_REQUEST, nothing to size (dev: spiky, mostly idle).
 * - `provisioned`: fixed read/write units (staging: predictable load tests, cheapest steady capacity).
 * - `autoscaled`: provisioned, scaled by Application Auto Scaling between min and max on target utilisation (prod).
 *   Auto Scaling writes the table's capacity, so the table ignores `readCapacity`/`writeCapacity` changes
 *   ({@link AUTOSCALED_IGNORE_CHANGES}); otherwise every `pulumi up` would reset capacity to the minimum.
 */
export type TableCapacity =
  | { readonly mode: "on-demand" }
  | { readonly mode: "provisioned"; readonly readUnits: number; readonly writeUnits: number }
  | {
      readonly mode: "autoscaled";
      readonly min: number;
      readonly max: number;
      readonly targetUtilizationPercent?: number;
    };

export const AUTOSCALED_IGNORE_CHANGES: readonly string[] = ["readCapacity", "writeCapacity"];

export interface TableArgs {
  /** Naming convention of the environment: Pulumi names `{env}-{service}-{resource}`, physical names plus the suffix. */
  readonly naming: Naming;
  /** Resource part of the name, e.g. `transactions` → `{prefix}-transactions-table`. */
  readonly resource: string;
  /** Partition key (a string attribute). Part of the key schema: changing it replaces the table. */
  readonly hashKey: string;
  /** Sort key (a string attribute), if any. */
  readonly rangeKey?: string;
  /** On-demand, provisioned or autoscaled (see {@link TableCapacity}). */
  readonly capacity: TableCapacity;
  /** Point-in-time recovery (prod only in the payments rules). */
  readonly pointInTimeRecovery: boolean;
  /** Attribute holding an epoch-seconds expiry, if the table uses TTL. */
  readonly ttlAttribute?: string;
  /** Tags of the table and its scaling targets (each also gets `Name`). */
  readonly tags?: Tags;
}

/** A DynamoDB table (string keys, SSE on) with per-environment capacity and PITR. */
export class Table extends pulumi.ComponentResource {
  readonly name: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: TableArgs, opts?: pulumi.ComponentResourceOptions) {
    super("env-parity:table:Table", name, {}, opts);
    const n = args.naming;
    const physical = (resource: string) => n.physical(resource);
    const tableName = physical(`${args.resource}-table`);
    const cap = args.capacity;
    if (cap.mode === "autoscaled" && !(cap.min >= 1 && cap.max >= cap.min)) {
      throw new Error(`table ${name}: autoscaling needs 1 <= min <= max, got ${cap.min}..${cap.max}`);
    }
    const units =
      cap.mode === "provisioned"
        ? { read: cap.readUnits, write: cap.writeUnits }
        : cap.mode === "autoscaled"
          ? { read: cap.min, write: cap.min }
          : undefined;

    const table = new aws.dynamodb.Table(
      n.resource(`${args.resource}-table`),
      {
        name: tableName,
        billingMode: cap.mode === "on-demand" ? "PAY_PER_REQUEST" : "PROVISIONED",
        readCapacity: units?.read,
        writeCapacity: units?.write,
        hashKey: args.hashKey,
        rangeKey: args.rangeKey,
        attributes: [args.hashKey, ...(args.rangeKey ? [args.rangeKey] : [])].map((n) => ({ name: n, type: "S" })),
        pointInTimeRecovery: { enabled: args.pointInTimeRecovery },
        serverSideEncryption: { enabled: true },
        ttl: args.ttlAttribute ? { attributeName: args.ttlAttribute, enabled: true } : undefined,
        deletionProtectionEnabled: false,
        tags: { ...(args.tags ?? {}), Name: tableName },
      },
      { parent: this, ignoreChanges: cap.mode === "autoscaled" ? [...AUTOSCALED_IGNORE_CHANGES] : undefined },
    );
    this.name = table.name;
    this.arn = table.arn;

    if (cap.mode === "autoscaled") {
      for (const dim of ["read", "write"] as const) {
        const Dim = dim === "read" ? "Read" : "Write";
        const target = new aws.appautoscaling.Target(
          n.resource(`${args.resource}-table-${dim}-target`),
          {
            serviceNamespace: "dynamodb",
            resourceId: `table/${tableName}`,
            scalableDimension: `dynamodb:table:${Dim}CapacityUnits`,
            minCapacity: cap.min,
            maxCapacity: cap.max,
            tags: { ...(args.tags ?? {}), Name: physical(`${args.resource}-table-${dim}-target`) },
          },
          { parent: this, dependsOn: [table] },
        );
        new aws.appautoscaling.Policy(
          n.resource(`${args.resource}-table-${dim}-policy`),
          {
            name: physical(`${args.resource}-table-${dim}-policy`),
            policyType: "TargetTrackingScaling",
            serviceNamespace: target.serviceNamespace,
            resourceId: target.resourceId,
            scalableDimension: target.scalableDimension,
            targetTrackingScalingPolicyConfiguration: {
              predefinedMetricSpecification: { predefinedMetricType: `DynamoDB${Dim}CapacityUtilization` },
              targetValue: cap.targetUtilizationPercent ?? 70,
            },
          },
          { parent: this },
        );
      }
    }
    this.registerOutputs({ name: this.name, arn: this.arn });
  }
}
