import fc from "fast-check";
import {
  checkCidrOverlaps,
  cidrContains,
  cidrsOverlap,
  findCidrOverlaps,
  parseIpv4Cidr,
  subnetCidr,
} from "../../consistency-rules/src/cidr";
import { InputError } from "../../consistency-rules/src/errors";
import type { Snapshot } from "../../consistency-rules/src/model";
import { UNKNOWN } from "../../consistency-rules/src/sentinels";

const snap = (env: string, ...cidrs: unknown[]): Snapshot => ({
  context: { env, stack: env, project: "p" },
  source: "plan",
  origin: `Pulumi.${env}.yaml`,
  resources: cidrs.map((c, i) => ({
    urn: `urn:pulumi:${env}::p::aws:ec2/vpc:Vpc::${env}-x-vpc-${i}`,
    type: "aws:ec2/vpc:Vpc",
    name: `${env}-x-vpc-${i}`,
    custom: true,
    dependencies: [],
    props: { cidrBlock: c },
  })),
});

describe("cidr arithmetic", () => {
  it("parses, refuses host bits and garbage with the text in the message", () => {
    expect(parseIpv4Cidr("10.2.0.0/16")).toMatchObject({
      prefix: 16,
      last: parseIpv4Cidr("10.2.0.0/16").first + 65535,
    });
    expect(() => parseIpv4Cidr("10.2.0.1/16")).toThrow(/host bits set \(network address is 10\.2\.0\.0\/16\)/);
    expect(() => parseIpv4Cidr("10.2.0.0")).toThrow(/"10\.2\.0\.0" is not an IPv4 CIDR/);
  });
  it("carves subnets like cidrsubnet and refuses out-of-range indexes", () => {
    expect(subnetCidr("10.2.0.0/16", 20, 1)).toBe("10.2.16.0/20");
    expect(subnetCidr("10.2.128.0/20", 24, 2)).toBe("10.2.130.0/24");
    expect(() => subnetCidr("10.2.0.0/16", 20, 16)).toThrow(/16 \/20 blocks/);
    expect(() => subnetCidr("10.2.0.0/16", 8, 0)).toThrow(/cannot carve/);
  });
  it("overlap is symmetric and equals containment for nested blocks (property)", () => {
    const cidr = fc.tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 8, max: 30 })).map(([ip, p]) => {
      const size = 2 ** (32 - p);
      const net = ip - (ip % size);
      return `${[24, 16, 8, 0].map((s) => Math.floor(net / 2 ** s) % 256).join(".")}/${p}`;
    });
    fc.assert(
      fc.property(cidr, cidr, (a, b) => {
        expect(cidrsOverlap(a, b)).toBe(cidrsOverlap(b, a));
        // CIDR blocks either nest or are disjoint
        expect(cidrsOverlap(a, b)).toBe(cidrContains(a, b) || cidrContains(b, a));
      }),
    );
  });
  it("finds overlaps only across environments", () => {
    expect(
      findCidrOverlaps([
        { env: "dev", cidr: "10.0.0.0/16" },
        { env: "dev", cidr: "10.0.0.0/20" },
      ]),
    ).toEqual([]);
    expect(
      findCidrOverlaps([
        { env: "dev", cidr: "10.0.0.0/8" },
        { env: "prod", cidr: "10.5.0.0/16" },
      ]),
    ).toHaveLength(1);
  });
});

describe("checkCidrOverlaps (gate check parity-network-cidr-overlap)", () => {
  it("passes disjoint environments", () => {
    const f = checkCidrOverlaps([
      snap("dev", "10.2.0.0/16"),
      snap("staging", "10.1.0.0/16"),
      snap("prod", "10.0.0.0/16"),
    ]);
    expect(f).toEqual([
      expect.objectContaining({
        ruleId: "parity-network-cidr-overlap",
        status: "pass",
        values: { dev: "10.2.0.0/16", staging: "10.1.0.0/16", prod: "10.0.0.0/16" },
      }),
    ]);
  });
  it("fails each overlapping pair, naming both environments and ranges", () => {
    const f = checkCidrOverlaps([
      snap("dev", "10.0.0.0/8"),
      snap("staging", "10.1.0.0/16"),
      snap("prod", "172.16.0.0/12"),
    ]);
    expect(f).toEqual([
      expect.objectContaining({
        status: "fail",
        kind: "parity",
        environments: ["dev", "staging"],
        values: { dev: "10.0.0.0/8", staging: "10.1.0.0/16" },
        file: "Pulumi.dev.yaml",
      }),
    ]);
    expect(f[0].message).toMatch(/^dev 10\.0\.0\.0\/8 overlaps staging 10\.1\.0\.0\/16/);
  });
  it("is indeterminate (never pass) when a range is unknown at preview", () => {
    const f = checkCidrOverlaps([snap("dev", UNKNOWN), snap("prod", "10.0.0.0/16")]);
    expect(f.map((x) => x.status)).toEqual(["indeterminate"]);
  });
  it("bad input is one InputError naming the file and the resource", () => {
    expect(() => checkCidrOverlaps([snap("dev", "10.0.0.300/16")])).toThrow(InputError);
    expect(() => checkCidrOverlaps([snap("dev", 42)])).toThrow(
      /^Pulumi\.dev\.yaml: urn:pulumi:dev::p::aws:ec2\/vpc:Vpc::dev-x-vpc-0\.cidrBlock must be an IPv4 CIDR string, got 42$/,
    );
  });
});
