import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Naming } from "./naming";
import type { Tags } from "./tags";
import { subnetCidr, parseIpv4Cidr } from "../consistency-rules/src/cidr";

/**
 * How workloads in the private subnets reach AWS APIs and the internet.
 * - `endpoints`: no internet path at all; interface endpoints (private DNS) for the AWS APIs the workloads call.
 * - `nat-gateway`: managed NAT gateways in the public subnets (see {@link NatGatewayLayout}).
 * - `nat-instance`: one EC2 instance on Amazon Linux 2023 doing iptables masquerade (cheap; single point of failure).
 * In every mode S3 and DynamoDB are reached through *gateway* endpoints: they are free, and keep that traffic off NAT
 * data-processing charges and off the internet.
 */
export type EgressMode = "endpoints" | "nat-gateway" | "nat-instance";

/** `per-az`: one NAT gateway per AZ (an AZ outage does not cut egress of the others); `single`: one, shared. */
export type NatGatewayLayout = "per-az" | "single";

/** Interface endpoints created in `endpoints` mode by default: what Lambda-based services call besides S3/DynamoDB. */
export const DEFAULT_INTERFACE_ENDPOINTS: readonly string[] = ["sqs", "sns", "ssm", "logs", "sts", "xray"];

/** AMI name pattern of standard Amazon Linux 2023 x86_64 images (excludes the `minimal` variant). */
export const AL2023_AMI_NAME = "al2023-ami-2023.*-kernel-*-x86_64";

/**
 * Availability Zone *IDs* per region, in preference order. IDs (`use1-az1`) name the same physical zone in every
 * account, unlike names (`us-east-1a`), which AWS shuffles per account; a table keeps the program free of the
 * `getAvailabilityZones` invoke, so every subnet is fully known at preview and identical in code review.
 * Skipped on purpose: `use1-az3` (capacity-constrained, no new instance families), `usw1-az2` (closed to new accounts),
 * `cac1-az3` (closed to new accounts). A region that is not listed needs `availabilityZoneIds`.
 */
export const AVAILABILITY_ZONE_IDS: Readonly<Record<string, readonly string[]>> = {
  "us-east-1": ["use1-az1", "use1-az2", "use1-az4", "use1-az6", "use1-az5"],
  "us-east-2": ["use2-az1", "use2-az2", "use2-az3"],
  "us-west-1": ["usw1-az1", "usw1-az3"],
  "us-west-2": ["usw2-az1", "usw2-az2", "usw2-az3", "usw2-az4"],
  "ca-central-1": ["cac1-az1", "cac1-az2", "cac1-az4"],
  "eu-west-1": ["euw1-az1", "euw1-az2", "euw1-az3"],
  "eu-west-2": ["euw2-az1", "euw2-az2", "euw2-az3"],
  "eu-central-1": ["euc1-az1", "euc1-az2", "euc1-az3"],
  "eu-north-1": ["eun1-az1", "eun1-az2", "eun1-az3"],
  "ap-southeast-2": ["apse2-az1", "apse2-az2", "apse2-az3"],
  "ap-northeast-1": ["apne1-az1", "apne1-az2", "apne1-az4"],
};

/** The first `count` AZ IDs of `region`; throws a one-line error when the region is unknown or too small. */
export function availabilityZoneIdsFor(region: string, count: number): string[] {
  const ids = AVAILABILITY_ZONE_IDS[region];
  if (!ids) throw new Error(`network: region ${region} has no AZ table entry; pass availabilityZoneIds explicitly`);
  if (ids.length < count) {
    throw new Error(
      `network: region ${region} offers ${ids.length} usable AZs (${ids.join(", ")}), ${count} requested`,
    );
  }
  return ids.slice(0, count);
}

/**
 * Subnet layout of a VPC: the VPC is cut into 16 equal blocks; private subnet i is block i (a /20 of a /16: 4,091
 * usable addresses for Lambda ENIs and database instances); public subnets are small (block 8 cut into 16, a /24 of a
 * /16) because they only hold NAT gateways / the NAT instance and load balancers.
 */
export function subnetLayout(vpcCidr: string, azCount: number): { privateCidrs: string[]; publicCidrs: string[] } {
  const { prefix } = parseIpv4Cidr(vpcCidr);
  if (prefix > 20) throw new Error(`network: VPC ${vpcCidr} is too small; use /16 to /20`);
  const privateCidrs = Array.from({ length: azCount }, (_, i) => subnetCidr(vpcCidr, prefix + 4, i));
  const publicBlock = subnetCidr(vpcCidr, prefix + 4, 8);
  const publicCidrs = Array.from({ length: azCount }, (_, i) => subnetCidr(publicBlock, prefix + 8, i));
  return { privateCidrs, publicCidrs };
}

/**
 * The user data that turns a stock AL2023 instance into a NAT: enable forwarding, masquerade VPC traffic out of the
 * primary interface, drop the iptables-services default `REJECT` in FORWARD, persist. (The Amazon Linux NAT AMI
 * that used to do this is end-of-life.)
 */
export function natInstanceUserData(vpcCidr: string): string {
  return [
    "#!/bin/bash",
    "set -euo pipefail",
    "dnf install -y iptables-services",
    "systemctl enable --now iptables",
    "echo 'net.ipv4.ip_forward = 1' > /etc/sysctl.d/90-nat.conf",
    "sysctl --system",
    "IFACE=$(ip route show default | awk '{print $5; exit}')",
    `iptables -t nat -A POSTROUTING -o "$IFACE" -s ${vpcCidr} -j MASQUERADE`,
    "iptables -F FORWARD",
    "service iptables save",
    "",
  ].join("\n");
}

export interface NetworkArgs {
  /** Naming convention of the environment: Pulumi names `{env}-{service}-{resource}`, physical names plus the suffix. */
  readonly naming: Naming;
  /** Region of the stack's provider; a plain string because AZs and endpoint service names derive from it. */
  readonly region: string;
  /** VPC range, /16 to /20 (plain string: subnets are carved from it at program time). Disjoint across environments. */
  readonly cidrBlock: string;
  /** Number of AZs with one private (and optionally one public) subnet each. Default 3. */
  readonly azCount?: number;
  /** Overrides the AZ table ({@link AVAILABILITY_ZONE_IDS}); length must equal `azCount`. */
  readonly availabilityZoneIds?: readonly string[];
  /** Create public subnets with an internet gateway. Required by the NAT modes. Default: true unless `endpoints`. */
  readonly publicSubnets?: boolean;
  /** How the private subnets reach AWS APIs and the internet (see {@link EgressMode}). */
  readonly egress: EgressMode;
  /** For `nat-gateway`. Default `per-az`. */
  readonly natGateways?: NatGatewayLayout;
  /** For `nat-instance`. */
  readonly natInstance?: {
    /** x86_64 type (the AMI lookup is x86_64). Default `t3.micro`. */
    readonly instanceType?: string;
    /**
     * Pin the AMI. Without it the newest AL2023 x86_64 image owned by `amazon` is looked up (an invoke: resolved
     * during preview too, since its inputs are constants), and `ami` changes are ignored afterwards so a new AL2023
     * release never replaces the NAT (and cuts egress) as a side effect of an unrelated `pulumi up`.
     */
    readonly amiId?: pulumi.Input<string>;
  };
  /** Interface endpoints for `endpoints` mode. Default {@link DEFAULT_INTERFACE_ENDPOINTS}. */
  readonly interfaceEndpoints?: readonly string[];
  /** Tags for every taggable child (a `Name` tag is added per resource). */
  readonly tags?: Tags;
}

/**
 * A VPC for one environment: private subnets in `azCount` AZs, optional public subnets, egress per {@link EgressMode},
 * gateway endpoints for S3 and DynamoDB, and the security groups workloads use. No security group of it accepts
 * ingress from 0.0.0.0/0 or ::/0; the VPC's default security group is emptied.
 */
export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly cidrBlock: string;
  readonly availabilityZoneIds: readonly string[];
  readonly privateSubnetIds: pulumi.Output<string>[];
  readonly publicSubnetIds: pulumi.Output<string>[];
  readonly privateRouteTableIds: pulumi.Output<string>[];
  /** Security group for workloads (Lambda ENIs): no ingress; HTTPS egress (plus what other components add). */
  readonly appSecurityGroupId: pulumi.Output<string>;
  /** Security group of the interface endpoints: 443 from the VPC range only (`endpoints` mode). */
  readonly endpointSecurityGroupId?: pulumi.Output<string>;
  readonly natGatewayIds: pulumi.Output<string>[];
  readonly natInstanceId?: pulumi.Output<string>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("env-parity:network:Network", name, {}, opts);
    const n = args.naming;
    const physical = (resource: string) => n.physical(resource);
    const tags = (resource: string) => ({ ...(args.tags ?? {}), Name: physical(resource) });
    const child = { parent: this };

    const azCount = args.azCount ?? 3;
    const azIds = args.availabilityZoneIds
      ? [...args.availabilityZoneIds]
      : availabilityZoneIdsFor(args.region, azCount);
    if (azIds.length !== azCount)
      throw new Error(`network ${name}: ${azIds.length} availabilityZoneIds given for azCount ${azCount}`);
    const withPublic = args.publicSubnets ?? args.egress !== "endpoints";
    if (args.egress !== "endpoints" && !withPublic)
      throw new Error(`network ${name}: egress ${args.egress} needs public subnets`);
    const layout = subnetLayout(args.cidrBlock, azCount);
    this.cidrBlock = args.cidrBlock;
    this.availabilityZoneIds = azIds;

    const vpc = new aws.ec2.Vpc(
      n.resource(`vpc`),
      {
        cidrBlock: args.cidrBlock,
        enableDnsHostnames: true, // both needed for private DNS of interface endpoints
        enableDnsSupport: true,
        tags: tags("vpc"),
      },
      child,
    );
    this.vpcId = vpc.id;

    // Remove every rule from the VPC's default security group, so nothing can fall back to it.
    new aws.ec2.DefaultSecurityGroup(n.resource(`default-sg`), { vpcId: vpc.id, tags: tags("default-sg") }, child);

    const privateSubnets = azIds.map(
      (az, i) =>
        new aws.ec2.Subnet(
          n.resource(`private-subnet-${i + 1}`),
          {
            vpcId: vpc.id,
            cidrBlock: layout.privateCidrs[i],
            availabilityZoneId: az,
            mapPublicIpOnLaunch: false,
            tags: { ...tags(`private-subnet-${i + 1}`), Tier: "private" },
          },
          child,
        ),
    );
    this.privateSubnetIds = privateSubnets.map((s) => s.id);

    // One route table per private subnet: per-AZ NAT routes need it, and the other modes keep the same shape.
    const privateRouteTables = privateSubnets.map((s, i) => {
      const rt = new aws.ec2.RouteTable(
        n.resource(`private-rt-${i + 1}`),
        { vpcId: vpc.id, tags: tags(`private-rt-${i + 1}`) },
        child,
      );
      new aws.ec2.RouteTableAssociation(
        n.resource(`private-rta-${i + 1}`),
        { subnetId: s.id, routeTableId: rt.id },
        child,
      );
      return rt;
    });
    this.privateRouteTableIds = privateRouteTables.map((rt) => rt.id);

    let publicSubnets: aws.ec2.Subnet[] = [];
    if (withPublic) {
      const igw = new aws.ec2.InternetGateway(n.resource(`igw`), { vpcId: vpc.id, tags: tags("igw") }, child);
      const publicRt = new aws.ec2.RouteTable(
        n.resource(`public-rt`),
        { vpcId: vpc.id, tags: tags("public-rt") },
        child,
      );
      new aws.ec2.Route(
        n.resource(`public-default-route`),
        {
          routeTableId: publicRt.id,
          destinationCidrBlock: "0.0.0.0/0",
          gatewayId: igw.id,
        },
        child,
      );
      publicSubnets = azIds.map((az, i) => {
        const s = new aws.ec2.Subnet(
          n.resource(`public-subnet-${i + 1}`),
          {
            vpcId: vpc.id,
            cidrBlock: layout.publicCidrs[i],
            availabilityZoneId: az,
            mapPublicIpOnLaunch: false, // only NAT/load balancers live here, and they get addresses explicitly
            tags: { ...tags(`public-subnet-${i + 1}`), Tier: "public" },
          },
          child,
        );
        new aws.ec2.RouteTableAssociation(
          n.resource(`public-rta-${i + 1}`),
          { subnetId: s.id, routeTableId: publicRt.id },
          child,
        );
        return s;
      });
    }
    this.publicSubnetIds = publicSubnets.map((s) => s.id);

    // Gateway endpoints in every mode: free, and S3/DynamoDB traffic never crosses NAT or the internet.
    const gatewayEndpoints = ["s3", "dynamodb"].map(
      (svc) =>
        new aws.ec2.VpcEndpoint(
          n.resource(`${svc}-endpoint`),
          {
            vpcId: vpc.id,
            serviceName: `com.amazonaws.${args.region}.${svc}`,
            vpcEndpointType: "Gateway",
            routeTableIds: privateRouteTables.map((rt) => rt.id),
            tags: tags(`${svc}-endpoint`),
          },
          child,
        ),
    );

    const appSg = new aws.ec2.SecurityGroup(
      n.resource(`app-sg`),
      {
        vpcId: vpc.id,
        name: physical("app-sg"),
        description: "Workloads in the private subnets: no ingress",
        tags: tags("app-sg"),
      },
      child,
    );
    this.appSecurityGroupId = appSg.id;
    gatewayEndpoints.forEach(
      (ep, i) =>
        new aws.vpc.SecurityGroupEgressRule(
          n.resource(`app-sg-${["s3", "dynamodb"][i]}-out`),
          {
            securityGroupId: appSg.id,
            ipProtocol: "tcp",
            fromPort: 443,
            toPort: 443,
            prefixListId: ep.prefixListId,
            description: `HTTPS to ${["S3", "DynamoDB"][i]} through the gateway endpoint`,
            tags: tags(`app-sg-${["s3", "dynamodb"][i]}-out`),
          },
          child,
        ),
    );
    new aws.vpc.SecurityGroupEgressRule(
      n.resource(`app-sg-https-out`),
      {
        securityGroupId: appSg.id,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        // endpoints mode: only the interface endpoints inside the VPC; NAT modes: HTTPS to anywhere through NAT
        cidrIpv4: args.egress === "endpoints" ? args.cidrBlock : "0.0.0.0/0",
        description: args.egress === "endpoints" ? "HTTPS to interface endpoints in the VPC" : "HTTPS out through NAT",
        tags: tags("app-sg-https-out"),
      },
      child,
    );

    if (args.egress === "endpoints") {
      const endpointSg = new aws.ec2.SecurityGroup(
        n.resource(`endpoint-sg`),
        {
          vpcId: vpc.id,
          name: physical("endpoint-sg"),
          description: "Interface endpoints: HTTPS from the VPC only",
          tags: tags("endpoint-sg"),
        },
        child,
      );
      new aws.vpc.SecurityGroupIngressRule(
        n.resource(`endpoint-sg-https-in`),
        {
          securityGroupId: endpointSg.id,
          ipProtocol: "tcp",
          fromPort: 443,
          toPort: 443,
          cidrIpv4: args.cidrBlock,
          description: "HTTPS from the VPC",
          tags: tags("endpoint-sg-https-in"),
        },
        child,
      );
      this.endpointSecurityGroupId = endpointSg.id;
      for (const svc of args.interfaceEndpoints ?? DEFAULT_INTERFACE_ENDPOINTS) {
        new aws.ec2.VpcEndpoint(
          n.resource(`${svc}-endpoint`),
          {
            vpcId: vpc.id,
            serviceName: `com.amazonaws.${args.region}.${svc}`,
            vpcEndpointType: "Interface",
            privateDnsEnabled: true,
            subnetIds: privateSubnets.map((s) => s.id),
            securityGroupIds: [endpointSg.id],
            tags: tags(`${svc}-endpoint`),
          },
          child,
        );
      }
    }

    this.natGatewayIds = [];
    if (args.egress === "nat-gateway") {
      const layoutKind = args.natGateways ?? "per-az";
      const count = layoutKind === "per-az" ? azCount : 1;
      const gateways = publicSubnets.slice(0, count).map((s, i) => {
        const eip = new aws.ec2.Eip(
          n.resource(`nat-eip-${i + 1}`),
          { domain: "vpc", tags: tags(`nat-eip-${i + 1}`) },
          child,
        );
        return new aws.ec2.NatGateway(
          n.resource(`nat-gateway-${i + 1}`),
          {
            subnetId: s.id,
            allocationId: eip.id,
            connectivityType: "public",
            tags: tags(`nat-gateway-${i + 1}`),
          },
          { parent: this, dependsOn: [eip] },
        );
      });
      this.natGatewayIds = gateways.map((g) => g.id);
      privateRouteTables.forEach(
        (rt, i) =>
          new aws.ec2.Route(
            n.resource(`private-default-route-${i + 1}`),
            {
              routeTableId: rt.id,
              destinationCidrBlock: "0.0.0.0/0",
              natGatewayId: gateways[Math.min(i, gateways.length - 1)].id,
            },
            child,
          ),
      );
    }

    if (args.egress === "nat-instance") {
      const natSg = new aws.ec2.SecurityGroup(
        n.resource(`nat-sg`),
        {
          vpcId: vpc.id,
          name: physical("nat-sg"),
          description: "NAT instance: all traffic from the VPC in, anything out",
          tags: tags("nat-sg"),
        },
        child,
      );
      new aws.vpc.SecurityGroupIngressRule(
        n.resource(`nat-sg-vpc-in`),
        {
          securityGroupId: natSg.id,
          ipProtocol: "-1",
          cidrIpv4: args.cidrBlock,
          description: "Traffic to NAT from the VPC",
          tags: tags("nat-sg-vpc-in"),
        },
        child,
      );
      new aws.vpc.SecurityGroupEgressRule(
        n.resource(`nat-sg-all-out`),
        {
          securityGroupId: natSg.id,
          ipProtocol: "-1",
          cidrIpv4: "0.0.0.0/0",
          description: "NATed traffic to the internet",
          tags: tags("nat-sg-all-out"),
        },
        child,
      );
      const ami = args.natInstance?.amiId ?? lookupAl2023Ami(args.region, this);
      const instance = new aws.ec2.Instance(
        n.resource(`nat-instance`),
        {
          ami,
          instanceType: args.natInstance?.instanceType ?? "t3.micro",
          subnetId: publicSubnets[0].id,
          vpcSecurityGroupIds: [natSg.id],
          associatePublicIpAddress: true,
          sourceDestCheck: false, // it forwards packets that are not addressed to it
          userData: natInstanceUserData(args.cidrBlock),
          userDataReplaceOnChange: true,
          metadataOptions: { httpTokens: "required", httpEndpoint: "enabled" },
          rootBlockDevice: { encrypted: true, volumeType: "gp3", volumeSize: 8 },
          monitoring: false,
          tags: tags("nat-instance"),
          volumeTags: tags("nat-instance"),
        },
        { parent: this, ignoreChanges: args.natInstance?.amiId ? [] : ["ami"] },
      );
      this.natInstanceId = instance.id;
      privateRouteTables.forEach(
        (rt, i) =>
          new aws.ec2.Route(
            n.resource(`private-default-route-${i + 1}`),
            {
              routeTableId: rt.id,
              destinationCidrBlock: "0.0.0.0/0",
              networkInterfaceId: instance.primaryNetworkInterfaceId,
            },
            child,
          ),
      );
    }

    this.registerOutputs({
      vpcId: this.vpcId,
      privateSubnetIds: this.privateSubnetIds,
      publicSubnetIds: this.publicSubnetIds,
      appSecurityGroupId: this.appSecurityGroupId,
      natGatewayIds: this.natGatewayIds,
    });
  }
}

/**
 * Newest standard AL2023 x86_64 image owned by Amazon in `region`. Fails with one line if the answer is not an AL2023
 * image (e.g. a mock that does not answer `aws:ec2/getAmi:getAmi`).
 */
function lookupAl2023Ami(region: string, parent: pulumi.Resource): pulumi.Output<string> {
  return aws.ec2
    .getAmiOutput(
      {
        owners: ["amazon"],
        mostRecent: true,
        filters: [
          { name: "name", values: [AL2023_AMI_NAME] },
          { name: "architecture", values: ["x86_64"] },
          { name: "virtualization-type", values: ["hvm"] },
          { name: "root-device-type", values: ["ebs"] },
        ],
      },
      { parent },
    )
    .apply((img) => checkedAl2023ImageId(img, region));
}

/**
 * The image id if `img` is a standard AL2023 image; otherwise throws one line (the deployment then fails with
 * "error serializing property ami" instead of launching an unexpected image).
 */
export function checkedAl2023ImageId(img: { readonly id?: string; readonly name?: string }, region: string): string {
  if (!img.id || !/^al2023-ami-2023\./.test(img.name ?? "")) {
    throw new Error(
      `network: AL2023 AMI lookup in ${region} returned ${JSON.stringify({ id: img.id, name: img.name })}, not an al2023-ami-2023.* image`,
    );
  }
  return img.id;
}
