/**
 * EC2 / VPC guardrails: no security group ingress from the whole internet, the environment's NAT devices (gateway,
 * instance or none) exactly as the consistency rules approve, and NAT instances on Amazon Linux 2023 that forward.
 */
import { requireEnv, resourcePolicy, stackPolicy, type Outcome, type PolicyInput } from "../lib/define";
import { describeSpec, known, logicalIdOf, matchesSpec } from "../lib/expect";
import { asArray, at, show, UNKNOWN } from "../lib/values";

export const SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup";
export const DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";
export const SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
export const SG_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
export const NAT_GATEWAY = "aws:ec2/natGateway:NatGateway";
export const INSTANCE = "aws:ec2/instance:Instance";

/** A CIDR with prefix length 0 is the whole address space (`0.0.0.0/0`, `::/0`). */
const isOpen = (cidr: unknown) => typeof cidr === "string" && /\/0+$/.test(cidr.trim());

/** Checks every CIDR of one ingress entry; `where` names it in messages. */
function checkCidrs(r: PolicyInput, out: Outcome, where: string, cidrs: unknown[]): void {
  for (const c of cidrs) {
    if (!known(out, r, `${where} CIDR`, c)) continue;
    if (isOpen(c)) out.fail(`${r.name}: ${where} allows ingress from ${show(c)} (the whole internet).`, r.urn);
  }
}

export const ec2SecurityGroupNoPublicIngress = resourcePolicy({
  name: "ec2-security-group-no-public-ingress",
  description: "No security group, security group rule or ingress rule allows ingress from 0.0.0.0/0 or ::/0.",
  why: "Ingress from anywhere exposes databases, NAT instances and ENIs to internet-wide scanning; private workloads are reached from inside the VPC.",
  severity: "critical",
  remediationSteps:
    "Allow ingress from the VPC CIDR or, better, from a source security group (`referencedSecurityGroupId` / `sourceSecurityGroupId`); front public services with a load balancer.",
  types: [SECURITY_GROUP, DEFAULT_SECURITY_GROUP, SECURITY_GROUP_RULE, SG_INGRESS_RULE],
  check(r, _ctx, out) {
    if (r.type === SG_INGRESS_RULE)
      return checkCidrs(
        r,
        out,
        "ingress rule",
        [r.props.cidrIpv4, r.props.cidrIpv6].filter((c) => c !== undefined),
      );
    if (r.type === SECURITY_GROUP_RULE) {
      const type = r.props.type;
      if (!known(out, r, "type", type) || type !== "ingress") return;
      return checkCidrs(r, out, "ingress rule", [...asArray(r.props.cidrBlocks), ...asArray(r.props.ipv6CidrBlocks)]);
    }
    const ingress = r.props.ingress;
    if (!known(out, r, "ingress", ingress)) return;
    asArray(ingress).forEach((e, i) =>
      checkCidrs(r, out, `ingress[${i}]`, [...asArray(at(e, "cidrBlocks")), ...asArray(at(e, "ipv6CidrBlocks"))]),
    );
  },
});

/** A NAT instance: an instance that forwards (`sourceDestCheck: false`) or whose logical id names it `nat`. */
function natInstanceEvidence(r: PolicyInput): "forwards" | "named" | "unknown" | undefined {
  if (r.type !== INSTANCE) return undefined;
  if (r.props.sourceDestCheck === false) return "forwards";
  if (/(^|-)nat(-|$)/.test(r.name)) return "named";
  return r.props.sourceDestCheck === UNKNOWN ? "unknown" : undefined;
}

const DEVICE: Readonly<Record<string, string>> = { [NAT_GATEWAY]: "NAT gateway", [INSTANCE]: "NAT instance" };

export const ec2NatPerEnvironment = stackPolicy({
  name: "ec2-nat-per-environment",
  description:
    "The stack has exactly the NAT devices (gateways, instance or none) the consistency rules approve for its environment (`$present` approvals).",
  why: "Egress design is a per-environment cost/availability decision (e.g. a NAT instance in dev, a gateway per AZ in prod); an unapproved NAT device is cost or a single point of failure nobody agreed to.",
  severity: "high",
  remediationSteps:
    "Create exactly the NAT devices the rules approve for this environment (the network component's `egress` / `natGateways` config), or add a `$present` approval (id, reason, owner) for the device in the rules.",
  types: [NAT_GATEWAY, INSTANCE],
  check(resources, ctx, out) {
    const devices = resources.filter((r) => r.type === NAT_GATEWAY || natInstanceEvidence(r) !== undefined);
    // Without an environment there is nothing to compare against; only NAT devices present make that worth reporting.
    if (!ctx.env && devices.length === 0) return;
    const env = requireEnv(ctx, "ec2-nat-per-environment", devices[0], out);
    if (!env || !ctx.rules) return;
    const seen = new Set<string>();
    for (const d of devices) {
      const evidence = natInstanceEvidence(d);
      const lid = logicalIdOf(d.name, env);
      seen.add(`${d.type}::${lid}`);
      const spec = ctx.rules.expectation(env, d.type, lid, "$present");
      if (spec !== undefined && matchesSpec(spec, true)) continue;
      if (evidence === "unknown") {
        out.unknown(
          `${d.name}: sourceDestCheck is unknown at preview, cannot tell whether it is a NAT instance`,
          d.urn,
        );
        continue;
      }
      out.fail(
        spec === undefined
          ? `${d.name}: ${DEVICE[d.type]} ${lid} has no \`$present\` approval in the rules; environment ${env} has no approved ${DEVICE[d.type]}.`
          : `${d.name}: ${DEVICE[d.type]} ${lid} is not approved in ${env} (rules: ${describeSpec(spec)}).`,
        d.urn,
      );
    }
    // Devices the rules require here (`$present: true` for this env, a literal logical id) but the stack lacks.
    for (const a of ctx.rules.approvals) {
      if (a.path !== "$present" || !(a.type in DEVICE) || a.resource.includes("*") || a.values[env] !== true) continue;
      if (!seen.has(`${a.type}::${a.resource}`))
        out.fail(`${DEVICE[a.type]} ${a.resource} is approved for ${env} (approval ${a.id}) but the stack has none.`);
    }
  },
});

/** AMI names of AL2023 (SSM public parameters and image names) and of the end-of-life Amazon Linux NAT/AL1/AL2 images. */
const AL2023 = /(^|\/)al2023-ami-/;
const OLD_AMAZON_LINUX = /(^|\/)(amzn-ami-|amzn2-ami-|amzn-ami-vpc-nat)/;

export const ec2NatInstanceAl2023 = resourcePolicy<{ al2023AmiIds: string[] }>({
  name: "ec2-nat-instance-al2023",
  description:
    "A NAT instance sets `sourceDestCheck: false` and uses an Amazon Linux 2023 AMI (checked by name where the input shows it, or against configured AL2023 AMI ids).",
  why: "The Amazon Linux NAT AMI (amzn-ami-vpc-nat) is end-of-life and unpatched; a NAT instance that checks source/destination silently drops forwarded traffic.",
  severity: "high",
  remediationSteps:
    "Look the image up by name (`al2023-ami-2023.*-kernel-*-x86_64`, owner amazon) or use `resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64`; set `sourceDestCheck: false`.",
  config: {
    al2023AmiIds: {
      type: "array",
      items: { type: "string" },
      default: [],
      description: "AMI ids known to be AL2023 (checked when the input is a bare id and this list is not empty).",
    },
  },
  defaults: { al2023AmiIds: [] },
  types: [INSTANCE],
  check(r, { config }, out) {
    const evidence = natInstanceEvidence(r);
    if (evidence === undefined) return;
    if (evidence === "unknown")
      return void out.unknown(
        `${r.name}: sourceDestCheck is unknown at preview, cannot tell whether it is a NAT instance`,
        r.urn,
      );
    if (evidence === "named")
      out.fail(
        `${r.name}: a NAT instance must set sourceDestCheck: false (is ${show(r.props.sourceDestCheck)}).`,
        r.urn,
      );
    const ami = r.props.ami;
    if (!known(out, r, "ami", ami)) return;
    if (typeof ami !== "string" || ami === "")
      return void out.fail(`${r.name}: ami is ${show(ami)}, expected an AL2023 image.`, r.urn);
    const name = ami.startsWith("resolve:ssm:")
      ? ami.slice("resolve:ssm:".length)
      : /^ami-[0-9a-f]+$/.test(ami)
        ? undefined
        : ami;
    if (name !== undefined) {
      if (OLD_AMAZON_LINUX.test(name) || !AL2023.test(name))
        out.fail(
          `${r.name}: ami ${show(ami)} is not an Amazon Linux 2023 image (the old Amazon Linux NAT AMI is end-of-life).`,
          r.urn,
        );
      return;
    }
    if (config.al2023AmiIds.length > 0 && !config.al2023AmiIds.includes(ami))
      out.fail(`${r.name}: ami ${ami} is not one of the configured AL2023 AMI ids.`, r.urn);
  },
});

export const ec2Policies = [ec2SecurityGroupNoPublicIngress, ec2NatPerEnvironment, ec2NatInstanceAl2023];
