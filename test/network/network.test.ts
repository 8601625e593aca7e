/** The Network component under Pulumi mocks, for the reference CIDRs and every egress mode. */
import { Naming } from "../../infra/components/naming";
import {
  AL2023_AMI_NAME, availabilityZoneIdsFor, checkedAl2023ImageId, DEFAULT_INTERFACE_ENDPOINTS, Network, natInstanceUserData, subnetLayout, type NetworkArgs,
} from "../../infra/components/network";
import { cidrContains, cidrsOverlap } from "../../consistency-rules/src/cidr";
import { MOCK_AL2023_AMI, planUnderMocks, type Plan, type PlannedResource } from "../payments/mock-plan";

const REFERENCE = [
  { env: "dev", region: "us-east-2", cidr: "10.2.0.0/16" },
  // DESIGN.md puts reference staging in us-west-1, which offers new accounts only 2 AZs (see docs/networking.md)
  { env: "staging", region: "us-west-2", cidr: "10.1.0.0/16" },
  { env: "prod", region: "us-east-1", cidr: "10.0.0.0/16" },
] as const;

function plan(env: string, region: string, args: Omit<NetworkArgs, "naming" | "region" | "tags">): Promise<Plan> {
  const naming = new Naming({ env, service: "ingest", environmentSuffix: "x1", accountId: "111111111111", region });
  return planUnderMocks("data-platform", env, { "aws:region": region }, () => {
    new Network(naming.resource("network"), { naming, region, tags: { Environment: env }, ...args });
  });
}

const SG_TYPES = ["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:ec2/securityGroup:SecurityGroup"];
function openIngress(p: Plan): PlannedResource[] {
  return p.resources.filter((r) => SG_TYPES.includes(r.type)).filter((r) => {
    const inline = (r.inputs.ingress as { cidrBlocks?: string[]; ipv6CidrBlocks?: string[] }[] | undefined) ?? [];
    return r.inputs.cidrIpv4 === "0.0.0.0/0" || r.inputs.cidrIpv6 === "::/0"
      || inline.some((i) => i.cidrBlocks?.includes("0.0.0.0/0") || i.ipv6CidrBlocks?.includes("::/0"));
  }).filter((r) => r.type !== "aws:ec2/securityGroup:SecurityGroup" || r.inputs.ingress !== undefined);
}

describe("Network: reference stacks (endpoints mode)", () => {
  for (const ref of REFERENCE) {
    it(`${ref.env}: VPC ${ref.cidr}, 3 private subnets in 3 AZs, no internet path, endpoints with private DNS`, async () => {
      const p = await plan(ref.env, ref.region, { cidrBlock: ref.cidr, egress: "endpoints" });
      const vpc = p.one("aws:ec2/vpc:Vpc", "-vpc");
      expect(vpc.name).toBe(`${ref.env}-ingest-vpc`);
      expect(vpc.inputs).toMatchObject({ cidrBlock: ref.cidr, enableDnsHostnames: true, enableDnsSupport: true });
      expect(vpc.inputs.tags).toMatchObject({ Name: `${ref.env}-ingest-vpc-x1`, Environment: ref.env });

      const subnets = p.byType("aws:ec2/subnet:Subnet");
      expect(subnets.map((s) => s.name)).toEqual([1, 2, 3].map((i) => `${ref.env}-ingest-private-subnet-${i}`));
      expect(new Set(subnets.map((s) => s.inputs.availabilityZoneId)).size).toBe(3);
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
      expect(iface.map((e) => e.inputs.serviceName).sort()).toEqual(DEFAULT_INTERFACE_ENDPOINTS.map((s) => `com.amazonaws.${ref.region}.${s}`).sort());
      for (const e of iface) {
        expect(e.inputs.privateDnsEnabled).toBe(true);
        expect(e.inputs.subnetIds).toHaveLength(3);
        expect(e.inputs.securityGroupIds).toEqual([`${ref.env}-ingest-endpoint-sg-id`]);
      }

      // endpoint SG: 443 from the VPC only; app SG: no ingress at all, HTTPS egress only inside the VPC
      const ingress = p.byType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
      expect(ingress.map((r) => r.inputs)).toEqual([expect.objectContaining({
        securityGroupId: `${ref.env}-ingest-endpoint-sg-id`, ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: ref.cidr,
      })]);
      const egress = p.byType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule");
      expect(egress.every((r) => r.inputs.securityGroupId === `${ref.env}-ingest-app-sg-id` && r.inputs.fromPort === 443)).toBe(true);
      expect(egress.find((r) => r.inputs.cidrIpv4)?.inputs.cidrIpv4).toBe(ref.cidr);
      expect(egress.filter((r) => r.inputs.prefixListId).map((r) => r.inputs.prefixListId).sort())
        .toEqual([`${ref.env}-ingest-dynamodb-endpoint`, `${ref.env}-ingest-s3-endpoint`].map((n) => `pl-${n}`));
      expect(openIngress(p)).toEqual([]);
      // the default SG is emptied
      expect(p.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "-default-sg").inputs.ingress).toBeUndefined();
      expect(p.calls).toEqual([]); // no invokes: everything is known at preview
    });
  }

  it("reference ranges are pairwise disjoint", () => {
    for (const a of REFERENCE) for (const b of REFERENCE) if (a !== b) expect(cidrsOverlap(a.cidr, b.cidr)).toBe(false);
  });
});

describe("Network: NAT modes", () => {
  it("nat-gateway per-az: public subnets, IGW, one EIP + NAT gateway per AZ, each private route to its own AZ's gateway", async () => {
    const p = await plan("prod", "us-east-1", { cidrBlock: "10.0.0.0/16", egress: "nat-gateway", natGateways: "per-az" });
    expect(p.byType("aws:ec2/subnet:Subnet").filter((s) => s.name.includes("public"))).toHaveLength(3);
    expect(p.byType("aws:ec2/internetGateway:InternetGateway")).toHaveLength(1);
    const gws = p.byType("aws:ec2/natGateway:NatGateway");
    expect(gws.map((g) => g.inputs.subnetId)).toEqual([1, 2, 3].map((i) => `prod-ingest-public-subnet-${i}-id`));
    expect(p.byType("aws:ec2/eip:Eip").map((e) => e.inputs.domain)).toEqual(["vpc", "vpc", "vpc"]);
    const routes = p.byType("aws:ec2/route:Route").filter((r) => r.name.includes("private-default-route"));
    expect(routes.map((r) => [r.inputs.routeTableId, r.inputs.natGatewayId])).toEqual([1, 2, 3].map((i) => [`prod-ingest-private-rt-${i}-id`, `prod-ingest-nat-gateway-${i}-id`]));
    expect(p.byType("aws:ec2/vpcEndpoint:VpcEndpoint").every((e) => e.inputs.vpcEndpointType === "Gateway")).toBe(true);
    expect(p.find("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "app-sg-https-out")?.inputs.cidrIpv4).toBe("0.0.0.0/0");
    expect(openIngress(p)).toEqual([]);
  });

  it("nat-gateway single: one gateway, every private route uses it", async () => {
    const p = await plan("staging", "us-west-2", { cidrBlock: "10.1.0.0/16", egress: "nat-gateway", natGateways: "single" });
    expect(p.byType("aws:ec2/natGateway:NatGateway").map((g) => g.name)).toEqual(["staging-ingest-nat-gateway-1"]);
    const routes = p.byType("aws:ec2/route:Route").filter((r) => r.name.includes("private-default-route"));
    expect(routes.map((r) => r.inputs.natGatewayId)).toEqual(Array(3).fill("staging-ingest-nat-gateway-1-id"));
  });

  it("nat-instance: AL2023 x86_64 image owned by amazon, source/dest check off, masquerade user data, IMDSv2, routes via its ENI", async () => {
    const p = await plan("dev", "eu-west-1", { cidrBlock: "10.2.0.0/16", egress: "nat-instance" });
    expect(p.byType("aws:ec2/natGateway:NatGateway")).toHaveLength(0);
    const ami = p.calls.filter((c) => c.token === "aws:ec2/getAmi:getAmi");
    expect(ami).toHaveLength(1);
    expect(ami[0].inputs).toMatchObject({ owners: ["amazon"], mostRecent: true });
    expect(ami[0].inputs.filters).toEqual(expect.arrayContaining([{ name: "name", values: [AL2023_AMI_NAME] }, { name: "architecture", values: ["x86_64"] }]));
    const inst = p.one("aws:ec2/instance:Instance", "-nat-instance");
    expect(inst.inputs).toMatchObject({
      ami: MOCK_AL2023_AMI.id, sourceDestCheck: false, associatePublicIpAddress: true, subnetId: "dev-ingest-public-subnet-1-id",
      metadataOptions: { httpTokens: "required" }, rootBlockDevice: { encrypted: true },
    });
    expect(inst.ignoreChanges).toEqual(["ami"]);
    expect(inst.inputs.userData).toBe(natInstanceUserData("10.2.0.0/16"));
    expect(inst.inputs.userData).toMatch(/iptables -t nat -A POSTROUTING .* -s 10\.2\.0\.0\/16 -j MASQUERADE/);
    expect(inst.inputs.userData).toMatch(/net\.ipv4\.ip_forward = 1/);
    const routes = p.byType("aws:ec2/route:Route").filter((r) => r.name.includes("private-default-route"));
    expect(routes.map((r) => r.inputs.networkInterfaceId)).toEqual(Array(3).fill("eni-dev-ingest-nat-instance"));
    // NAT SG: ingress only from the VPC
    const natIn = p.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "nat-sg-vpc-in");
    expect(natIn.inputs).toMatchObject({ cidrIpv4: "10.2.0.0/16", ipProtocol: "-1" });
    expect(openIngress(p)).toEqual([]);
  });

  it("nat-instance with a pinned AMI makes no invoke and does not ignore ami changes", async () => {
    const p = await plan("dev", "eu-west-1", { cidrBlock: "10.2.0.0/16", egress: "nat-instance", natInstance: { amiId: "ami-0pinned000000000" } });
    expect(p.calls).toEqual([]);
    const inst = p.one("aws:ec2/instance:Instance", "-nat-instance");
    expect(inst.inputs.ami).toBe("ami-0pinned000000000");
    expect(inst.ignoreChanges).toEqual([]);
  });

  it("a lookup that does not return an AL2023 image is refused instead of launching something else", () => {
    expect(checkedAl2023ImageId(MOCK_AL2023_AMI, "eu-west-1")).toBe(MOCK_AL2023_AMI.id);
    expect(() => checkedAl2023ImageId({ id: "ami-123", name: "amzn-ami-vpc-nat-2018.03.0.20230607.0-x86_64-ebs" }, "eu-west-1"))
      .toThrow(/not an al2023-ami-2023\.\* image/);
    expect(() => checkedAl2023ImageId({}, "eu-west-1")).toThrow(/returned \{\}/);
  });
});

describe("Network: pure helpers and argument errors", () => {
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
  it("NAT modes need public subnets", async () => {
    await expect(plan("dev", "eu-west-1", { cidrBlock: "10.2.0.0/16", egress: "nat-gateway", publicSubnets: false })).rejects.toThrow(/needs public subnets/);
  });
});
