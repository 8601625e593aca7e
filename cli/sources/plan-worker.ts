/**
 * Runs one stack of a Pulumi TypeScript program under `pulumi.runtime.setMocks`, inside a worker thread that
 * the planner (./plan.ts) starts after registering ts-node exactly as `@pulumi/pulumi/cmd/run` does. One worker
 * per stack: the Pulumi runtime is process-global state, a fresh realm keeps stacks isolated.
 *
 * Captures every RegisterResource/ReadResource request the SDK sends to the (mock) resource monitor — type, name,
 * parent, dependencies, protect/retainOnDelete, provider and the inputs in their wire form (secrets as
 * `{4dabf…: 1b47…}`, unknowns as the UNKNOWN sentinel) — and the stack outputs.
 */
import { createHash } from "node:crypto";
import * as path from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import type * as PulumiModule from "@pulumi/pulumi";
import { ASSET_SIG, ARCHIVE_SIG, SECRET_SIG, SIG_KEY } from "../../consistency-rules/src/sentinels";

export interface PlanWorkerInput {
  /** Absolute path of the project directory (Pulumi.yaml). */
  readonly projectDir: string;
  /** Absolute path of the program (`<projectDir>/<main>`). */
  readonly program: string;
  /** Resolved path of the project's `@pulumi/pulumi` (the SDK the program registers with). */
  readonly pulumiModule: string;
  readonly project: string;
  readonly stack: string;
  /** Config as the engine passes it: every value a string (objects/arrays/numbers as JSON). */
  readonly config: Record<string, string>;
  readonly secretKeys: string[];
  /** Outputs per stack name, answered to `pulumi:pulumi:StackReference` reads. */
  readonly stackOutputs: Record<string, Record<string, unknown>>;
  /** Defaults for mocked ARNs/URLs when a resource's provider names none. */
  readonly accountId: string;
  readonly region: string;
}

export interface CapturedResource {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  id?: string;
  parent?: string;
  provider?: string;
  dependencies: string[];
  protect?: boolean;
  retainOnDelete?: boolean;
  /** Resource options of a registration, as sent to the engine (omitted when not set). */
  ignoreChanges?: string[];
  deleteBeforeReplace?: boolean;
  replaceOnChanges?: string[];
  props: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

export type PlanWorkerResult =
  /** `ms`: wall time of this stack's run; `tsNode`: the ts-node version the worker registered (as `cmd/run` picks it). */
  | { ok: true; resources: CapturedResource[]; outputs: Record<string, unknown>; ms: number; tsNode?: string; timings?: PlanTimings }
  | { ok: false; kind: "config"; errors: { file: string; pointer: string; problem: string }[] }
  /** `message` is one line (the first line of the program's error); `detail` the full text (stack trace). */
  | { ok: false; kind: "program"; message: string; detail: string }
  /** The program read a stack of the same batch that has not been planned yet: plan that one first, then retry. */
  | { ok: false; kind: "deferred"; needs: number };

/** Where one stack's time went (the bench prints these). */
export interface PlanTimings {
  /** Worker start until ts-node was registered (TypeScript and ts-node loaded); the same in every stack of a worker. */
  readonly bootMs: number;
  /** Of `ms`: TypeScript transpilation of program files (files transpiled / reused from an earlier stack). */
  readonly transpileMs: number;
  readonly transpiled: number;
  readonly reused: number;
  /** Of `ms`: requiring the program (its modules, transpilation included) until it returned. */
  readonly loadMs: number;
  /** Of `ms`: from the program's return until every registration settled and the runtime disconnected. */
  readonly settleMs: number;
}

/** Counters the planner's bootstrap (./plan.ts) keeps in the worker. */
interface BootTimings {
  bootMs: number;
  transpileMs: number;
  transpiled: number;
  reused: number;
}
const bootTimings = (): BootTimings => (globalThis as { __planTimings?: BootTimings }).__planTimings ?? { bootMs: 0, transpileMs: 0, transpiled: 0, reused: 0 };

type Struct = { toJavaScript(): Record<string, unknown> } | undefined;
/** The parts of RegisterResourceRequest / ReadResourceRequest (protobuf) the planner reads. */
interface ResourceRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getProvider(): string;
  getDependenciesList(): string[];
  getCustom?(): boolean;
  getProtect?(): boolean;
  getRetainondelete?(): boolean;
  getIgnorechangesList?(): string[];
  getDeletebeforereplace?(): boolean;
  getReplaceonchangesList?(): string[];
  getPropertydependenciesMap?(): { entries(): Iterable<[string, { getUrnsList(): string[] }]> };
  getObject?(): Struct;
  getProperties?(): Struct;
  getId?(): string;
}
interface ResourceResponse {
  getUrn(): string;
  getId?(): string;
  getObject?(): Struct;
  getProperties?(): Struct;
}
interface OutputsRequest {
  getUrn(): string;
  getOutputs(): Struct;
}
type Callback = (err: unknown, resp?: ResourceResponse) => void;
type MonitorMethod = (req: ResourceRequest & OutputsRequest, cb: Callback) => void;

/** Wire form of a value with asset/archive contents replaced by their sha256 (bundles stay comparable, snapshots small). */
function compactWire(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(compactWire);
  if (typeof v !== "object" || v === null) return v;
  const o = v as Record<string, unknown>;
  if (o[SIG_KEY] === SECRET_SIG) return { [SIG_KEY]: SECRET_SIG }; // the plan never carries a secret's value
  if (o[SIG_KEY] === ASSET_SIG && typeof o.text === "string") {
    return { [SIG_KEY]: ASSET_SIG, hash: createHash("sha256").update(o.text).digest("hex") };
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) out[k] = compactWire(x);
  if (o[SIG_KEY] === ARCHIVE_SIG && out.assets && typeof out.assets === "object") {
    out.hash = createHash("sha256").update(JSON.stringify(out.assets)).digest("hex");
  }
  return out;
}

/** Realistic, deterministic outputs of an AWS resource built from its name, account and region. */
function mockOutputs(type: string, name: string, inputs: Record<string, unknown>, account: string, region: string): { id: string; state: Record<string, unknown> } {
  const phys = (key: string) => (typeof inputs[key] === "string" ? (inputs[key] as string) : name);
  switch (type) {
    case "aws:s3/bucket:Bucket": {
      const b = phys("bucket");
      return { id: b, state: { bucket: b, arn: `arn:aws:s3:::${b}`, bucketDomainName: `${b}.s3.amazonaws.com`, region } };
    }
    case "aws:sqs/queue:Queue": {
      const q = phys("name");
      const url = `https://sqs.${region}.amazonaws.com/${account}/${q}`;
      return { id: url, state: { name: q, arn: `arn:aws:sqs:${region}:${account}:${q}`, url } };
    }
    case "aws:dynamodb/table:Table": {
      const t = phys("name");
      return { id: t, state: { name: t, arn: `arn:aws:dynamodb:${region}:${account}:table/${t}` } };
    }
    case "aws:lambda/function:Function": {
      const f = phys("name");
      const arn = `arn:aws:lambda:${region}:${account}:function:${f}`;
      return { id: f, state: { name: f, arn, qualifiedArn: `${arn}:$LATEST`, version: "$LATEST", invokeArn: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${arn}/invocations` } };
    }
    case "aws:cloudwatch/logGroup:LogGroup": {
      const g = phys("name");
      return { id: g, state: { name: g, arn: `arn:aws:logs:${region}:${account}:log-group:${g}` } };
    }
    case "aws:iam/role:Role": {
      const r = phys("name");
      return { id: r, state: { name: r, arn: `arn:aws:iam::${account}:role/${r}`, uniqueId: `AROA${createHash("sha1").update(r).digest("hex").slice(0, 17).toUpperCase()}` } };
    }
    case "aws:iam/rolePolicy:RolePolicy":
      return { id: `${inputs.role}:${phys("name")}`, state: { name: phys("name") } };
    case "aws:sns/topic:Topic": {
      const t = phys("name");
      const arn = `arn:aws:sns:${region}:${account}:${t}`;
      return { id: arn, state: { name: t, arn } };
    }
    case "aws:cloudwatch/eventRule:EventRule": {
      const r = phys("name");
      return { id: r, state: { name: r, arn: `arn:aws:events:${region}:${account}:rule/${r}` } };
    }
    case "aws:sns/topicSubscription:TopicSubscription": {
      const arn = `${inputs.topic}:${uuidOf(name)}`;
      return { id: arn, state: { arn } };
    }
    default: {
      if (type.startsWith("pulumi:providers:")) return { id: uuidOf(name), state: {} };
      const [, mod] = type.split(":");
      const service = (mod ?? "x").split("/")[0];
      return { id: `${name}-id`, state: { arn: `arn:aws:${service}:${region}:${account}:${name}` } };
    }
  }
}

/** Amazon's owner id of its public images (the `amazon` alias). */
const AMAZON_IMAGE_OWNER = "137112412989";

/** The AL2023 images the planner answers `getAmi` with, per architecture (one fixed, realistic release). */
export const MOCK_AL2023_IMAGES: Readonly<Record<string, { id: string; name: string; snapshot: string }>> = {
  x86_64: { id: "ami-0a1b2c3d4e5f60718", name: "al2023-ami-2023.6.20250107.0-kernel-6.1-x86_64", snapshot: "snap-0f1e2d3c4b5a69788" },
  arm64: { id: "ami-0b2c3d4e5f6071829", name: "al2023-ami-2023.6.20250107.0-kernel-6.1-arm64", snapshot: "snap-0e1d2c3b4a5968778" },
};

/** Values of the `getAmi` filter named `name` (plus `nameRegex`), as the program passed them. */
function amiFilter(inputs: Record<string, unknown>, name: string): string[] {
  const filters = Array.isArray(inputs.filters) ? (inputs.filters as { name?: unknown; values?: unknown }[]) : [];
  return filters.filter((f) => f?.name === name && Array.isArray(f.values)).flatMap((f) => (f.values as unknown[]).map(String));
}

/** `aws:ec2/getAmi:getAmi` for Amazon Linux 2023 (what the programs look up); any other image query fails as AWS would. */
function mockGetAmi(inputs: Record<string, unknown>, region: string): Record<string, unknown> {
  const names = amiFilter(inputs, "name");
  const arch = amiFilter(inputs, "architecture")[0] ?? (names.some((n) => n.endsWith("arm64")) ? "arm64" : "x86_64");
  const owners = Array.isArray(inputs.owners) ? inputs.owners.map(String) : [];
  const image = MOCK_AL2023_IMAGES[arch];
  const al2023 = names.some((n) => /^al2023-ami-/.test(n)) || (typeof inputs.nameRegex === "string" && /al2023/.test(inputs.nameRegex));
  if (!image || !al2023 || (owners.length > 0 && !owners.some((o) => o === "amazon" || o === AMAZON_IMAGE_OWNER))) {
    throw new Error(`getAmi: your query returned no results (the offline planner knows only Amazon Linux 2023 images owned by amazon; query ${JSON.stringify(inputs)})`);
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
    blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { delete_on_termination: "true", encrypted: "false", iops: "3000", snapshot_id: image.snapshot, throughput: "125", volume_size: "8", volume_type: "gp3" }, noDevice: "", virtualName: "" }],
    productCodes: [],
    stateReason: { code: "UNSET", message: "UNSET" },
    tags: {},
  };
}

/** Answers to the invokes the programs use: deterministic, shaped as the AWS provider returns them. */
function mockInvoke(token: string, inputs: Record<string, unknown>, account: string, region: string): Record<string, unknown> {
  switch (token) {
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { id: account, accountId: account, arn: `arn:aws:iam::${account}:root`, userId: account };
    case "aws:index/getRegion:getRegion":
      return { id: region, name: region, region, endpoint: `ec2.${region}.amazonaws.com`, description: region };
    case "aws:index/getPartition:getPartition":
      return { id: "aws", partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" };
    case "aws:ec2/getAmi:getAmi":
      return mockGetAmi(inputs, region);
    default:
      return inputs;
  }
}

/** A stable UUID-shaped id derived from a name. */
function uuidOf(name: string): string {
  const h = createHash("sha256").update(name).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function lookupStackOutputs(all: Record<string, Record<string, unknown>>, ref: string): Record<string, unknown> | undefined {
  if (all[ref]) return all[ref];
  const last = ref.split("/").pop() ?? ref;
  return all[last];
}

/** How a `pulumi.StackReference` is answered: outputs, "plan stack #i of the batch first", or a one-line failure. */
export type ReferenceAnswer = { outputs: Record<string, unknown> } | { defer: number } | { error: string };
export type ReferenceResolver = (ref: string) => ReferenceAnswer;

/** Thrown by the mock when a reference must wait for another stack of the batch; ends the plan without a result. */
class DeferPlan extends Error {
  constructor(readonly needs: number) {
    super(`deferred until stack #${needs} of the batch is planned`);
  }
}

/** The first non-empty line of an error message, without a leading `Error: `. */
export function firstLine(text: string): string {
  const line = text.split("\n").map((l) => l.trim()).find((l) => l !== "") ?? "";
  return line.replace(/^(?:[A-Za-z]*Error|Running program '[^']*' failed with an unhandled exception):\s*/, "") || text.trim();
}

/** Secret output names of a wire-form outputs object (the StackReference's `secretOutputNames`). */
function secretNames(outputs: Record<string, unknown>): string[] {
  return Object.entries(outputs).filter(([, v]) => typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG).map(([k]) => k);
}

export async function runPlan(input: PlanWorkerInput, resolveReference: ReferenceResolver = defaultResolver(input)): Promise<PlanWorkerResult> {
  const t0 = Date.now();
  const boot0 = { ...bootTimings() };
  let loadedAt = t0;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pulumi: typeof PulumiModule = require(input.pulumiModule);
  const captured = new Map<string, CapturedResource>();
  const order: string[] = [];
  const providers = new Map<string, { account: string; region: string }>();
  let stackUrn = "";
  let rawStackOutputs: Record<string, unknown> = {};
  const logged: string[] = [];
  let deferred: DeferPlan | undefined;
  let referenceError: string | undefined;

  const contextOf = (providerRef: string) => {
    const urn = providerRef.split("::").slice(0, -1).join("::");
    return providers.get(urn) ?? { account: input.accountId, region: input.region };
  };

  const mocks: PulumiModule.runtime.Mocks = {
    newResource(args) {
      if (args.type === "pulumi:pulumi:StackReference") {
        const ref = String(args.inputs.name ?? args.name);
        const answer = resolveReference(ref);
        if ("defer" in answer) throw (deferred ??= new DeferPlan(answer.defer));
        if ("error" in answer) throw new Error((referenceError ??= answer.error));
        return { id: ref, state: { name: ref, outputs: answer.outputs, secretOutputNames: secretNames(answer.outputs) } };
      }
      const { account, region } = args.provider ? contextOf(args.provider) : { account: input.accountId, region: input.region };
      if (!args.custom) return { id: "", state: {} };
      const { id, state } = mockOutputs(args.type, args.name, args.inputs, account, region);
      return { id, state: { ...args.inputs, ...state } };
    },
    call(args) {
      const { account, region } = args.provider ? contextOf(args.provider) : { account: input.accountId, region: input.region };
      return mockInvoke(args.token, args.inputs, account, region);
    },
  };

  await pulumi.runtime.setMocks(mocks, input.project, input.stack, true);
  pulumi.runtime.setAllConfig(input.config, input.secretKeys);

  // Record what the SDK sends to the resource monitor (the mock monitor itself keeps only name/type/inputs).
  const monitor = pulumi.runtime.getMonitor() as unknown as Record<string, MonitorMethod>;
  const record = (req: ResourceRequest, custom: boolean, kind: "register" | "read") => (resp: ResourceResponse) => {
    const urn = resp.getUrn();
    const type = req.getType();
    const props = (req.getObject ? req.getObject() : req.getProperties?.())?.toJavaScript() ?? {};
    if (type === "pulumi:pulumi:Stack") stackUrn = urn;
    if (type.startsWith("pulumi:providers:")) {
      const allowed = props.allowedAccountIds;
      providers.set(urn, {
        account: Array.isArray(allowed) && typeof allowed[0] === "string" ? allowed[0] : input.accountId,
        region: typeof props.region === "string" ? props.region : input.region,
      });
    }
    const deps = new Set<string>(req.getDependenciesList());
    for (const [, v] of req.getPropertydependenciesMap?.().entries() ?? []) for (const u of v.getUrnsList()) deps.add(u);
    const ignoreChanges = kind === "register" ? req.getIgnorechangesList?.() ?? [] : [];
    const replaceOnChanges = kind === "register" ? req.getReplaceonchangesList?.() ?? [] : [];
    const r: CapturedResource = {
      urn,
      type,
      name: req.getName(),
      custom,
      id: (kind === "read" ? req.getId?.() : resp.getId?.()) || undefined,
      parent: req.getParent() || undefined,
      provider: req.getProvider() || undefined,
      dependencies: [...deps],
      protect: kind === "register" ? Boolean(req.getProtect?.()) : undefined,
      retainOnDelete: kind === "register" ? Boolean(req.getRetainondelete?.()) : undefined,
      ...(ignoreChanges.length > 0 && { ignoreChanges: [...ignoreChanges] }),
      ...(kind === "register" && req.getDeletebeforereplace?.() && { deleteBeforeReplace: true }),
      ...(replaceOnChanges.length > 0 && { replaceOnChanges: [...replaceOnChanges] }),
      props: compactWire(props) as Record<string, unknown>,
      outputs: compactWire((resp.getObject ? resp.getObject() : resp.getProperties?.())?.toJavaScript() ?? {}) as Record<string, unknown>,
    };
    if (!captured.has(urn)) order.push(urn);
    captured.set(urn, r);
  };
  for (const [method, kind] of [["registerResource", "register"], ["readResource", "read"]] as const) {
    const original = monitor[method].bind(monitor);
    monitor[method] = (req, cb) =>
      original(req, (err, resp) => {
        if (!err && resp) record(req, kind === "read" ? true : Boolean(req.getCustom?.()), kind)(resp);
        cb(err, resp);
      });
  }
  const originalOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req, cb) => {
    const r = captured.get(req.getUrn());
    if (r && !r.custom) {
      const raw = req.getOutputs()?.toJavaScript() ?? {};
      if (r.urn === stackUrn) rawStackOutputs = raw;
      r.outputs = compactWire(raw) as Record<string, unknown>;
    }
    originalOutputs(req, cb);
  };
  // A failed registration can leave the program's promises pending forever (the engine would end the run on the
  // logged error): the first error, logged or unhandled, ends the wait shortly after, so the batch goes on.
  let failure: unknown;
  let giveUp: () => void = () => undefined;
  const failed = new Promise<void>((resolve) => (giveUp = () => setTimeout(resolve, 250)));
  const logError = pulumi.log.error;
  (pulumi.log as { error: typeof pulumi.log.error }).error = (msg: string, ...rest) => {
    logged.push(msg);
    giveUp();
    return logError(msg, ...rest);
  };
  const onRejection = (e: unknown) => {
    failure ??= e;
    giveUp();
  };
  process.on("unhandledRejection", onRejection);
  try {
    const run = (async () => {
      await pulumi.runtime.runInPulumiStack(async () => {
        // As cmd/run: require the program (a folder must end in "/"), call an exported function, await the result.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const exported = require(input.program.endsWith(".ts") || input.program.endsWith(".js") ? input.program : input.program + path.sep);
        const outputs = exported instanceof Function ? await exported() : exported;
        loadedAt = Date.now();
        return outputs;
      });
      await pulumi.runtime.disconnect();
    })();
    await Promise.race([run, failed]);
  } catch (e) {
    failure ??= e;
  } finally {
    // A failed program can leave further rejections of its promises: Node reports them once the microtasks drain.
    // Let that happen while this plan still listens, so they count here, not in the next stack or as a crash.
    await new Promise((resolve) => setImmediate(resolve));
    process.off("unhandledRejection", onRejection);
    (pulumi.log as { error: typeof pulumi.log.error }).error = logError;
  }

  if (deferred) return { ok: false, kind: "deferred", needs: deferred.needs };
  // The SDK wraps the mock's error in serialization context; the reference's own line is the useful one.
  if (referenceError) return { ok: false, kind: "program", message: referenceError, detail: referenceError };
  if (failure !== undefined) {
    const errs = (failure as { errors?: unknown }).errors;
    if (Array.isArray(errs) && errs.every((e) => e && typeof e.file === "string" && typeof e.problem === "string")) {
      return { ok: false, kind: "config", errors: errs.map((e) => ({ file: e.file, pointer: e.pointer ?? "", problem: e.problem })) };
    }
    const isRun = pulumi.RunError.isInstance(failure);
    const message = failure instanceof Error ? failure.message : String(failure);
    const detail = failure instanceof Error ? (isRun ? failure.message : String(failure.stack ?? failure.message)) : String(failure);
    return { ok: false, kind: "program", message: firstLine(message), detail };
  }
  if (logged.length > 0) return { ok: false, kind: "program", message: firstLine(logged.join("\n")), detail: logged.join("\n") };

  const resources = order.map((u) => captured.get(u)!);
  const stack = captured.get(stackUrn);
  lastRawOutputs = rawStackOutputs;
  const tsNode = (globalThis as { __planTsNodeVersion?: string }).__planTsNodeVersion;
  const boot = bootTimings();
  const end = Date.now();
  const timings: PlanTimings = {
    bootMs: Math.round(boot.bootMs),
    transpileMs: Math.round(boot.transpileMs - boot0.transpileMs),
    transpiled: boot.transpiled - boot0.transpiled,
    reused: boot.reused - boot0.reused,
    loadMs: loadedAt - t0,
    settleMs: end - loadedAt,
  };
  return { ok: true, resources, outputs: stack?.outputs ?? {}, ms: end - t0, ...(tsNode && { tsNode }), timings };
}

/** Raw (uncompacted) stack outputs of the last successful {@link runPlan}: what a StackReference to it reads. */
let lastRawOutputs: Record<string, unknown> = {};

/** References answered from `stackOutputs` only (a plan outside a batch). */
function defaultResolver(input: PlanWorkerInput): ReferenceResolver {
  return (ref) => {
    const outputs = lookupStackOutputs(input.stackOutputs, ref);
    return outputs ? { outputs } : { error: `stack ${input.stack} reads StackReference ${JSON.stringify(ref)}, which is neither given in stackOutputs nor planned in this batch` };
  };
}

/** `org/project/stack`, `project/stack` or `stack` → its parts. */
function parseStackName(ref: string): { project?: string; stack: string } {
  const parts = ref.split("/");
  return parts.length >= 2 ? { project: parts[parts.length - 2], stack: parts[parts.length - 1] } : { stack: ref };
}

/** The index of the batch input `ref` names (same stack, and same project when `ref` names one), if any. */
export function batchIndexOf(inputs: readonly Pick<PlanWorkerInput, "project" | "stack">[], ref: string): number {
  const { project, stack } = parseStackName(ref);
  return inputs.findIndex((i) => i.stack === stack && (project === undefined || i.project === project));
}

/** The modules loaded before any program ran: the planner's own (ts-node, the SDK's tsutils, this file, its imports). */
const plannerModules = new Set(Object.keys(require.cache));

/**
 * Forgets every module a program loaded outside node_modules (the project's files, and shared code elsewhere such as
 * `infra/components` imported by `examples/payments`), so the next stack runs the program afresh, as a new `pulumi`
 * process would. Packages stay loaded; the SDK's runtime state is per stack (`withLocalStorage`).
 */
function forgetProgramModules(): void {
  for (const key of Object.keys(require.cache)) {
    if (!plannerModules.has(key) && !key.includes(`${path.sep}node_modules${path.sep}`) && !key.includes(STATELESS_LIBRARY)) delete require.cache[key];
  }
}

/**
 * The rules library is pure (no Pulumi, no program state; only caches such as compiled schemas), so programs that import
 * it from source share one copy across stacks instead of recompiling the rules' meta-schema per stack.
 */
const STATELESS_LIBRARY = `${path.sep}consistency-rules${path.sep}src${path.sep}`;

/**
 * Plans stacks one after the other in this thread, each with its own Pulumi runtime state: a fresh `LocalStore`
 * through the SDK's `withLocalStorage` (the mechanism the Automation API uses for inline programs) and freshly
 * loaded program modules.
 */
export async function runPlans(inputs: readonly PlanWorkerInput[]): Promise<PlanWorkerResult[]> {
  const results: (PlanWorkerResult | undefined)[] = new Array(inputs.length);
  const outputsOf = new Map<number, Record<string, unknown>>();
  // Stacks a deferred plan waits for; a stack is planned once everything it waits for is done.
  const waitsFor = new Map<number, number>();
  const queue = inputs.map((_, i) => i);
  while (queue.length > 0) {
    const index = queue.shift()!;
    const input = inputs[index];
    const resolve: ReferenceResolver = (ref) => {
      const given = lookupStackOutputs(input.stackOutputs, ref);
      if (given) return { outputs: given };
      const other = batchIndexOf(inputs, ref);
      if (other < 0) return defaultResolver(input)(ref);
      if (other === index) return { error: `stack ${input.stack} reads StackReference ${JSON.stringify(ref)}, i.e. its own outputs` };
      const planned = outputsOf.get(other);
      if (planned) return { outputs: planned };
      const done = results[other];
      if (done) return { error: `stack ${input.stack} reads StackReference ${JSON.stringify(ref)}, whose plan failed` };
      // A cycle (other waits, directly or not, for this one) can never be planned.
      for (let w = waitsFor.get(other); w !== undefined; w = waitsFor.get(w)) {
        if (w === index) return { error: `stack ${input.stack} reads StackReference ${JSON.stringify(ref)}, which reads ${input.stack} (a cycle)` };
      }
      return { defer: other };
    };
    forgetProgramModules();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const state = require(path.join(path.dirname(input.pulumiModule), "runtime", "state")) as {
      withLocalStorage<T>(fn: () => T): T;
    };
    const result = await state.withLocalStorage(() => runPlan(input, resolve));
    if (!result.ok && result.kind === "deferred") {
      // Plan the referenced stack first (move it to the front if still queued), then this one again.
      waitsFor.set(index, result.needs);
      const at = queue.indexOf(result.needs);
      if (at >= 0) queue.splice(at, 1);
      queue.unshift(result.needs, index);
      continue;
    }
    waitsFor.delete(index);
    results[index] = result;
    if (result.ok) outputsOf.set(index, lastRawOutputs);
  }
  return results as PlanWorkerResult[];
}

// Entry when started as a worker by plan.ts.
if (parentPort && workerData && (workerData as { __planWorker?: boolean }).__planWorker) {
  // A rejection outside any plan (each plan listens while it runs) would end the worker and lose every result.
  process.on("unhandledRejection", () => undefined);
  const port = parentPort;
  const data = workerData as { inputs: PlanWorkerInput[] };
  runPlans(data.inputs).then(
    (results) => port.postMessage(results),
    (e) => port.postMessage(data.inputs.map(() => ({ ok: false, kind: "program", message: firstLine(String((e as Error)?.message ?? e)), detail: String((e as Error)?.stack ?? e) }) satisfies PlanWorkerResult)),
  );
}
