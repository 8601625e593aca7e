/**
 * The Network component, planned by the shared offline planner (cli/sources/plan, which runs a program under
 * `pulumi.runtime.setMocks` as the language host would run it) from a fixture project that imports the library as a
 * package, with one stack per case (test/components/fixtures/network/Pulumi.<case>.yaml): the reference CIDRs and
 * every egress mode.
 */
import * as path from "node:path";
import { availabilityZoneIdsFor, DEFAULT_INTERFACE_ENDPOINTS, subnetLayout } from "@env-parity/components";
import { AL2023_AMI_NAME, checkedAl2023ImageId, natInstanceUserData } from "../../components/network";
import { cidrContains, cidrsOverlap } from "../../consistency-rules/src/cidr";
import { UNKNOWN } from "../../consistency-rules/src/sentinels";
import type { Snapshot, SnapshotResource } from "../../consistency-rules/src/model";
import { planAll } from "../../cli/sources/plan";
import { MOCK_AL2023_IMAGES } from "../../cli/sources/plan-worker";

const FIXTURE = path.join(__dirname, "fixtures", "network");
const REFERENCE = [
  { stack: "ref-dev", env: "dev", region: "us-east-2", cidr: "10.2.0.0/16" },
  // DESIGN.md puts reference staging in us-west-1, which offers new accounts only 2 AZs (see docs/networking.md)
  { stack: "ref-staging", env: "staging", region: "us-west-2", cidr: "10.1.0.0/16" },
  { stack: "ref-prod", env: "prod", region: "us-east-1", cidr: "10.0.0.0/16" },
] as const;
const CASES = [...REFERENCE.map((r) => r.stack), "per-az", "single", "nat-instance", "pinned-ami", "no-public"];

const planned = new Map<string, PromiseSettledResult<Snapshot>>();
beforeAll(async () => {
  const settled = await planAll(CASES.map((stack) => ({ projectDir: FIXTURE, stack })));
  CASES.forEach((c, i) => planned.set(c, settled[i]));
}, 180_000);

type P = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Plan {
  byType(type: string): (SnapshotResource & { inputs: P })[];
  one(type: string, suffix: string): SnapshotResource & { inputs: P };
}
function plan(stack: string): Plan {
  const r = planned.get(stack);
  if (!r || r.status === "rejected")
    throw new Error(`stack ${stack} did not plan: ${String((r as PromiseRejectedResult | undefined)?.reason)}`);
  const resources = r.value.resources.filter((x) => x.custom).map((x) => ({ ...x, inputs: x.props as P }));
  const byType = (type: string) => resources.filter((x) => x.type === type);
  return {
    byType,
    one: (type, suffix) => {
      const found = byType(type).find((x) => x.name.endsWith(suffix));
      if (!found)
        throw new Error(
          `no ${type} named *${suffix} in ${stack}: ${
            byType(type)
              .map((x) => x.name)
              .join(", ") || "none"
          }`,
        );
      return found;
    },
  };
}
const ignoreChangesOf = (r: SnapshotResource) => (r as { ignoreChanges?: readonly string[] }).ignoreChanges ?? [];

const SG_TYPES = ["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:ec2/securityGroup:SecurityGroup"];
function openIngress(p: Plan): SnapshotResource[] {
  return SG_TYPES.flatMap((t) => p.byType(t)).filter((r) => {
    const inline = (r.inputs.ingress as { cidrBlocks?: string[]; ipv6CidrBlocks?: string[] }[] | undefined) ?? [];
    return (
      r.inputs.cidrIpv4 === "0.0.0.0/0" ||
      r.inputs.cidrIpv6 === "::/0" ||
      inline.some((i) => i.cidrBlocks?.includes("0.0.0.0/0") || i.ipv6CidrBlocks?.includes("::/0"))
    );
  });
}

describe("Network: reference stacks (endpoints mode)", () => {
  it.each(REFERENCE)(
    "$env: VPC $cidr, 3 private subnets in 3 AZs, no internet path, endpoints with private DNS",
    (ref) => {
      const p = plan(ref.stack);
      const vpc = p.one("aws:ec2/vpc:Vpc", "-vpc");
      expect(vpc.name).toBe(`${ref.env}-ingest-vpc`);
      expect(vpc.inputs).toMatchObject({ cidrBlock: ref.cidr, enableDnsHostnames: true, enableDnsSupport: true });
      expect(vpc.inputs.tags).toMatchObject({ Name: `${ref.env}-ingest-vpc-x1`, Environment: ref.env });

      const subnets = p.byType("aws:ec2/subnet:Subnet");
      expect(subnets.map((s) => s.name)).toEqual([1, 2, 3].map((i) => `${ref.env}-ingest-private-subnet-${i}`));
      expect(subnets.map((s) => s.inputs.availabilityZoneId)).toEqual(availabilityZoneIdsFor(ref.region, 3));
      for (const s of subnets) {
        expect(cidrContains(ref.cidr, s.inputs.cidrBlock as string)).toBe(true);
        expect(s.inputs.mapPublicIpOnLaunch).toBe(false);
      }
      // no internet: no IGW, no NAT, no default route
      expect(p.byType("aws:ec2/internetGateway:InternetGateway")).toHaveLength(0);
      expect(p.byType("aws:ec2/natGateway:NatGateway")).toHaveLength(0);
      expect(p.byType("aws:ec2/instance:Instance")).toHaveLength(0);
      expect(p.byType("aws:ec2/route:Route")).toHaveLength(0);

      const endpoints = p.byType("aws:ec2/vpcEndpoint:VpcEndpoint");
      const gateway = endpoints.filter((e) => e.inputs.vpcEndpointType === "Gateway").map((e) => e.inputs.serviceName);
      expect(gateway.sort()).toEqual([`com.amazonaws.${ref.region}.dynamodb`, `com.amazonaws.${ref.region}.s3`]);
      const iface = endpoints.filter((e) => e.inputs.vpcEndpointType === "Interface");
      expect(iface.map((e) => e.inputs.serviceName).sort()).toEqual(
        DEFAULT_INTERFACE_ENDPOINTS.map((s) => `com.amazonaws.${ref.region}.${s}`).sort(),
      );
      for (const e of iface) {
        expect(e.inputs.privateDnsEnabled).toBe(true);
        expect(e.inputs.subnetIds).toHaveLength(3);
        expect(e.inputs.securityGroupIds).toEqual([`${ref.env}-ingest-endpoint-sg-id`]);
      }

      // endpoint SG: 443 from the VPC only; app SG: no ingress at all, HTTPS egress only inside the VPC + prefix lists
      const ingress = p.byType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
      expect(ingress.map((r) => r.inputs)).toEqual([
        expect.objectContaining({
          securityGroupId: `${ref.env}-ingest-endpoint-sg-id`,
          ipProtocol: "tcp",
          fromPort: 443,
          toPort: 443,
          cidrIpv4: ref.cidr,
        }),
      ]);
      const egress = p.byType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule");
      expect(
        egress.every((r) => r.inputs.securityGroupId === `${ref.env}-ingest-app-sg-id` && r.inputs.fromPort === 443),
      ).toBe(true);
      expect(egress.filter((r) => r.inputs.cidrIpv4).map((r) => r.inputs.cidrIpv4)).toEqual([ref.cidr]);
      // prefix-list ids are outputs of the gateway endpoints: unknown at preview, wired to them
      const viaPrefixList = egress.filter((r) => r.inputs.prefixListId !== undefined);
      expect(viaPrefixList.map((r) => r.name).sort()).toEqual([
        `${ref.env}-ingest-app-sg-dynamodb-out`,
        `${ref.env}-ingest-app-sg-s3-out`,
      ]);
      expect(openIngress(p)).toEqual([]);
      // the default SG is emptied
      expect(p.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "-default-sg").inputs.ingress).toBeUndefined();
    },
  );

  it("reference ranges are pairwise disjoint", () => {
    for (const a of REFERENCE) for (const b of REFERENCE) if (a !== b) expect(cidrsOverlap(a.cidr, b.cidr)).toBe(false);
  });
});

describe("Network: NAT modes", () => {
  it("nat-gateway per-az: public subnets, IGW, one EIP + NAT gateway per AZ, each private route to its own AZ's gateway", () => {
    const p = plan("per-az");
    expect(p.byType("aws:ec2/subnet:Subnet").filter((s) => s.name.includes("public"))).toHaveLength(3);
    expect(p.byType("aws:ec2/internetGateway:InternetGateway")).toHaveLength(1);
    const gws = p.byType("aws:ec2/natGateway:NatGateway");
    expect(gws.map((g) => g.inputs.subnetId)).toEqual([1, 2, 3].map((i) => `prod-ingest-public-subnet-${i}-id`));
    expect(p.byType("aws:ec2/eip:Eip").map((e) => e.inputs.domain)).toEqual(["vpc", "vpc", "vpc"]);
    const routes = p.byType("aws:ec2/route:Route").filter((r) => r.name.includes("private-default-route"));
    expect(routes.map((r) => [r.inputs.routeTableId, r.inputs.natGatewayId])).toEqual(
      [1, 2, 3].map((i) => [`prod-ingest-private-rt-${i}-id`, `prod-ingest-nat-gateway-${i}-id`]),
    );
    expect(p.byType("aws:ec2/vpcEndpoint:VpcEndpoint").every((e) => e.inputs.vpcEndpointType === "Gateway")).toBe(true);
    expect(p.one("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "app-sg-https-out").inputs.cidrIpv4).toBe(
      "0.0.0.0/0",
    );
    expect(openIngress(p)).toEqual([]);
  });

  it("nat-gateway single: one gateway, every private route uses it", () => {
    const p = plan("single");
    expect(p.byType("aws:ec2/natGateway:NatGateway").map((g) => g.name)).toEqual(["staging-ingest-nat-gateway-1"]);
    const routes = p.byType("aws:ec2/route:Route").filter((r) => r.name.includes("private-default-route"));
    expect(routes.map((r) => r.inputs.natGatewayId)).toEqual(Array(3).fill("staging-ingest-nat-gateway-1-id"));
  });

  it("nat-instance: AL2023 x86_64 image from amazon, source/dest check off, masquerade user data, IMDSv2, ami changes ignored, routes via its ENI", () => {
    const p = plan("nat-instance");
    expect(p.byType("aws:ec2/natGateway:NatGateway")).toHaveLength(0);
    const inst = p.one("aws:ec2/instance:Instance", "-nat-instance");
    // the planner answers getAmi only for AL2023 images owned by amazon, and per architecture: the x86_64 image id
    // proves the query (owner, name pattern, architecture) and the check of its answer
    expect(inst.inputs).toMatchObject({
      ami: MOCK_AL2023_IMAGES.x86_64.id,
      instanceType: "t3.micro",
      sourceDestCheck: false,
      associatePublicIpAddress: true,
      subnetId: "dev-ingest-public-subnet-1-id",
      metadataOptions: { httpTokens: "required" },
      rootBlockDevice: { encrypted: true },
    });
    expect(ignoreChangesOf(inst)).toEqual(["ami"]);
    expect(inst.inputs.userData).toBe(natInstanceUserData("10.2.0.0/16"));
    expect(inst.inputs.userData).toMatch(/iptables -t nat -A POSTROUTING .* -s 10\.2\.0\.0\/16 -j MASQUERADE/);
    expect(inst.inputs.userData).toMatch(/net\.ipv4\.ip_forward = 1/);
    // the ENI id is an output of the instance: unknown at preview, and each route depends on the instance
    const routes = p.byType("aws:ec2/route:Route").filter((r) => r.name.includes("private-default-route"));
    expect(routes.map((r) => r.inputs.networkInterfaceId)).toEqual(Array(3).fill(UNKNOWN));
    for (const r of routes) expect(r.dependencies).toContain(inst.urn);
    // NAT SG: ingress only from the VPC
    expect(p.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "nat-sg-vpc-in").inputs).toMatchObject({
      cidrIpv4: "10.2.0.0/16",
      ipProtocol: "-1",
    });
    expect(openIngress(p)).toEqual([]);
  });

  it("nat-instance with a pinned AMI uses it and does not ignore ami changes", () => {
    const inst = plan("pinned-ami").one("aws:ec2/instance:Instance", "-nat-instance");
    expect(inst.inputs.ami).toBe("ami-0pinned000000000");
    expect(ignoreChangesOf(inst)).toEqual([]);
  });

  it("NAT modes need public subnets: the plan fails with one line", () => {
    const r = planned.get("no-public");
    expect(r?.status).toBe("rejected");
    expect(String((r as PromiseRejectedResult).reason)).toMatch(/needs public subnets/);
  });

  it("a lookup that does not return an AL2023 image is refused instead of launching something else", () => {
    const img = { id: MOCK_AL2023_IMAGES.x86_64.id, name: MOCK_AL2023_IMAGES.x86_64.name };
    expect(img.name).toMatch(new RegExp(`^${AL2023_AMI_NAME.replace(/\./g, "\\.").replace(/\*/g, ".*")}$`));
    expect(checkedAl2023ImageId(img, "eu-west-1")).toBe(img.id);
    expect(() =>
      checkedAl2023ImageId({ id: "ami-123", name: "amzn-ami-vpc-nat-2018.03.0.20230607.0-x86_64-ebs" }, "eu-west-1"),
    ).toThrow(/not an al2023-ami-2023\.\* image/);
    expect(() => checkedAl2023ImageId({}, "eu-west-1")).toThrow(/returned \{\}/);
  });
});

describe("Network: pure helpers", () => {
  it("derives 3 AZ IDs per region without invokes, and refuses regions it cannot serve", () => {
    expect(availabilityZoneIdsFor("us-east-1", 3)).toEqual(["use1-az1", "use1-az2", "use1-az4"]);
    expect(availabilityZoneIdsFor("eu-west-1", 3)).toEqual(["euw1-az1", "euw1-az2", "euw1-az3"]);
    expect(() => availabilityZoneIdsFor("us-west-1", 3)).toThrow(/us-west-1 offers 2 usable AZs/);
    expect(() => availabilityZoneIdsFor("mars-north-1", 3)).toThrow(/no AZ table entry/);
  });
  it("carves disjoint private /20s and public /24s from a /16", () => {
    const l = subnetLayout("10.2.0.0/16", 3);
    expect(l.privateCidrs).toEqual(["10.2.0.0/20", "10.2.16.0/20", "10.2.32.0/20"]);
    expect(l.publicCidrs).toEqual(["10.2.128.0/24", "10.2.129.0/24", "10.2.130.0/24"]);
    const all = [...l.privateCidrs, ...l.publicCidrs];
    for (const a of all) for (const b of all) if (a !== b) expect(cidrsOverlap(a, b)).toBe(false);
    expect(() => subnetLayout("10.2.0.0/24", 3)).toThrow(/too small/);
  });
});
