/**
 * Answers to invokes (data sources) during an offline plan: pure ones computed as the provider computes them,
 * the account/region lookups from the stack's config, a fixed Amazon Linux 2023 image for AMI lookups; any other
 * invoke is indeterminate (an empty result, recorded in the plan's `indeterminate` list).
 */
import { getPolicyDocument } from "./policy-document";

/** Amazon's owner id of its public images (the `amazon` alias). */
const AMAZON_IMAGE_OWNER = "137112412989";

/** The AL2023 images the planner answers `getAmi` with, per architecture (one fixed, realistic release). */
export const MOCK_AL2023_IMAGES: Readonly<Record<string, { id: string; name: string; snapshot: string }>> = {
  x86_64: {
    id: "ami-0a1b2c3d4e5f60718",
    name: "al2023-ami-2023.6.20250107.0-kernel-6.1-x86_64",
    snapshot: "snap-0f1e2d3c4b5a69788",
  },
  arm64: {
    id: "ami-0b2c3d4e5f6071829",
    name: "al2023-ami-2023.6.20250107.0-kernel-6.1-arm64",
    snapshot: "snap-0e1d2c3b4a5968778",
  },
};

/** Values of the `getAmi` filter named `name` (plus `nameRegex`), as the program passed them. */
function amiFilter(inputs: Record<string, unknown>, name: string): string[] {
  const filters = Array.isArray(inputs.filters) ? (inputs.filters as { name?: unknown; values?: unknown }[]) : [];
  return filters
    .filter((f) => f?.name === name && Array.isArray(f.values))
    .flatMap((f) => (f.values as unknown[]).map(String));
}

/** `aws:ec2/getAmi:getAmi` for Amazon Linux 2023 (what the programs look up); any other image query fails as AWS would. */
function mockGetAmi(inputs: Record<string, unknown>, region: string): Record<string, unknown> {
  const names = amiFilter(inputs, "name");
  const arch = amiFilter(inputs, "architecture")[0] ?? (names.some((n) => n.endsWith("arm64")) ? "arm64" : "x86_64");
  const owners = Array.isArray(inputs.owners) ? inputs.owners.map(String) : [];
  const image = MOCK_AL2023_IMAGES[arch];
  const al2023 =
    names.some((n) => /^al2023-ami-/.test(n)) ||
    (typeof inputs.nameRegex === "string" && /al2023/.test(inputs.nameRegex));
  if (!image || !al2023 || (owners.length > 0 && !owners.some((o) => o === "amazon" || o === AMAZON_IMAGE_OWNER))) {
    throw new Error(
      `getAmi: your query returned no results (the offline planner knows only Amazon Linux 2023 images owned by amazon; query ${JSON.stringify(inputs)})`,
    );
  }
  return {
    ...inputs,
    id: image.id,
    imageId: image.id,
    arn: `arn:aws:ec2:${region}::image/${image.id}`,
    name: image.name,
    description: `Amazon Linux 2023 AMI 2023.6.20250107.0 ${arch} HVM kernel-6.1`,
    architecture: arch,
    ownerId: AMAZON_IMAGE_OWNER,
    imageOwnerAlias: "amazon",
    imageLocation: `amazon/${image.name}`,
    imageType: "machine",
    creationDate: "2025-01-07T21:52:33.000Z",
    deprecationTime: "2027-01-07T21:53:00.000Z",
    state: "available",
    public: true,
    hypervisor: "xen",
    virtualizationType: "hvm",
    rootDeviceType: "ebs",
    rootDeviceName: "/dev/xvda",
    rootSnapshotId: image.snapshot,
    enaSupport: true,
    sriovNetSupport: "simple",
    bootMode: "uefi-preferred",
    imdsSupport: "v2.0",
    platformDetails: "Linux/UNIX",
    usageOperation: "RunInstances",
    blockDeviceMappings: [
      {
        deviceName: "/dev/xvda",
        ebs: {
          delete_on_termination: "true",
          encrypted: "false",
          iops: "3000",
          snapshot_id: image.snapshot,
          throughput: "125",
          volume_size: "8",
          volume_type: "gp3",
        },
        noDevice: "",
        virtualName: "",
      },
    ],
    productCodes: [],
    stateReason: { code: "UNSET", message: "UNSET" },
    tags: {},
  };
}

/** Availability zones of a region as the provider lists them (`<region>a`, `b`, `c`), with zone ids. */
function availabilityZones(region: string): Record<string, unknown> {
  const letters = ["a", "b", "c"];
  const short = region.replace(/^(\w\w)-(\w)\w*-(\d)$/, "$1$2$3");
  return {
    id: region,
    names: letters.map((l) => `${region}${l}`),
    zoneIds: letters.map((_, i) => `${short}-az${i + 1}`),
    groupNames: [region],
    state: "available",
  };
}

/** The answer to invoke `token`, or `undefined` when the planner cannot know it offline. */
export function mockInvoke(
  token: string,
  inputs: Record<string, unknown>,
  account: string,
  region: string,
): Record<string, unknown> | undefined {
  switch (token) {
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { id: account, accountId: account, arn: `arn:aws:iam::${account}:root`, userId: account };
    case "aws:index/getRegion:getRegion":
      return { id: region, name: region, region, endpoint: `ec2.${region}.amazonaws.com`, description: region };
    case "aws:index/getPartition:getPartition":
      return { id: "aws", partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" };
    case "aws:index/getAvailabilityZones:getAvailabilityZones":
      return { ...inputs, ...availabilityZones(region) };
    case "aws:ec2/getAmi:getAmi":
      return mockGetAmi(inputs, region);
    case "aws:iam/getPolicyDocument:getPolicyDocument":
      return getPolicyDocument(inputs);
    default:
      return undefined;
  }
}
