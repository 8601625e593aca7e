import * as fs from "fs";
import * as path from "path";
import fc from "fast-check";
import { parse } from "yaml";
import {
  checkStack,
  compareSnapshots,
  deepEqual,
  getAt,
  leaves,
  normaliseSnapshot,
  stableStringify,
  UNKNOWN,
  type Finding,
  type SnapshotResource,
} from "../../consistency-rules/src";
import { type Env, resource, rules, snapshot } from "./helpers";

const NOW = new Date("2026-06-01T00:00:00Z");
const VPC = "aws:ec2/vpc:Vpc";
const TABLE = "aws:dynamodb/table:Table";
const NAT = "aws:ec2/natGateway:NatGateway";
const ENVS: Env[] = ["dev", "staging", "prod"];

const of = (fs: Finding[], ruleId: string) => fs.filter((f) => f.ruleId === ruleId);
const withOpts = (r: SnapshotResource, o: Partial<SnapshotResource>): SnapshotResource => ({ ...r, ...o });

describe("parity-resource-destroyable", () => {
  const table = (e: Env, o: Partial<SnapshotResource> = {}) =>
    withOpts(resource(e, TABLE, `${e}-ingest-state-table`, { billingMode: "PAY_PER_REQUEST" }), o);

  it("fails protect and retainOnDelete, once per resource per environment", () => {
    const snaps = [
      snapshot("dev", [table("dev")]),
      snapshot("staging", [table("staging", { retainOnDelete: true })]),
      snapshot("prod", [table("prod", { protect: true, retainOnDelete: true })]),
    ].map((s) => normaliseSnapshot(s));
    const found = of(compareSnapshots(snaps, rules(), NOW), "parity-resource-destroyable");
    expect(found.map((f) => [f.status, f.environments, f.values, f.urn])).toEqual([
      [
        "fail",
        ["staging"],
        { staging: "retainOnDelete" },
        "urn:pulumi:staging::demo::aws:dynamodb/table:Table::staging-ingest-state-table",
      ],
      [
        "fail",
        ["prod"],
        { prod: "protect, retainOnDelete" },
        "urn:pulumi:prod::demo::aws:dynamodb/table:Table::prod-ingest-state-table",
      ],
    ]);
    expect(found[1]).toMatchObject({
      resource: `${TABLE}::ingest-state-table`,
      severity: "high",
      kind: "parity",
      file: "prod.plan.json",
    });
    expect(found[1].message).toBe(
      "dynamodb table ingest-state-table has protect and retainOnDelete in prod: `pulumi destroy` cannot remove it; remove the option (parity-resource-destroyable)",
    );
  });

  it("is reported by checkStack too (the pack sees protect)", () => {
    const found = of(
      checkStack(normaliseSnapshot(snapshot("prod", [table("prod", { protect: true })])), rules(), NOW),
      "parity-resource-destroyable",
    );
    expect(found.map((f) => f.values)).toEqual([{ prod: "protect" }]);
  });

  it("passes resources without the options (false counts as absent)", () => {
    const snaps = ENVS.map((e) =>
      normaliseSnapshot(snapshot(e, [table(e, { protect: false, retainOnDelete: false })])),
    );
    expect(of(compareSnapshots(snaps, rules(), NOW), "parity-resource-destroyable")).toEqual([]);
    expect(of(checkStack(snaps[0], rules(), NOW), "parity-resource-destroyable")).toEqual([]);
  });
});

describe("ignoreChanges", () => {
  const table = (e: Env, ignoreChanges?: string[]) =>
    withOpts(
      resource(e, TABLE, `${e}-ingest-state-table`, { billingMode: "PAY_PER_REQUEST" }),
      ignoreChanges ? { ignoreChanges } : {},
    );

  it("is normalised to a sorted list without duplicates", () => {
    const n = normaliseSnapshot(snapshot("dev", [table("dev", ["writeCapacity", "readCapacity", "writeCapacity"])]));
    expect([...n.resources.values()][0].ignoreChanges).toEqual(["readCapacity", "writeCapacity"]);
  });

  it("present in prod but not in staging is a difference, compared as one list", () => {
    const snaps = [
      normaliseSnapshot(snapshot("staging", [table("staging")])),
      normaliseSnapshot(snapshot("prod", [table("prod", ["writeCapacity", "readCapacity"])])),
    ];
    const diffs = of(compareSnapshots(snaps, rules(), NOW), "parity-unapproved-difference");
    expect(diffs.map((f) => [f.status, f.path, f.values])).toEqual([
      ["fail", "$ignoreChanges", { staging: [], prod: ["readCapacity", "writeCapacity"] }],
    ]);
    expect(diffs[0].message).toBe(
      'dynamodb table ingest-state-table: $ignoreChanges differs: staging=[], prod=["readCapacity","writeCapacity"] (parity-unapproved-difference)',
    );
  });

  it("equal lists (in any order) are no difference; an approval on $ignoreChanges approves one", () => {
    const same = [
      normaliseSnapshot(snapshot("staging", [table("staging", ["b", "a"])])),
      normaliseSnapshot(snapshot("prod", [table("prod", ["a", "b"])])),
    ];
    expect(of(compareSnapshots(same, rules(), NOW), "parity-unapproved-difference")).toEqual([]);
    const r = rules({
      approvals: [
        {
          id: "table-autoscaling",
          type: TABLE,
          resource: "ingest-state-table",
          path: "$ignoreChanges",
          values: { staging: [], prod: ["readCapacity"] },
          reason: "prod capacity is autoscaled",
          owner: "data-team",
        },
      ],
    });
    const snaps = [
      normaliseSnapshot(snapshot("staging", [table("staging")])),
      normaliseSnapshot(snapshot("prod", [table("prod", ["readCapacity"])])),
    ];
    expect(
      compareSnapshots(snaps, r, NOW)
        .filter((f) => f.status !== "pass")
        .map((f) => [f.status, f.path, f.approval?.id]),
    ).toEqual([["approved", "$ignoreChanges", "table-autoscaling"]]);
  });
});

describe("one matching function for compareSnapshots and checkStack (most specific wins)", () => {
  // The payments author's case: a prod-only glob and an exact approval for NAT gateway 1 (also in staging).
  const r = rules({
    approvals: [
      {
        id: "nat-gateways-prod",
        type: NAT,
        resource: "payments-nat-gateway-*",
        path: "$present",
        values: { dev: false, staging: false, prod: true },
        reason: "one NAT gateway per AZ in prod only",
        owner: "payments",
      },
      {
        id: "nat-gateway-1",
        type: NAT,
        resource: "payments-nat-gateway-1",
        path: "$present",
        values: { dev: false, staging: true, prod: true },
        reason: "staging has one NAT gateway for egress",
        owner: "payments",
      },
    ],
  });
  const nat = (e: Env, i: number) => resource(e, NAT, `${e}-payments-nat-gateway-${i}`, { connectivityType: "public" });
  const snaps = [
    normaliseSnapshot(snapshot("dev", [])),
    normaliseSnapshot(snapshot("staging", [nat("staging", 1)])),
    normaliseSnapshot(snapshot("prod", [nat("prod", 1), nat("prod", 2)])),
  ];

  it("compareSnapshots approves gateway 1 by the exact approval and gateway 2 by the glob", () => {
    const inv = of(compareSnapshots(snaps, r, NOW), "parity-resource-inventory");
    expect(inv.map((f) => [f.resource, f.status, f.approval?.id])).toEqual([
      [`${NAT}::payments-nat-gateway-1`, "approved", "nat-gateway-1"],
      [`${NAT}::payments-nat-gateway-2`, "approved", "nat-gateways-prod"],
    ]);
  });

  it("checkStack decides with the same approval: gateway 1 in staging passes", () => {
    expect(of(checkStack(snaps[1], r, NOW), "parity-resource-inventory")).toEqual([]);
    expect(of(checkStack(snaps[2], r, NOW), "parity-resource-inventory")).toEqual([]);
  });

  it("checkStack still fails a gateway its governing approval does not allow", () => {
    const staging2 = normaliseSnapshot(snapshot("staging", [nat("staging", 1), nat("staging", 2)]));
    expect(of(checkStack(staging2, r, NOW), "parity-resource-inventory").map((f) => [f.resource, f.status])).toEqual([
      [`${NAT}::payments-nat-gateway-2`, "fail"],
    ]);
  });

  it("exact beats glob, fewer `*` beat more, the longer path beats its prefix, then file order", () => {
    const FN = "aws:lambda/function:Function";
    const a = (id: string, type: string, res: string, p: string) => ({
      id,
      type,
      resource: res,
      path: p,
      values: { dev: 1 },
      reason: "specificity test",
      owner: "t",
    });
    const rs = rules({
      approvals: [
        a("glob-typed", FN, "fn-*", "memorySize"),
        a("exact-any-type", "*", "fn-1", "memorySize"),
        a("two-stars", "*", "fn-*", "memorySize"),
        a("env-prefix", FN, "fn-1", "environment"),
        a("env-leaf", FN, "fn-1", "environment.variables.X"),
        a("first", FN, "fn-2", "timeout"),
        a("second", FN, "fn-2", "timeout"),
      ],
    });
    expect(rs.approvalFor(FN, "fn-1", "memorySize")?.id).toBe("exact-any-type");
    expect(rs.approvalFor(FN, "fn-9", "memorySize")?.id).toBe("glob-typed");
    expect(rs.approvalFor("aws:x/y:Z", "fn-9", "memorySize")?.id).toBe("two-stars");
    expect(rs.approvalFor(FN, "fn-1", "environment.variables.X")?.id).toBe("env-leaf");
    expect(rs.approvalFor(FN, "fn-1", "environment.variables.Y")?.id).toBe("env-prefix");
    expect(rs.approvalFor(FN, "fn-2", "timeout")?.id).toBe("first");
  });
});

describe("parity-network-cidr-overlap in compareSnapshots", () => {
  const vpc = (e: string, cidr: unknown) =>
    resource(e, VPC, `${e}-ingest-vpc`, { cidrBlock: cidr, enableDnsSupport: true });
  const compare = (cidrs: Partial<Record<Env, unknown>>, suffix = "x1") =>
    compareSnapshots(
      (Object.entries(cidrs) as [Env, unknown][]).map(([e, c]) => {
        const s = snapshot(e, [vpc(e, c)]);
        return normaliseSnapshot({ ...s, context: { ...s.context, suffix } });
      }),
      rules({
        approvals: [
          {
            id: "vpc-cidr",
            type: VPC,
            resource: "*",
            path: "cidrBlock",
            values: { dev: { any: true }, staging: { any: true }, prod: { any: true } },
            reason: "each environment has its own range",
            owner: "network",
          },
        ],
      }),
      NOW,
    );

  it("fails overlapping dev and staging VPCs, naming both ranges", () => {
    const found = of(
      compare({ dev: "10.1.0.0/16", staging: "10.1.128.0/17", prod: "10.0.0.0/16" }),
      "parity-network-cidr-overlap",
    );
    expect(found.map((f) => [f.status, f.environments, f.values, f.resource])).toEqual([
      ["fail", ["dev", "staging"], { dev: "10.1.0.0/16", staging: "10.1.128.0/17" }, `${VPC}::ingest-vpc`],
    ]);
    expect(found[0].message).toMatch(/^dev 10\.1\.0\.0\/16 overlaps staging 10\.1\.128\.0\/17/);
  });

  it("passes the reference stacks' CIDRs (Pulumi.<env>.yaml)", () => {
    const cidrs = Object.fromEntries(
      ENVS.map((e) => [
        e,
        (
          parse(fs.readFileSync(path.resolve(__dirname, `../../Pulumi.${e}.yaml`), "utf8")) as {
            config: Record<string, unknown>;
          }
        ).config["data-platform:vpcCidr"],
      ]),
    );
    const found = of(compare(cidrs), "parity-network-cidr-overlap");
    expect(found.map((f) => [f.status, f.values])).toEqual([["pass", cidrs]]);
  });

  it("reads the original values: a numeric suffix that normalisation replaces does not hide an overlap", () => {
    const found = of(compare({ dev: "10.0.0.0/16", prod: "10.0.0.0/16" }, "0"), "parity-network-cidr-overlap");
    expect(found.map((f) => [f.status, f.values])).toEqual([["fail", { dev: "10.0.0.0/16", prod: "10.0.0.0/16" }]]);
  });

  it("unknown ranges are indeterminate, bad ones fail without throwing, secrets are never printed", () => {
    expect(
      of(compare({ dev: UNKNOWN, prod: "10.0.0.0/16" }), "parity-network-cidr-overlap").map((f) => f.status),
    ).toEqual(["indeterminate"]);
    const bad = of(compare({ dev: "10.0.0.300/16", prod: "10.0.0.0/16" }), "parity-network-cidr-overlap");
    expect(bad.map((f) => [f.status, f.message])).toEqual([
      [
        "fail",
        'dev.plan.json: urn:pulumi:dev::demo::aws:ec2/vpc:Vpc::dev-ingest-vpc.cidrBlock "10.0.0.300/16" is not an IPv4 CIDR block (a.b.c.d/n)',
      ],
    ]);
    const secret = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "10.9.0.0/16" };
    const s = of(compare({ dev: secret, prod: "10.0.0.0/16" }), "parity-network-cidr-overlap");
    expect(s.map((f) => f.status)).toEqual(["indeterminate"]);
    expect(JSON.stringify(s)).not.toContain("10.9.0.0");
  });
});

describe("the leaf walk finds what the reference (leaves + getAt + stringify) finds", () => {
  /** The first-wave algorithm: union of every row's leaves, values by getAt, equality by stableStringify. */
  function reference(values: unknown[]): string[] {
    const paths = new Map<string, string[]>();
    for (const v of values) for (const [segs] of leaves(v)) paths.set(JSON.stringify(segs), segs);
    return [...paths.values()]
      .filter(
        (segs) => !values.every((v) => stableStringify(getAt(v, segs)) === stableStringify(getAt(values[0], segs))),
      )
      .map((segs) => segs.join("."))
      .sort();
  }
  const key = fc.constantFrom("a", "b", "c", "0", "1", "tags");
  const leaf = fc.constantFrom<unknown>(1, 2, "x", "y", '{"a":1,"b":[1]}', '{"a":2}', null, true, false, [], {});
  const value = fc.letrec<{ v: unknown }>((tie) => ({
    v: fc.oneof(
      { depthSize: "small" },
      leaf,
      fc.array(tie("v"), { maxLength: 3 }),
      fc.dictionary(key, tie("v"), { maxKeys: 3 }),
    ),
  })).v;

  it("reports the same differing paths", () => {
    fc.assert(
      fc.property(fc.array(fc.dictionary(key, value, { maxKeys: 4 }), { minLength: 2, maxLength: 3 }), (props) => {
        const snaps = props.map((p, i) =>
          normaliseSnapshot(snapshot(ENVS[i], [resource(ENVS[i], "t:m:R", `${ENVS[i]}-r`, p)])),
        );
        const found = compareSnapshots(snaps, rules({ invariants: [], approvals: [] }), NOW)
          .filter((f) => f.ruleId === "parity-unapproved-difference")
          .map((f) => f.path!)
          .sort();
        expect(found).toEqual(reference(snaps.map((s) => [...s.resources.values()][0].props)));
      }),
      { numRuns: 500 },
    );
  });

  it("deepEqual agrees with stableStringify equality", () => {
    fc.assert(
      fc.property(value, value, (a, b) => deepEqual(a, b) === (stableStringify(a) === stableStringify(b))),
      { numRuns: 1000 },
    );
  });
});
