/**
 * What real exports and previews bring that mocked plans do not: ids AWS generates per account, values that name
 * every stack (identical text, different after normalisation), and values unknown until apply under a blanket approval.
 */
import * as path from "path";
import { checkStack, compareSnapshots, loadRules, normaliseSnapshot, UNKNOWN } from "../../consistency-rules/src";
import { resource, rules, snapshot } from "./helpers";

const FN = "aws:lambda/function:Function";
const SUBNET = "aws:ec2/subnet:Subnet";

function fns(env: string, vpc: Record<string, unknown>) {
  return resource(env, FN, `${env}-ingest-validator-function`, {
    runtime: "nodejs22.x",
    timeout: 60,
    memorySize: env === "prod" ? 1024 : 512,
    vpcConfig: vpc,
  });
}

describe("ids AWS generates", () => {
  it("compare equal across accounts (subnet, security group, VPC, ENI ids)", () => {
    const dev = snapshot("dev", [
      fns("dev", {
        subnetIds: ["subnet-0a1b2c3d4e5f60718", "subnet-1a1b2c3d"],
        securityGroupIds: ["sg-0123456789abcdef0"],
      }),
      resource("dev", SUBNET, "dev-ingest-network-private-0", {
        vpcId: "vpc-0a1b2c3d4e5f60718",
        cidrBlock: "10.2.0.0/20",
      }),
    ]);
    const prod = snapshot("prod", [
      fns("prod", {
        subnetIds: ["subnet-0fedcba9876543210", "subnet-9f8e7d6c"],
        securityGroupIds: ["sg-0fedcba9876543210"],
      }),
      resource("prod", SUBNET, "prod-ingest-network-private-0", {
        vpcId: "vpc-0fedcba9876543210",
        cidrBlock: "10.2.0.0/20",
      }),
    ]);
    const r = rules();
    const findings = compareSnapshots([normaliseSnapshot(dev, r), normaliseSnapshot(prod, r)], r);
    expect(findings.filter((f) => f.status === "fail")).toEqual([]);
  });

  it("still sees a different number of subnets", () => {
    const r = rules();
    const dev = snapshot("dev", [fns("dev", { subnetIds: ["subnet-0a1b2c3d4e5f60718"] })]);
    const prod = snapshot("prod", [
      fns("prod", { subnetIds: ["subnet-0fedcba9876543210", "subnet-0fedcba9876543211"] }),
    ]);
    const fails = compareSnapshots([normaliseSnapshot(dev, r), normaliseSnapshot(prod, r)], r).filter(
      (f) => f.status === "fail",
    );
    // subnetIds is a set: compared in canonical order, so the count still shows
    expect(fails.map((f) => f.path)).toContain("vpcConfig.subnetIds.1");
  });

  it("does not touch words that merely look like a prefix", () => {
    const n = normaliseSnapshot(
      snapshot("dev", [resource("dev", FN, "dev-x-function", { description: "sg-notanid and i-deadbeefcafe1" })]),
      rules(),
    );
    expect([...n.resources.values()][0].props.description).toBe("sg-notanid and i-deadbeefcafe1");
  });
});

describe("values identical before normalisation", () => {
  const replication = {
    sourceEnvironment: "prod",
    targetStacks: { dev: "acme/demo/dev", staging: "acme/demo/staging" },
  };
  const cfg = (env: string, extra: Record<string, unknown> = {}) => ({
    "demo:replication": replication,
    "demo:accountId": env,
    ...extra,
  });

  it("are never a difference, though each stack's own name became {env}", () => {
    const r = rules();
    const snaps = ["dev", "staging", "prod"].map((env) =>
      normaliseSnapshot(snapshot(env, [], { source: "config", config: cfg(env) }), r),
    );
    const repl = compareSnapshots(snaps, r).filter((f) => f.path?.startsWith("replication"));
    expect(repl).toEqual([]);
  });

  it("a real difference inside the same value is still found", () => {
    const r = rules();
    const changed = { ...replication, sourceEnvironment: "staging" };
    const snaps = [
      normaliseSnapshot(snapshot("dev", [], { source: "config", config: cfg("dev") }), r),
      normaliseSnapshot(
        snapshot("prod", [], { source: "config", config: { ...cfg("prod"), "demo:replication": changed } }),
        r,
      ),
    ];
    const fails = compareSnapshots(snaps, r).filter((f) => f.status === "fail" && f.path?.startsWith("replication"));
    expect(fails.map((f) => f.path)).toEqual(["replication.sourceEnvironment"]);
  });
});

describe("{ any: true } approvals", () => {
  it("approve a value unknown until apply instead of leaving it indeterminate", () => {
    const r = rules({
      approvals: [
        {
          id: "route-target",
          type: "aws:ec2/route:Route",
          resource: "*",
          path: "networkInterfaceId",
          values: { dev: { any: true }, prod: { any: true } },
          reason: "NAT instance ENI in dev only",
          owner: "platform-team",
        },
      ],
    });
    const route = (env: string, eni: unknown) =>
      resource(env, "aws:ec2/route:Route", `${env}-ingest-route`, {
        networkInterfaceId: eni,
        destinationCidrBlock: "0.0.0.0/0",
      });
    const snaps = [
      normaliseSnapshot(snapshot("dev", [route("dev", UNKNOWN)]), r),
      normaliseSnapshot(snapshot("prod", [route("prod", "eni-0a1b2c3d4e5f60718")]), r),
    ];
    const f = compareSnapshots(snaps, r).filter((x) => x.path === "networkInterfaceId");
    expect(f.map((x) => x.status)).toEqual(["approved"]);
  });
});

describe("the reference rules pin the metadata table's schema", () => {
  // Guardrail for a change made in code (so identical in every env): dropping the timestamp GSI and its attribute.
  const reference = loadRules(path.join(__dirname, "..", "..", "consistency-rules", "data-platform.rules.json"));
  const table = (props: Record<string, unknown>) =>
    resource(
      "dev",
      "aws:dynamodb/table:Table",
      "dev-ingest-metadata-table",
      { billingMode: "PAY_PER_REQUEST", hashKey: "id", pointInTimeRecovery: { enabled: true }, ...props },
      "data-platform",
    );
  const snap = (props: Record<string, unknown>) =>
    normaliseSnapshot(
      { ...snapshot("dev", [table(props)]), context: { env: "dev", stack: "dev", project: "data-platform" } },
      reference,
    );
  const gsi = [
    { name: "timestamp-index", keySchemas: [{ attributeName: "timestamp", keyType: "HASH" }], projectionType: "ALL" },
  ];
  const attributes = [
    { name: "id", type: "S" },
    { name: "timestamp", type: "S" },
  ];

  it("passes the reference table", () => {
    const fails = checkStack(snap({ globalSecondaryIndexes: gsi, attributes }), reference).filter(
      (f) => f.status === "fail" && f.ruleId.startsWith("parity-dynamodb"),
    );
    expect(fails).toEqual([]);
  });
  it("fails a table without the GSI and the attribute, even in one stack alone", () => {
    const ids = checkStack(snap({ globalSecondaryIndexes: [], attributes: [attributes[0]] }), reference)
      .filter((f) => f.status === "fail")
      .map((f) => f.ruleId);
    expect(ids).toEqual(expect.arrayContaining(["parity-dynamodb-gsi", "parity-dynamodb-attributes"]));
  });
});
