/** Table: a DynamoDB table with per-environment capacity (on-demand, provisioned, autoscaled) and PITR. */
import { mockRuntime, NAMING_CONTEXT, TAGS } from "./mocks";
import { AUTOSCALED_IGNORE_CHANGES, Naming, Table } from "@env-parity/components";

const rt = mockRuntime();
const naming = new Naming(NAMING_CONTEXT);
const TABLE = "aws:dynamodb/table:Table";

let autoscaled: Table;
beforeAll(async () => {
  new Table("on-demand", {
    naming,
    resource: "events",
    hashKey: "id",
    capacity: { mode: "on-demand" },
    pointInTimeRecovery: false,
    tags: TAGS,
  });
  new Table("provisioned", {
    naming,
    resource: "orders",
    hashKey: "orderId",
    rangeKey: "createdAt",
    capacity: { mode: "provisioned", readUnits: 5, writeUnits: 2 },
    pointInTimeRecovery: false,
    ttlAttribute: "expiresAt",
  });
  autoscaled = new Table("autoscaled", {
    naming,
    resource: "transactions",
    hashKey: "paymentId",
    capacity: { mode: "autoscaled", min: 5, max: 50, targetUtilizationPercent: 60 },
    pointInTimeRecovery: true,
    tags: TAGS,
  });
  await rt.settle();
});

describe("Table", () => {
  it("on-demand: PAY_PER_REQUEST, no capacity, SSE on, string hash key, Name tag with the physical name", () => {
    const t = rt.one(TABLE, "dev-svc-events-table");
    expect(t.inputs).toMatchObject({
      name: "dev-svc-events-table-x1",
      billingMode: "PAY_PER_REQUEST",
      hashKey: "id",
      attributes: [{ name: "id", type: "S" }],
      pointInTimeRecovery: { enabled: false },
      serverSideEncryption: { enabled: true },
      deletionProtectionEnabled: false,
      tags: { ...TAGS, Name: "dev-svc-events-table-x1" },
    });
    expect(t.inputs.readCapacity).toBeUndefined();
    expect(t.ignoreChanges).toEqual([]);
  });

  it("provisioned: fixed units, range key attribute, TTL", () => {
    const t = rt.one(TABLE, "dev-svc-orders-table");
    expect(t.inputs).toMatchObject({
      billingMode: "PROVISIONED",
      readCapacity: 5,
      writeCapacity: 2,
      rangeKey: "createdAt",
      attributes: [
        { name: "orderId", type: "S" },
        { name: "createdAt", type: "S" },
      ],
      ttl: { attributeName: "expiresAt", enabled: true },
      tags: { Name: "dev-svc-orders-table-x1" },
    });
  });

  it("autoscaled: starts at min, ignores capacity drift, read and write targets and target-tracking policies", () => {
    const t = rt.one(TABLE, "dev-svc-transactions-table");
    expect(t.inputs).toMatchObject({ billingMode: "PROVISIONED", readCapacity: 5, writeCapacity: 5 });
    expect(t.inputs.pointInTimeRecovery).toEqual({ enabled: true });
    expect(t.ignoreChanges).toEqual([...AUTOSCALED_IGNORE_CHANGES]);
    const targets = rt.byType("aws:appautoscaling/target:Target").sort((x, y) => x.name.localeCompare(y.name));
    expect(targets.map((x) => [x.inputs.scalableDimension, x.inputs.minCapacity, x.inputs.maxCapacity])).toEqual([
      ["dynamodb:table:ReadCapacityUnits", 5, 50],
      ["dynamodb:table:WriteCapacityUnits", 5, 50],
    ]);
    for (const x of targets) {
      expect(x.inputs.resourceId).toBe("table/dev-svc-transactions-table-x1");
      expect(x.dependencies).toContain(t.urn);
    }
    const policies = rt.byType("aws:appautoscaling/policy:Policy").sort((x, y) => x.name.localeCompare(y.name));
    expect(policies.map((p) => p.name)).toEqual([
      "dev-svc-transactions-table-read-policy",
      "dev-svc-transactions-table-write-policy",
    ]);
    expect(policies[0].inputs.targetTrackingScalingPolicyConfiguration).toEqual({
      predefinedMetricSpecification: { predefinedMetricType: "DynamoDBReadCapacityUtilization" },
      targetValue: 60,
    });
  });

  it("parents every child in its Table and registers name and arn", async () => {
    const component = rt.one("env-parity:table:Table", "autoscaled");
    const children = rt.registered.filter((r) => r.parent === component.urn);
    expect(children.map((c) => c.type).sort()).toEqual([
      "aws:appautoscaling/policy:Policy",
      "aws:appautoscaling/policy:Policy",
      "aws:appautoscaling/target:Target",
      "aws:appautoscaling/target:Target",
      TABLE,
    ]);
    expect(component.outputs).toEqual({
      name: "dev-svc-transactions-table-x1",
      arn: "arn:aws:mock:::dev-svc-transactions-table-x1",
    });
    expect(autoscaled).toBeInstanceOf(Table);
  });

  it("refuses an autoscaling range that is empty or starts below 1", () => {
    const args = { naming, resource: "bad", hashKey: "id", pointInTimeRecovery: false };
    expect(() => new Table("bad1", { ...args, capacity: { mode: "autoscaled", min: 0, max: 5 } })).toThrow(
      /table bad1: autoscaling needs 1 <= min <= max, got 0..5/,
    );
    expect(() => new Table("bad2", { ...args, capacity: { mode: "autoscaled", min: 6, max: 5 } })).toThrow(/6..5/);
  });
});
