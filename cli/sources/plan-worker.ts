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
  props: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

export type PlanWorkerResult =
  | { ok: true; resources: CapturedResource[]; outputs: Record<string, unknown>; ms: number }
  | { ok: false; kind: "config"; errors: { file: string; pointer: string; problem: string }[] }
  | { ok: false; kind: "program"; message: string };

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

export async function runPlan(input: PlanWorkerInput): Promise<PlanWorkerResult> {
  const t0 = Date.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pulumi: typeof PulumiModule = require(input.pulumiModule);
  const captured = new Map<string, CapturedResource>();
  const order: string[] = [];
  const providers = new Map<string, { account: string; region: string }>();
  let stackUrn = "";
  const logged: string[] = [];

  const contextOf = (providerRef: string) => {
    const urn = providerRef.split("::").slice(0, -1).join("::");
    return providers.get(urn) ?? { account: input.accountId, region: input.region };
  };

  const mocks: PulumiModule.runtime.Mocks = {
    newResource(args) {
      if (args.type === "pulumi:pulumi:StackReference") {
        const ref = String(args.inputs.name ?? args.name);
        const outputs = lookupStackOutputs(input.stackOutputs, ref);
        if (!outputs) throw new Error(`StackReference ${ref}: no outputs given for this stack (stackOutputs)`);
        return { id: ref, state: { name: ref, outputs, secretOutputNames: [] } };
      }
      const { account, region } = args.provider ? contextOf(args.provider) : { account: input.accountId, region: input.region };
      if (!args.custom) return { id: "", state: {} };
      const { id, state } = mockOutputs(args.type, args.name, args.inputs, account, region);
      return { id, state: { ...args.inputs, ...state } };
    },
    call(args) {
      if (args.token === "aws:index/getCallerIdentity:getCallerIdentity") {
        return { accountId: input.accountId, arn: `arn:aws:iam::${input.accountId}:root`, userId: input.accountId };
      }
      if (args.token === "aws:index/getRegion:getRegion") return { name: input.region, region: input.region, id: input.region };
      return args.inputs;
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
    if (r && !r.custom) r.outputs = compactWire(req.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>;
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
        return exported instanceof Function ? await exported() : exported;
      });
      await pulumi.runtime.disconnect();
    })();
    await Promise.race([run, failed]);
  } catch (e) {
    failure ??= e;
  } finally {
    process.off("unhandledRejection", onRejection);
    (pulumi.log as { error: typeof pulumi.log.error }).error = logError;
  }

  if (failure !== undefined) {
    const errs = (failure as { errors?: unknown }).errors;
    if (Array.isArray(errs) && errs.every((e) => e && typeof e.file === "string" && typeof e.problem === "string")) {
      return { ok: false, kind: "config", errors: errs.map((e) => ({ file: e.file, pointer: e.pointer ?? "", problem: e.problem })) };
    }
    const isRun = pulumi.RunError.isInstance(failure);
    const message = failure instanceof Error ? (isRun ? failure.message : String(failure.stack ?? failure.message)) : String(failure);
    return { ok: false, kind: "program", message };
  }
  if (logged.length > 0) return { ok: false, kind: "program", message: logged.join("\n") };

  const resources = order.map((u) => captured.get(u)!);
  const stack = captured.get(stackUrn);
  return { ok: true, resources, outputs: stack?.outputs ?? {}, ms: Date.now() - t0 };
}

/**
 * Forgets the modules of the project (not its node_modules, not the planner), so the next stack runs the program
 * afresh, as a new `pulumi` process would.
 */
function forgetProgramModules(dirs: readonly string[]): void {
  const roots = dirs.map((d) => (d.endsWith(path.sep) ? d : d + path.sep));
  const self = path.dirname(__filename);
  for (const key of Object.keys(require.cache)) {
    if (roots.some((r) => key.startsWith(r)) && !key.includes(`${path.sep}node_modules${path.sep}`) && path.dirname(key) !== self) delete require.cache[key];
  }
}

/**
 * Plans stacks one after the other in this thread, each with its own Pulumi runtime state: a fresh `LocalStore`
 * through the SDK's `withLocalStorage` (the mechanism the Automation API uses for inline programs) and freshly
 * loaded program modules.
 */
export async function runPlans(inputs: readonly PlanWorkerInput[]): Promise<PlanWorkerResult[]> {
  const results: PlanWorkerResult[] = [];
  for (const input of inputs) {
    forgetProgramModules([input.projectDir, /\.[jt]s$/.test(input.program) ? path.dirname(input.program) : input.program]);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const state = require(path.join(path.dirname(input.pulumiModule), "runtime", "state")) as {
      withLocalStorage<T>(fn: () => T): T;
    };
    results.push(await state.withLocalStorage(() => runPlan(input)));
  }
  return results;
}

// Entry when started as a worker by plan.ts.
if (parentPort && workerData && (workerData as { __planWorker?: boolean }).__planWorker) {
  const port = parentPort;
  const data = workerData as { inputs: PlanWorkerInput[] };
  runPlans(data.inputs).then(
    (results) => port.postMessage(results),
    (e) => port.postMessage(data.inputs.map(() => ({ ok: false, kind: "program", message: String((e as Error)?.stack ?? e) }) satisfies PlanWorkerResult)),
  );
}
