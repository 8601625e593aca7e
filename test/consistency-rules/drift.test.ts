/**
 * Normalisation never hides a difference, and identity survives real naming (issue 8 parts 2-6): each injected
 * drift is caught, each same-deployment pair is clean.
 */
import {
  CIDR_OVERLAP_PATH,
  compareSnapshots,
  normaliseSnapshot,
  SECRET_SIG,
  SIG_KEY,
  UNKNOWN,
  type Finding,
  type Snapshot,
  type SnapshotResource,
} from "../../consistency-rules/src";
import { resource, rules, snapshot } from "./helpers";

const NOW = new Date("2026-06-01");
const FN = "aws:lambda/function:Function";
const ROLE = "aws:iam/role:Role";
const EC2 = "aws:ec2/instance:Instance";
const VPC = "aws:ec2/vpc:Vpc";
const PROVIDER = "pulumi:providers:aws";
const ACCT = { dev: "111111111111", staging: "222222222222", prod: "333333333333" } as const;
const REGION = { dev: "us-east-2", staging: "us-west-1", prod: "us-east-1" } as const;
type E = keyof typeof ACCT;

function diff(snaps: Snapshot[], r = rules({ invariants: [] })): Finding[] {
  return compareSnapshots(
    snaps.map((s) => normaliseSnapshot(s, r)),
    r,
    NOW,
  );
}
const fails = (fs: Finding[]) => fs.filter((f) => f.status === "fail");

/** A small deployment of one environment; `over` changes one resource's props. */
function deployment(env: E, over: Record<string, Record<string, unknown>> = {}): SnapshotResource[] {
  const role = `arn:aws:iam::${ACCT[env]}:role/${env}-validator-role-x1`;
  return [
    { ...resource(env, PROVIDER, `${env}-aws`, { region: REGION[env], ...over.provider }), custom: true },
    resource(env, FN, `${env}-ingest-validator-function`, {
      role,
      runtime: "nodejs22.x",
      timeout: 60,
      memorySize: env === "prod" ? 1024 : 512,
      ...over.fn,
    }),
    resource(env, EC2, `${env}-bastion`, {
      ami: "ami-0abcdef1234567890",
      instanceType: "t3.micro",
      userData: "#!/bin/sh\ncurl -O https://example.com/app-release-1a2b3c4.tgz",
      ...over.ec2,
    }),
  ];
}

describe("injected drift is caught", () => {
  it("clean when nothing was changed", () => {
    expect(fails(diff([snapshot("dev", deployment("dev")), snapshot("prod", deployment("prod"))]))).toEqual([]);
  });

  it("another environment's account in a role ARN", () => {
    const fs = fails(
      diff([
        snapshot("dev", deployment("dev")),
        snapshot("prod", deployment("prod", { fn: { role: `arn:aws:iam::${ACCT.dev}:role/prod-validator-role-x1` } })),
      ]),
    );
    expect(fs).toHaveLength(1);
    expect(fs[0].path).toBe("role");
    expect(fs[0].values).toEqual({
      dev: "arn:aws:iam::{account}:role/{env}-validator-role-{suffix}",
      prod: "arn:aws:iam::{account:dev}:role/{env}-validator-role-{suffix}",
    });
  });

  it("another environment's region in a provider", () => {
    const fs = fails(
      diff([
        snapshot("dev", deployment("dev", { provider: { region: REGION.prod } })),
        snapshot("prod", deployment("prod")),
      ]),
    );
    expect(fs.map((f) => [f.resource, f.path, f.values])).toEqual([
      [`${PROVIDER}::aws`, "region", { dev: "{region:prod}", prod: "{region}" }],
    ]);
  });

  it("an unknown account id or region stays as it is (never equal to this environment's)", () => {
    const fs = fails(
      diff([
        snapshot("dev", deployment("dev", { fn: { kms: "arn:aws:kms:eu-west-3:999999999999:key/k" } })),
        snapshot("prod", deployment("prod", { fn: { kms: `arn:aws:kms:${REGION.prod}:${ACCT.prod}:key/k` } })),
      ]),
    );
    expect(fs.map((f) => f.values)).toEqual([
      { dev: "arn:aws:kms:eu-west-3:999999999999:key/k", prod: "arn:aws:kms:{region}:{account}:key/k" },
    ]);
  });

  it("another AMI", () => {
    const fs = fails(
      diff([
        snapshot("dev", deployment("dev")),
        snapshot("prod", deployment("prod", { ec2: { ami: "ami-0fedcba9876543210" } })),
      ]),
    );
    expect(fs.map((f) => f.path)).toEqual(["ami"]);
    expect(fs[0].message).toContain("ami-0fedcba9876543210");
  });

  it("a changed release hash in userData", () => {
    const fs = fails(
      diff([
        snapshot("dev", deployment("dev")),
        snapshot(
          "prod",
          deployment("prod", { ec2: { userData: "#!/bin/sh\ncurl -O https://example.com/app-release-9f8e7d6.tgz" } }),
        ),
      ]),
    );
    expect(fs.map((f) => f.path)).toEqual(["userData"]);
  });

  it("a re-parented resource (same parent type, another parent)", () => {
    const comp = (env: E, name: string) => ({
      ...resource(env, "demo:app:Service", `${env}-${name}`, {}),
      custom: false,
    });
    const child = (env: E, parentName: string): SnapshotResource => ({
      ...resource(env, "aws:sqs/queue:Queue", `${env}-jobs`, { delaySeconds: 0 }),
      urn: `urn:pulumi:${env}::demo::demo:app:Service$aws:sqs/queue:Queue::${env}-jobs`,
      parent: `urn:pulumi:${env}::demo::demo:app:Service::${env}-${parentName}`,
    });
    const dev = snapshot("dev", [comp("dev", "api"), comp("dev", "worker"), child("dev", "api")]);
    const prod = snapshot("prod", [comp("prod", "api"), comp("prod", "worker"), child("prod", "worker")]);
    const fs = fails(diff([dev, prod]));
    expect(fs.map((f) => [f.path, f.values])).toEqual([
      ["$parent", { dev: "demo:app:Service::api", prod: "demo:app:Service::worker" }],
    ]);
  });

  it("resource options that change a deploy (replaceOnChanges, deleteBeforeReplace, explicit provider)", () => {
    const withOpts = (env: E, o: Partial<SnapshotResource>) => [{ ...resource(env, FN, `${env}-f`, { a: 1 }), ...o }];
    const fs = fails(
      diff([
        snapshot("dev", withOpts("dev", { replaceOnChanges: ["a"], deleteBeforeReplace: true })),
        snapshot("prod", withOpts("prod", {})),
      ]),
    );
    expect(fs.map((f) => f.path).sort()).toEqual(["$deleteBeforeReplace", "$replaceOnChanges.0"]);
    const prov = (env: E, name: string) => `urn:pulumi:${env}::demo::pulumi:providers:aws::${name}::abc-${env}`;
    const p = fails(
      diff([
        snapshot("dev", withOpts("dev", { provider: prov("dev", "dev-east") })),
        snapshot("prod", withOpts("prod", { provider: prov("prod", "prod-west") })),
      ]),
    );
    expect(p.map((f) => [f.path, f.values])).toEqual([
      ["$provider", { dev: "pulumi:providers:aws::east", prod: "pulumi:providers:aws::west" }],
    ]);
    // default providers (any version) are never a difference
    const d = fails(
      diff([
        snapshot("dev", withOpts("dev", { provider: prov("dev", "default_6_0_0") })),
        snapshot("prod", withOpts("prod", { provider: prov("prod", "default_7_1_0") })),
      ]),
    );
    expect(d).toEqual([]);
  });
});

describe("identity survives real naming", () => {
  const env = (name: string, stack: string, aliases: string[] = []) => ({
    stacks: [stack],
    ...(aliases.length ? { aliases } : {}),
    accountId: name === "prod" ? ACCT.prod : ACCT.staging,
    region: "eu-west-1",
  });
  const r = rules({
    environments: { staging: env("staging", "shop-stg-eu", ["stg"]), prod: env("prod", "shop-prd-eu", ["prd"]) },
    approvals: [],
    invariants: [],
  });
  const snap = (e: "staging" | "prod", stack: string, tok: string): Snapshot => ({
    context: { env: e, stack, project: "demo" },
    source: "export",
    origin: `${e}.json`,
    resources: [
      { ...resource(stack, "pulumi:pulumi:Stack", `demo-${stack}`, {}), custom: false },
      resource(stack, ROLE, `api-${stack}-role`, { name: `api-${stack}-role-1a2b3c4`, assumeRolePolicy: "{}" }),
      resource(stack, "aws:s3/bucket:Bucket", `assets-${tok}`, { bucket: `assets-${tok}-9f59db4` }),
    ],
  });

  it("dashed stack names, aliases and the root stack: same deployment is clean", () => {
    const fs = compareSnapshots(
      [
        normaliseSnapshot(snap("staging", "shop-stg-eu", "stg"), r),
        normaliseSnapshot(snap("prod", "shop-prd-eu", "prd"), r),
      ],
      r,
      NOW,
    );
    expect(fs.filter((f) => f.status !== "pass")).toEqual([]);
    const keys = [...normaliseSnapshot(snap("prod", "shop-prd-eu", "prd"), r).resources.keys()];
    expect(keys).toEqual(["pulumi:pulumi:Stack::stack", `${ROLE}::api-role`, "aws:s3/bucket:Bucket::assets"]);
  });

  it("pairs same type and name under different parent types, whatever the file order", () => {
    const kid = (e: E, parentType: string, size: number): SnapshotResource => ({
      ...resource(e, "aws:sqs/queue:Queue", `${e}-q`, { size }),
      urn: `urn:pulumi:${e}::demo::${parentType}$aws:sqs/queue:Queue::${e}-q`,
      parent: `urn:pulumi:${e}::demo::${parentType}::${e}-c`,
    });
    const dev = [kid("dev", "demo:a:A", 1), kid("dev", "demo:b:B", 2)];
    const prod = [kid("prod", "demo:b:B", 2), kid("prod", "demo:a:A", 1)];
    expect(fails(diff([snapshot("dev", dev), snapshot("prod", prod)]))).toEqual([]);
    // and a duplicate name with the same parent chain is numbered by content, not by position
    const dup = (e: E, order: number[]) => order.map((n) => resource(e, FN, `${e}-f`, { n }));
    expect(fails(diff([snapshot("dev", dup("dev", [1, 2])), snapshot("prod", dup("prod", [1, 2]))]))).toEqual([]);
  });
});

describe("values that cannot be compared are never equal, secrets never printed", () => {
  it("unknown in every environment is indeterminate", () => {
    const s = (e: E) => snapshot(e, [resource(e, FN, `${e}-f`, { arn: UNKNOWN, nested: { v: UNKNOWN } })]);
    const fs = diff([s("dev"), s("prod")]);
    expect(
      fs
        .filter((f) => f.status === "indeterminate")
        .map((f) => f.path)
        .sort(),
    ).toEqual(["arn", "nested.v"]);
  });

  it("unknown in every environment is decided only by an approval that allows anything in each environment", () => {
    const s = (e: E) => snapshot(e, [resource(e, FN, `${e}-f`, { arn: UNKNOWN, memorySize: UNKNOWN })]);
    const approval = (id: string, path: string, values: Record<string, unknown>) => ({
      id,
      type: FN,
      resource: "f",
      path,
      values,
      reason: "assigned by AWS on create",
      owner: "platform-team",
    });
    const r = rules({
      invariants: [],
      approvals: [
        approval("arn-any", "arn", { dev: { any: true }, prod: { any: true } }),
        approval("mem-narrow", "memorySize", { dev: 512, prod: 1024 }),
      ],
    });
    const fs = diff([s("dev"), s("prod")], r);
    expect(fs.find((f) => f.path === "arn")?.status).toBe("approved");
    expect(fs.find((f) => f.path === "memorySize")?.status).toBe("indeterminate");
  });

  it("a property secret on one side (additionalSecretOutputs, secret output, secret input) is [secret] on every side", () => {
    const dev = snapshot("dev", [
      {
        ...resource("dev", FN, "dev-f", {
          password: "hunter2-dev",
          token: "tok-dev",
          key: { [SIG_KEY]: SECRET_SIG, ciphertext: "v1:x" },
        }),
        additionalSecretOutputs: ["password"],
      },
    ]);
    const prod = snapshot("prod", [
      {
        ...resource("prod", FN, "prod-f", { password: "hunter2-prod", token: "tok-prod", key: "plain-prod-key" }),
        outputs: { token: { [SIG_KEY]: SECRET_SIG, ciphertext: "v1:y" } },
      },
    ]);
    const fs = diff([dev, prod]);
    const json = JSON.stringify(fs);
    for (const s of ["hunter2", "tok-", "plain-prod-key"]) expect(json).not.toContain(s);
    expect(fails(fs)).toEqual([]);
  });

  it("the same ciphertext in two environments' stack configs is reported, without the ciphertext", () => {
    const cfg = (e: E, ct: string) =>
      snapshot(e, [], {
        source: "config",
        origin: `Pulumi.${e}.yaml`,
        config: { "demo:dbPassword": { [SIG_KEY]: SECRET_SIG, ciphertext: ct } },
      });
    const fs = fails(diff([cfg("dev", "v1:AAAAsame"), cfg("prod", "v1:AAAAsame")]));
    expect(fs.map((f) => [f.ruleId, f.environments])).toEqual([["parity-shared-secret-ciphertext", ["dev", "prod"]]]);
    expect(JSON.stringify(fs)).not.toContain("AAAAsame");
    expect(fails(diff([cfg("dev", "v1:a"), cfg("prod", "v1:b")]))).toEqual([]);
  });
});

describe("comparison semantics", () => {
  const BUCKET = "aws:s3/bucket:Bucket";
  it("tagsAll is folded into tags: one finding, governed by the approvals on tags", () => {
    const s = (e: E, team: string) =>
      snapshot(e, [
        resource(e, BUCKET, `${e}-b`, { tags: { Team: team }, tagsAll: { Team: team, Managed: "pulumi" } }),
      ]);
    const fs = fails(diff([s("dev", "a"), s("prod", "b")]));
    expect(fs.map((f) => f.path)).toEqual(["tags.Team"]);
    const approved = diff(
      [s("dev", "a"), s("prod", "b")],
      rules({
        invariants: [],
        approvals: [
          {
            id: "team-tags",
            type: BUCKET,
            resource: "*",
            path: "tags.Team",
            values: { dev: "a", prod: "b" },
            reason: "teams own their own buckets",
            owner: "platform-team",
          },
        ],
      }),
    );
    expect(fails(approved)).toEqual([]);
    expect(approved.filter((f) => f.status === "approved").map((f) => f.path)).toEqual(["tags.Team"]);
  });

  it("set-typed properties compare as sets; a different member is still a difference", () => {
    const T = "aws:dynamodb/table:Table";
    const s = (e: E, attrs: unknown[], arns: string[]) =>
      snapshot(e, [
        resource(e, T, `${e}-t`, { attributes: attrs }),
        resource(e, ROLE, `${e}-r`, { managedPolicyArns: arns }),
      ]);
    const a = [
      { name: "id", type: "S" },
      { name: "ts", type: "N" },
    ];
    const p = ["arn:aws:iam::aws:policy/A", "arn:aws:iam::aws:policy/B"];
    expect(fails(diff([s("dev", a, p), s("prod", [...a].reverse(), [...p].reverse())]))).toEqual([]);
    const changed = fails(
      diff([s("dev", a, p), s("prod", a, ["arn:aws:iam::aws:policy/A", "arn:aws:iam::aws:policy/C"])]),
    );
    expect(changed.map((f) => f.path)).toEqual(["managedPolicyArns.1"]);
  });
});

describe("CIDR overlap", () => {
  const vpcs = (e: E, n: number, second: number) =>
    Array.from({ length: n }, (_, i) =>
      resource(e, VPC, `${e}-vpc-${i}`, { cidrBlock: `10.${second}.${i % 256}.0/24` }),
    );

  it("250 VPCs per environment: one finding per environment pair, no stack overflow", () => {
    const fs = diff([
      snapshot("dev", vpcs("dev", 250, 1)),
      snapshot("staging", vpcs("staging", 250, 1)),
      snapshot("prod", vpcs("prod", 250, 2)),
    ]);
    const overlaps = fs.filter((f) => f.ruleId === "parity-network-cidr-overlap");
    expect(overlaps.map((f) => [f.status, f.environments])).toEqual([["fail", ["dev", "staging"]]]);
    expect(overlaps[0].message).toContain("250 dev and 250 staging ranges overlap");
  });

  it("is approvable for a pair of environments", () => {
    const r = rules({
      invariants: [],
      approvals: [
        {
          id: "shared-range",
          type: VPC,
          resource: "*",
          path: CIDR_OVERLAP_PATH,
          values: { dev: { any: true }, staging: { any: true } },
          reason: "never peered",
          owner: "net",
        },
      ],
    });
    const fs = diff(
      [
        snapshot("dev", vpcs("dev", 3, 1)),
        snapshot("staging", vpcs("staging", 3, 1)),
        snapshot("prod", vpcs("prod", 3, 1)),
      ],
      r,
    );
    const overlaps = fs.filter((f) => f.ruleId === "parity-network-cidr-overlap");
    expect(overlaps.map((f) => [f.status, f.environments.join("+")]).sort()).toEqual([
      ["approved", "dev+staging"],
      ["fail", "dev+prod"],
      ["fail", "prod+staging"],
    ]);
  });
});
