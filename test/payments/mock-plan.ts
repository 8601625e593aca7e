/**
 * A local offline planner for these tests: runs a Pulumi program (or a callback) under `pulumi.runtime.setMocks` and
 * returns every registered resource with its inputs and the resource options that matter here (ignoreChanges,
 * dependsOn, protect), captured by a stack transformation. Mocked outputs are deterministic.
 * (The CLI's `planStack` returns Snapshots, which carry no `ignoreChanges`; these tests need it.)
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";

export interface PlannedResource {
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  readonly inputs: Record<string, unknown>;
  readonly ignoreChanges: readonly string[];
}

export interface Plan {
  readonly resources: PlannedResource[];
  readonly calls: { token: string; inputs: Record<string, unknown> }[];
  /** Stack outputs (top-level exports of the program). */
  readonly outputs: Record<string, unknown>;
  byType(type: string): PlannedResource[];
  one(type: string, nameEndsWith: string): PlannedResource;
  find(type: string, nameEndsWith: string): PlannedResource | undefined;
}

export const MOCK_AL2023_AMI = { id: "ami-0a1b2c3d4e5f60718", name: "al2023-ami-2023.6.20250107.0-kernel-6.1-x86_64", architecture: "x86_64", ownerId: "137112412989" };

/** Pulumi config strings of a `Pulumi.<stack>.yaml` (objects as JSON, like `pulumi config` does). */
export function stackConfig(projectDir: string, stack: string): Record<string, string> {
  const doc = parse(fs.readFileSync(path.join(projectDir, `Pulumi.${stack}.yaml`), "utf8")) as { config?: Record<string, unknown> };
  return Object.fromEntries(Object.entries(doc.config ?? {}).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

function computedOutputs(type: string, name: string, inputs: Record<string, unknown>, region: string, account: string): Record<string, unknown> {
  const [pkg, mod] = type.split(":");
  const out: Record<string, unknown> = { arn: `arn:aws:${mod?.split("/")[0] ?? pkg}:${region}:${account}:${name}` };
  if (type === "aws:ec2/vpcEndpoint:VpcEndpoint") out.prefixListId = `pl-${name}`;
  if (type === "aws:ec2/instance:Instance") out.primaryNetworkInterfaceId = `eni-${name}`;
  if (type === "aws:rds/cluster:Cluster") {
    out.endpoint = `${inputs.clusterIdentifier}.cluster-mock.${region}.rds.amazonaws.com`;
    out.readerEndpoint = `${inputs.clusterIdentifier}.cluster-ro-mock.${region}.rds.amazonaws.com`;
    out.masterUserSecrets = [{ secretArn: `arn:aws:secretsmanager:${region}:${account}:secret:rds!cluster-mock`, secretStatus: "active" }];
  }
  return out;
}

/**
 * Runs `run` (which creates resources, e.g. by requiring a program) inside a stack under mocks.
 * `config` = Pulumi config strings (`aws:region`, `<project>:<key>`).
 */
export async function planUnderMocks(
  project: string, stack: string, config: Record<string, string>, run: () => unknown,
  opts: { preview?: boolean; call?: (token: string, inputs: Record<string, unknown>) => Record<string, unknown> | undefined } = {},
): Promise<Plan> {
  const resources: PlannedResource[] = [];
  const calls: { token: string; inputs: Record<string, unknown> }[] = [];
  let failure: unknown;
  const options = new Map<string, { ignoreChanges: string[] }>();
  const region = config["aws:region"] ?? "us-east-1";
  const account = /"(\d{12})"/.exec(config["aws:allowedAccountIds"] ?? "")?.[1] ?? "123456789012";
  await pulumi.runtime.setMocks({
    newResource: (args) => {
      const opt = options.get(`${args.type}::${args.name}`);
      resources.push({ type: args.type, name: args.name, custom: args.custom ?? true, inputs: args.inputs, ignoreChanges: opt?.ignoreChanges ?? [] });
      return { id: `${args.name}-id`, state: { ...args.inputs, ...computedOutputs(args.type, args.name, args.inputs, region, account) } };
    },
    call: (args) => {
      calls.push({ token: args.token, inputs: args.inputs });
      const custom = opts.call?.(args.token, args.inputs);
      if (custom) return custom;
      if (args.token === "aws:ec2/getAmi:getAmi") return { ...args.inputs, ...MOCK_AL2023_AMI };
      return args.inputs;
    },
  }, project, stack, opts.preview ?? false);
  pulumi.runtime.setAllConfig(config);
  const outputs = await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((a) => {
      options.set(`${a.type}::${a.name}`, { ignoreChanges: [...(a.opts.ignoreChanges ?? [])] });
      return undefined;
    });
    try {
      return await run();
    } catch (e) {
      failure = e;
      return undefined;
    }
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs().catch((e: unknown) => { failure ??= e; });
  if (failure !== undefined) throw failure;
  const byType = (type: string) => resources.filter((r) => r.type === type);
  const find = (type: string, suffix: string) => byType(type).find((r) => r.name.endsWith(suffix));
  return {
    resources,
    calls,
    outputs: (outputs ?? {}) as Record<string, unknown>,
    byType,
    find,
    one: (type, suffix) => {
      const r = find(type, suffix);
      if (!r) throw new Error(`no ${type} named *${suffix} among ${byType(type).map((x) => x.name).join(", ") || "none"}`);
      return r;
    },
  };
}

/** Plans `<projectDir>/Pulumi.yaml`'s program for `stack` with that stack's config file. */
export async function planProject(projectDir: string, stack: string): Promise<Plan> {
  const project = (parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { name: string; main?: string });
  const main = path.resolve(projectDir, project.main ?? "index.ts");
  let exported: unknown;
  const plan = await planUnderMocks(project.name, stack, stackConfig(projectDir, stack), () => {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      exported = require(main);
    });
    return exported;
  });
  return plan;
}
