/**
 * Starts a policy pack exactly as the Pulumi engine does and drives it over the real `pulumirpc.Analyzer` gRPC
 * protocol. Used by the tests, the benchmark and the `parity` CLI (`policy-pack/harness` → `Finding[]`).
 *
 *   node <pack>/node_modules/@pulumi/pulumi/cmd/run-policy-pack <engineAddr> <packDir>   (cwd = packDir)
 *     → prints its port on stdout → GetAnalyzerInfo / Configure / ConfigureStack / Analyze / AnalyzeStack
 *
 * It speaks as the engine does (pkg/resource/deploy/step_generator.go, analyze_snapshot.go, plugin/analyzer_plugin.go):
 *  - per resource: Remediate, then Analyze with the resource's (provider-checked) *inputs*, the provider's inputs,
 *    the resource options; a remediation's properties replace the inputs in a deployment (not in `analyze --file`);
 *  - AnalyzeStack once with every resource's *outputs* (a plan's mock outputs, an export's state outputs; the
 *    inputs where a source has no outputs), parent, dependencies and property dependencies;
 *  - properties marshalled with KeepUnknowns, KeepSecrets, SkipInternalKeys and without KeepResources: nulls kept,
 *    top-level `__` keys dropped, unknowns as the unknown sentinel, secrets as `{ <sig>: <secret sig>, value }`
 *    (a secret an export carries only as ciphertext as the string `[secret]`, as `pulumi policy analyze --file`
 *    redacts it), resource references as the referenced id (custom) or URN (component), output values as their
 *    element (unknown if not known, secret-wrapped if secret);
 *  - ConfigureStack (stack, project, organization, tags, dry-run, stack config) before analysing a stack.
 * {@link PackSession.analyzeFile} runs a `pulumi stack export` exactly as `pulumi policy analyze --file` does.
 * `close()` always kills the process, and so does the exit of this process (packs do not exit when their parent dies).
 */
import { spawn, type ChildProcess } from "child_process";
import { createRequire } from "module";
import * as path from "path";
import type * as grpcTypes from "@grpc/grpc-js";
import type * as analyzerPbTypes from "@pulumi/pulumi/proto/analyzer_pb";
import type * as structPbTypes from "google-protobuf/google/protobuf/struct_pb";
import { stackPolicyOutputs } from "../../consistency-rules/src/lock";
import { logicalIdOf } from "../../consistency-rules/src/normalise";
import type { Finding, Severity, Snapshot, SnapshotResource } from "../../consistency-rules/src/model";
import {
  ARCHIVE_SIG,
  ASSET_SIG,
  isSecret,
  RESOURCE_REF_SIG,
  SECRET_PLACEHOLDER,
  SECRET_SIG,
  SIG_KEY,
  UNKNOWN,
} from "../../consistency-rules/src/sentinels";

/** The SDKs' output-value signature (`resource.OutputValueSig`). */
const OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";
/** Per-policy config as the engine sends it: `{ "<policy>": "<level>" | { enforcementLevel?, ...properties } }`. */
export type PolicyPackConfig = Readonly<Record<string, EnforcementLevel | Readonly<Record<string, unknown>>>>;

export interface PolicyInfo {
  readonly name: string;
  readonly description: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly severity?: Severity;
  readonly type: "resource" | "stack" | "unknown";
  readonly remediationSteps?: string;
  readonly url?: string;
  readonly configSchema?: { readonly properties: Record<string, unknown>; readonly required: string[] };
}

export interface PackInfo {
  readonly name: string;
  readonly version: string;
  readonly supportsConfig: boolean;
  readonly policies: readonly PolicyInfo[];
}

export interface Diagnostic {
  readonly policyName: string;
  readonly policyPackName: string;
  readonly message: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly severity?: Severity;
  readonly urn?: string;
}

export interface StartOptions {
  /** The pack directory (has package.json whose `main` is the pack, and node_modules reachable from it). */
  readonly packDir: string;
  /** What the engine passes as first argument (the runner discards it); a placeholder by default. */
  readonly engineAddress?: string;
  /** How long to wait for the port (default 60 s: a TypeScript pack compiles with ts-node first). */
  readonly readyTimeoutMs?: number;
  /** Extra environment for the pack process. */
  readonly env?: NodeJS.ProcessEnv;
}

/** What Remediate returned for one policy: new properties, or a diagnostic (the engine reports it as advisory). */
export interface Remediation {
  readonly policyName: string;
  readonly policyPackName: string;
  readonly properties?: Record<string, unknown>;
  readonly diagnostic?: string;
}

export interface StackConfiguration {
  readonly stack: string;
  readonly project: string;
  readonly organization?: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** true for a preview (the default), false for an update. */
  readonly dryRun?: boolean;
  /** The stack's config (`<namespace>:<key>` → JSON-encoded or plain string), as the engine sends it. */
  readonly config?: Readonly<Record<string, string>>;
  readonly configSecretKeys?: readonly string[];
}

/** A `pulumi stack export` (version 3) as `pulumi policy analyze --file` reads it. */
export interface StackExport {
  readonly version?: number;
  readonly deployment: { readonly resources?: readonly ExportResource[] };
}
interface ExportResource {
  readonly urn: string;
  readonly type: string;
  readonly custom?: boolean;
  readonly id?: string;
  readonly delete?: boolean;
  readonly parent?: string;
  readonly provider?: string;
  readonly dependencies?: readonly string[];
  readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
  readonly protect?: boolean;
  readonly inputs?: Record<string, unknown>;
  readonly outputs?: Record<string, unknown>;
  readonly ignoreChanges?: readonly string[];
  readonly additionalSecretOutputs?: readonly string[];
  readonly aliases?: readonly unknown[];
  readonly customTimeouts?: ResourceOptionsSource["customTimeouts"];
}

export interface PackSession {
  readonly pid: number;
  readonly port: number;
  /** Milliseconds from spawn to the port being printed. */
  readonly readyMs: number;
  info(): Promise<PackInfo>;
  configure(config: PolicyPackConfig): Promise<void>;
  configureStack(stack: StackConfiguration): Promise<void>;
  /** Remediate one resource (its inputs), as the engine does before Analyze. */
  remediate(resource: SnapshotResource, providers?: ReadonlyMap<string, SnapshotResource>): Promise<Remediation[]>;
  /**
   * Remediate, then Analyze one resource (its inputs; a remediation's properties replace them unless
   * `applyRemediations: false`, as in `analyze --file`). `providers` resolves `resource.provider` to the provider's
   * resource. Remediation diagnostics come first, advisory, as the engine reports them.
   */
  analyze(
    resource: SnapshotResource,
    providers?: ReadonlyMap<string, SnapshotResource>,
    opts?: { remediate?: boolean; applyRemediations?: boolean },
  ): Promise<Diagnostic[]>;
  /** AnalyzeStack with each resource's outputs (its inputs where the source has no outputs). */
  analyzeStack(resources: readonly SnapshotResource[]): Promise<Diagnostic[]>;
  /** ConfigureStack (from the snapshot's context), every resource through Remediate+Analyze, then AnalyzeStack → findings. */
  analyzeSnapshot(
    snapshot: Snapshot,
    opts?: {
      tags?: Readonly<Record<string, string>>;
      concurrency?: number;
      dryRun?: boolean;
      config?: Readonly<Record<string, string>>;
    },
  ): Promise<Finding[]>;
  /**
   * `pulumi policy analyze --file <export>`: no ConfigureStack; every non-deleted resource in state order through
   * Remediate (reported, not applied) and Analyze with its state inputs; AnalyzeStack with the state outputs; a
   * stack policy's diagnostic without a resource of the stack attributed to the root stack.
   */
  analyzeFile(exported: StackExport): Promise<Diagnostic[]>;
  close(): Promise<void>;
}

/** Marker the pack puts in front of indeterminate reports: `[indeterminate] <policy-id>: …`. */
export const INDETERMINATE_RE = /^\[indeterminate\] ([a-z0-9-]+): /;
/** The SDK's own message when a policy touched an unknown value through its proxy. */
const SDK_UNKNOWN_RE = /^can't run policy '([^']+)' from policy pack .* during preview: /;

const ROOT = path.resolve(__dirname, "..", "..", __dirname.includes(`${path.sep}dist${path.sep}`) ? ".." : "");

/** Loads the gRPC/protobuf modules the way @pulumi/pulumi resolves them, so message classes are the pack's. */
function protocol(packDir: string) {
  let pulumiPkg: string;
  try {
    pulumiPkg = require.resolve("@pulumi/pulumi/package.json", { paths: [packDir] });
  } catch {
    pulumiPkg = require.resolve("@pulumi/pulumi/package.json", { paths: [ROOT] });
  }
  const req = createRequire(pulumiPkg);
  return {
    runner: path.join(path.dirname(pulumiPkg), "cmd", "run-policy-pack"),
    grpc: req("@grpc/grpc-js") as typeof grpcTypes,
    pb: req("./proto/analyzer_pb") as typeof analyzerPbTypes,
    rpc: req("./proto/analyzer_grpc_pb") as {
      AnalyzerClient: new (addr: string, creds: grpcTypes.ChannelCredentials, opts?: object) => grpcTypes.Client;
    },
    struct: req("google-protobuf/google/protobuf/struct_pb") as typeof structPbTypes,
    empty: req("google-protobuf/google/protobuf/empty_pb") as { Empty: new () => unknown },
    jspb: req("google-protobuf") as {
      BinaryWriter: new () => {
        beginSubMessage(field: number): void;
        endSubMessage(): void;
        writeString(field: number, v: string): void;
        writeEnum(field: number, v: number): void;
        writeDouble(field: number, v: number): void;
        writeBool(field: number, v: boolean): void;
        writeSerializedMessage(bytes: Uint8Array, start: number, end: number): void;
        getResultBuffer(): Uint8Array;
      };
    },
  };
}

/** One policy's entry of a ConfigureAnalyzerRequest. */
export interface ConfigureEntry {
  readonly name: string;
  readonly level: EnforcementLevel;
  readonly properties: Readonly<Record<string, unknown>>;
}

/**
 * The ConfigureAnalyzerRequest's bytes exactly as its generated serializer writes them (map entries in key order, the
 * default level omitted, each value a `google.protobuf.Value` from `Value.fromJavaScript`), but each distinct property
 * value encoded once: `parity check` gives the project's rules to some 40 policies, and converting and encoding them 40
 * times per stack cost more than the pack's whole analysis.
 */
function encodeConfigure(p: ReturnType<typeof protocol>, entries: readonly ConfigureEntry[]): Uint8Array {
  const encoded = new Map<unknown, Uint8Array>();
  const valueBytes = (v: unknown): Uint8Array => {
    const known = v !== null && typeof v === "object" ? encoded.get(v) : undefined;
    if (known) return known;
    const bytes = p.struct.Value.fromJavaScript(v as structPbTypes.JavaScriptValue).serializeBinary();
    if (v !== null && typeof v === "object") encoded.set(v, bytes);
    return bytes;
  };
  const w = new p.jspb.BinaryWriter();
  const byName = new Map(entries.map((e) => [e.name, e]));
  for (const name of [...byName.keys()].sort()) {
    const e = byName.get(name)!;
    w.beginSubMessage(1); // map<string, PolicyConfig> policyConfig = 1: entry { key = 1, value = 2 }
    w.writeString(1, name);
    w.beginSubMessage(2);
    const level = LEVELS.indexOf(e.level);
    if (level !== 0) w.writeEnum(1, level); // PolicyConfig.enforcementLevel = 1
    w.beginSubMessage(2); // PolicyConfig.properties = 2: Struct { map<string, Value> fields = 1 }
    for (const key of Object.keys(e.properties).sort()) {
      w.beginSubMessage(1);
      w.writeString(1, key);
      const bytes = valueBytes(e.properties[key]);
      w.beginSubMessage(2);
      w.writeSerializedMessage(bytes, 0, bytes.length);
      w.endSubMessage();
      w.endSubMessage();
    }
    w.endSubMessage();
    w.endSubMessage();
    w.endSubMessage();
  }
  return w.getResultBuffer();
}

/** {@link encodeConfigure} for the pack at `packDir` (its protocol modules): the bytes Configure sends. */
export function configureRequestBytes(packDir: string, entries: readonly ConfigureEntry[]): Uint8Array {
  return encodeConfigure(protocol(path.resolve(packDir)), entries);
}

type Protocol = ReturnType<typeof protocol>;
type Writer = InstanceType<Protocol["jspb"]["BinaryWriter"]>;

/**
 * A `google.protobuf.Struct`'s fields for the JSON-like object `o` (wire form: {@link toWire}), written exactly as
 * `Struct.fromJavaScript(o).serializeBinary()` writes them (map entries in key order, as jspb's Map does), with the
 * installed writer, but without building a message object per value: properties are most of what a check encodes.
 */
function writeStruct(w: Writer, o: Readonly<Record<string, unknown>>): void {
  for (const k of Object.keys(o).sort()) {
    w.beginSubMessage(1); // map<string, Value> fields = 1: entry { key = 1, value = 2 }
    w.writeString(1, k);
    w.beginSubMessage(2);
    writeValue(w, o[k]);
    w.endSubMessage();
    w.endSubMessage();
  }
}

/** A `google.protobuf.Value`'s fields (its `kind`), as `Value.fromJavaScript(v).serializeBinary()` writes them. */
function writeValue(w: Writer, v: unknown): void {
  if (v === null)
    w.writeEnum(1, 0); // null_value = 1 (NULL_VALUE)
  else if (typeof v === "number") w.writeDouble(2, v);
  else if (typeof v === "string") w.writeString(3, v);
  else if (typeof v === "boolean") w.writeBool(4, v);
  else if (Array.isArray(v)) {
    w.beginSubMessage(6); // list_value = 6: ListValue { repeated Value values = 1 }
    for (const x of v) {
      w.beginSubMessage(1);
      writeValue(w, x);
      w.endSubMessage();
    }
    w.endSubMessage();
  } else if (typeof v === "object") {
    w.beginSubMessage(5); // struct_value = 5
    writeStruct(w, v as Record<string, unknown>);
    w.endSubMessage();
  } else throw new Error(`Unexpected struct type: ${typeof v}`); // as Value.fromJavaScript
}

/** Appends a message's serialized bytes as the fields they are (no tag, no length). */
function append(w: Writer, m: { serializeBinary(): Uint8Array } | Uint8Array): void {
  const bytes = m instanceof Uint8Array ? m : m.serializeBinary();
  w.writeSerializedMessage(bytes, 0, bytes.length);
}

/** Appends `bytes` as the embedded message field `field`. */
function embed(w: Writer, field: number, bytes: Uint8Array): void {
  w.beginSubMessage(field);
  w.writeSerializedMessage(bytes, 0, bytes.length);
  w.endSubMessage();
}

/**
 * The requests the harness sends, as bytes equal to the generated serializers' (fields in number order, defaults
 * left out). AnalyzeRequest, AnalyzerResource and AnalyzerProviderResource all begin `type = 1, properties = 2`:
 * those two are written here (the properties by {@link writeStruct}), the other fields by the generated code on a
 * message that holds only them, and an embedded provider from its own bytes (encoded once per provider and call).
 * Each request object is the protocol's own message class, its `serializeBinary` returning these bytes, so gRPC
 * sends them unchanged. Tests check the bytes against the generated serializer's.
 */
function encoder(p: Protocol) {
  const head = (type: string, props: unknown): Writer => {
    const w = new p.jspb.BinaryWriter();
    if (type.length > 0) w.writeString(1, type);
    w.beginSubMessage(2);
    writeStruct(w, (toWire(props) ?? {}) as Record<string, unknown>);
    w.endSubMessage();
    return w;
  };
  /** The resource options the engine sends analyzers (AnalyzerResourceOptions), from what the source captured. */
  const options = (r: SnapshotResource) => {
    const ro = r as ResourceOptionsSource;
    const o = new p.pb.AnalyzerResourceOptions();
    o.setProtect(r.protect === true);
    if (ro.ignoreChanges?.length) o.setIgnorechangesList([...ro.ignoreChanges]);
    if (ro.deleteBeforeReplace !== undefined) {
      o.setDeletebeforereplace(ro.deleteBeforeReplace);
      o.setDeletebeforereplacedefined(true);
    }
    if (ro.additionalSecretOutputs?.length) o.setAdditionalsecretoutputsList([...ro.additionalSecretOutputs]);
    if (ro.aliases?.length) o.setAliasesList(ro.aliases.filter((a): a is string => typeof a === "string"));
    if (ro.customTimeouts) {
      const t = new p.pb.AnalyzerResourceOptions.CustomTimeouts();
      t.setCreate(seconds(ro.customTimeouts.create));
      t.setUpdate(seconds(ro.customTimeouts.update));
      t.setDelete(seconds(ro.customTimeouts.delete));
      o.setCustomtimeouts(t);
    }
    if (r.parent) o.setParent(r.parent);
    return o;
  };
  // One encoding per provider and providers map (one call's resources): every resource of a stack names the same few.
  const providerBytes = new WeakMap<object, Map<string, Uint8Array>>();
  const provider = (r: SnapshotResource, providers?: ReadonlyMap<string, SnapshotResource>) => {
    const urn = providerUrn(r.provider) ?? "";
    const pr = providers?.get(urn);
    if (!pr) return undefined;
    let known = providerBytes.get(providers!);
    if (!known) providerBytes.set(providers!, (known = new Map()));
    let bytes = known.get(urn);
    if (!bytes) {
      const rest = new p.pb.AnalyzerProviderResource(); // urn = 3, name = 4
      rest.setUrn(pr.urn);
      rest.setName(pr.name);
      const w = head(pr.type, pr.props);
      append(w, rest);
      known.set(urn, (bytes = w.getResultBuffer()));
    }
    return bytes;
  };
  const sealed = <M extends { serializeBinary(): Uint8Array }>(m: M, bytes: Uint8Array): M => {
    m.serializeBinary = () => bytes;
    return m;
  };
  /** Remediate's and Analyze's request: the resource with `props` as its properties (inputs, or remediated). */
  const analyzeRequest = (r: SnapshotResource, props: unknown, providers?: ReadonlyMap<string, SnapshotResource>) => {
    const rest = new p.pb.AnalyzeRequest(); // urn = 3, name = 4, options = 5; provider = 6 from its bytes
    rest.setUrn(r.urn);
    rest.setName(r.name);
    rest.setOptions(options(r));
    const w = head(r.type, props);
    append(w, rest);
    const pr = provider(r, providers);
    if (pr) embed(w, 6, pr);
    return sealed(new p.pb.AnalyzeRequest(), w.getResultBuffer());
  };
  /** AnalyzeStack's request: every resource with its outputs (its inputs where the source has none). */
  const analyzeStackRequest = (resources: readonly SnapshotResource[]) => {
    const providers = new Map(resources.map((r) => [r.urn, r]));
    const w = new p.jspb.BinaryWriter();
    for (const r of resources) {
      const before = new p.pb.AnalyzerResource(); // urn = 3, name = 4, options = 5
      before.setUrn(r.urn);
      before.setName(r.name);
      before.setOptions(options(r));
      const after = new p.pb.AnalyzerResource(); // parent = 7, dependencies = 8, propertyDependencies = 9
      if (r.parent) after.setParent(r.parent);
      after.setDependenciesList([...r.dependencies]);
      const pd = (r as ResourceOptionsSource).propertyDependencies;
      if (pd) {
        const map = after.getPropertydependenciesMap();
        for (const [k, urns] of Object.entries(pd)) {
          const d = new p.pb.AnalyzerPropertyDependencies();
          d.setUrnsList([...urns]);
          map.set(k, d);
        }
      }
      // The engine sends AnalyzeStack the final outputs (a preview: inputs merged with what the provider knows),
      // with the engine's secret marks (a mock's whole-property secret put back per nested value).
      const m = head(r.type, stackPolicyOutputs(r) ?? r.props);
      append(m, before);
      const pr = provider(r, providers);
      if (pr) embed(m, 6, pr);
      append(m, after);
      embed(w, 1, m.getResultBuffer()); // repeated AnalyzerResource resources = 1
    }
    return sealed(new p.pb.AnalyzeStackRequest(), w.getResultBuffer());
  };
  return { analyzeRequest, analyzeStackRequest };
}

/** The bytes the harness sends as Remediate's and Analyze's request (tests compare them with the generated code's). */
export function analyzeRequestBytes(
  packDir: string,
  r: SnapshotResource,
  providers?: ReadonlyMap<string, SnapshotResource>,
): Uint8Array {
  return encoder(protocol(path.resolve(packDir)))
    .analyzeRequest(r, r.props, providers)
    .serializeBinary();
}

/** The bytes the harness sends as AnalyzeStack's request. */
export function analyzeStackRequestBytes(packDir: string, resources: readonly SnapshotResource[]): Uint8Array {
  return encoder(protocol(path.resolve(packDir)))
    .analyzeStackRequest(resources)
    .serializeBinary();
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const c of live) c.kill("SIGKILL");
  });
}

const LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "disabled", "remediate"];
const SEVERITIES: (Severity | undefined)[] = [undefined, "low", "medium", "high", "critical"];

/**
 * Engine marshalling for analyzers (MarshalProperties with KeepUnknowns, KeepSecrets, SkipInternalKeys): nulls kept,
 * `__`-prefixed keys dropped at the top level only, resource references as id/URN, output values unwrapped.
 */
export function toWire(v: unknown): unknown {
  if (v === null || v === undefined || typeof v !== "object" || Array.isArray(v) || isSpecial(v)) return wireValue(v);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x === undefined || k.startsWith("__")) continue;
    out[k] = wireValue(x);
  }
  return out;
}

function isSpecial(v: object): boolean {
  return typeof (v as Record<string, unknown>)[SIG_KEY] === "string";
}

function wireValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map(wireValue);
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (isSecret(v)) {
      // A secret as read (value), as `--show-secrets` exports it (plaintext: JSON text), or ciphertext only: the
      // engine could not decrypt it offline and redacts it, as `pulumi policy analyze --file` does.
      let value: unknown = SECRET_PLACEHOLDER;
      if ("value" in o) value = o.value;
      else if (typeof o.plaintext === "string") {
        try {
          value = JSON.parse(o.plaintext);
        } catch {
          value = o.plaintext;
        }
      }
      return { [SIG_KEY]: SECRET_SIG, value: wireValue(value) };
    }
    const sig = o[SIG_KEY];
    if (sig === ASSET_SIG || sig === ARCHIVE_SIG) return assetToWire(o, sig);
    if (sig === RESOURCE_REF_SIG) return typeof o.id === "string" || typeof o.id === "number" ? o.id : (o.urn ?? null);
    if (sig === OUTPUT_VALUE_SIG) {
      const el = "value" in o ? wireValue(o.value) : UNKNOWN;
      return o.secret === true ? { [SIG_KEY]: SECRET_SIG, value: el } : el;
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) {
      if (x === undefined) continue;
      out[k] = wireValue(x);
    }
    return out;
  }
  if (typeof v === "number" && !Number.isFinite(v)) return UNKNOWN;
  return v;
}

/**
 * Assets and archives as the engine sends them to analyzers: the signature, the hash, and one of text/path/uri
 * (assets) or assets/path/uri (archives). Offline plans and exports may carry only the content hash (the plan keeps
 * hashes, not bundle text); the SDK's deserializer requires a non-empty source, so a hash-only asset is sent with a
 * placeholder text naming its hash.
 * No policy reads asset contents.
 */
function assetToWire(v: Record<string, unknown>, sig: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = { [SIG_KEY]: sig };
  if (typeof v.hash === "string") out.hash = v.hash;
  for (const k of ["text", "path", "uri"]) if (typeof v[k] === "string") out[k] = v[k];
  if (sig === ARCHIVE_SIG && v.assets && typeof v.assets === "object") {
    out.assets = Object.fromEntries(
      Object.entries(v.assets as Record<string, unknown>).map(([k, a]) => [k, wireValue(a)]),
    );
  }
  if (!("text" in out) && !("path" in out) && !("uri" in out) && !("assets" in out)) {
    if (sig === ASSET_SIG) out.text = `(content not captured; sha256 ${String(v.hash ?? "unknown")})`;
    else out.assets = {};
  }
  return out;
}

/**
 * Resource options a snapshot may carry besides `protect` (plans capture them from the registration; exports from
 * the state). Read structurally so older snapshots without them still work.
 */
interface ResourceOptionsSource {
  readonly ignoreChanges?: readonly string[];
  readonly deleteBeforeReplace?: boolean;
  readonly additionalSecretOutputs?: readonly string[];
  readonly aliases?: readonly unknown[];
  readonly customTimeouts?: {
    readonly create?: string | number;
    readonly update?: string | number;
    readonly delete?: string | number;
  };
  /** Per-property dependencies (exports; AnalyzeStack carries them). */
  readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
}

/** A custom timeout (`"5m"`, `"1h30m"`, `"90s"` or seconds) in seconds, as the engine sends it (0 = unset). */
function seconds(v: string | number | undefined): number {
  if (typeof v === "number") return v;
  if (!v) return 0;
  let total = 0;
  for (const [, n, unit] of v.matchAll(/(\d+(?:\.\d+)?)(h|m|s)/g))
    total += Number(n) * (unit === "h" ? 3600 : unit === "m" ? 60 : 1);
  return total;
}

function providerUrn(ref: string | undefined): string | undefined {
  if (!ref) return undefined;
  const i = ref.lastIndexOf("::");
  return i > 0 ? ref.slice(0, i) : ref;
}

export async function startPack(opts: StartOptions): Promise<PackSession> {
  const packDir = path.resolve(opts.packDir);
  const p = protocol(packDir);
  installExitHook();
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [p.runner, opts.engineAddress ?? "127.0.0.1:0", packDir], {
    cwd: packDir,
    env: { ...process.env, ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr = (stderr + d).slice(-8000)));
  let exited: string | undefined;
  const exitWaiters: (() => void)[] = [];
  child.on("exit", (code, signal) => {
    live.delete(child);
    exited = `policy pack process exited (${signal ?? `code ${code}`})${stderr ? `: ${stderr.trim()}` : ""}`;
    exitWaiters.splice(0).forEach((f) => f());
  });

  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(
      () =>
        fail(
          new Error(
            `policy pack ${packDir} printed no port within ${opts.readyTimeoutMs ?? 60000} ms${stderr ? `: ${stderr.trim()}` : ""}`,
          ),
        ),
      opts.readyTimeoutMs ?? 60000,
    );
    const fail = (e: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(e);
    };
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      const m = /^(\d+)\s*$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    exitWaiters.push(() => fail(new Error(exited)));
  });
  const readyMs = Number(process.hrtime.bigint() - started) / 1e6;

  const client = new p.rpc.AnalyzerClient(`127.0.0.1:${port}`, p.grpc.credentials.createInsecure(), {
    "grpc.max_receive_message_length": 400 * 1024 * 1024,
    "grpc.max_send_message_length": 400 * 1024 * 1024,
  });
  const call = <Req, Res>(method: string, req: Req): Promise<Res> =>
    new Promise((resolve, reject) => {
      if (exited) return reject(new Error(exited));
      (client as unknown as Record<string, (r: Req, cb: (e: grpcTypes.ServiceError | null, res: Res) => void) => void>)[
        method
      ](req, (err, res) => {
        if (err) reject(new Error(exited ?? `policy pack ${method} failed: ${err.details || err.message}`));
        else resolve(res);
      });
    });

  let infoCache: PackInfo | undefined;
  const info = async (): Promise<PackInfo> => {
    if (infoCache) return infoCache;
    const res = await call<unknown, analyzerPbTypes.AnalyzerInfo>("getAnalyzerInfo", new p.empty.Empty());
    infoCache = {
      name: res.getName(),
      version: res.getVersion(),
      supportsConfig: res.getSupportsconfig(),
      policies: res.getPoliciesList().map((pi) => {
        const schema = pi.getConfigschema();
        return {
          name: pi.getName(),
          description: pi.getDescription(),
          enforcementLevel: LEVELS[pi.getEnforcementlevel()],
          severity: SEVERITIES[pi.getSeverity()],
          type: (["unknown", "resource", "stack"] as const)[pi.getPolicyType()],
          remediationSteps: pi.getRemediationSteps() || undefined,
          url: pi.getUrl() || undefined,
          configSchema: schema
            ? {
                properties: (schema.getProperties()?.toJavaScript() ?? {}) as Record<string, unknown>,
                required: schema.getRequiredList(),
              }
            : undefined,
        };
      }),
    };
    return infoCache;
  };

  const enc = encoder(p);
  const diagnostics = (res: analyzerPbTypes.AnalyzeResponse): Diagnostic[] =>
    res.getDiagnosticsList().map((d) => ({
      policyName: d.getPolicyname(),
      policyPackName: d.getPolicypackname(),
      message: d.getMessage(),
      enforcementLevel: LEVELS[d.getEnforcementlevel()],
      severity: SEVERITIES[d.getSeverity()],
      urn: d.getUrn() || undefined,
    }));

  const request = (r: SnapshotResource, props: unknown, providers?: ReadonlyMap<string, SnapshotResource>) =>
    enc.analyzeRequest(r, props, providers);

  const remediateWith = async (req: analyzerPbTypes.AnalyzeRequest): Promise<Remediation[]> => {
    const res = await call<analyzerPbTypes.AnalyzeRequest, analyzerPbTypes.RemediateResponse>("remediate", req);
    return res.getRemediationsList().map((m) => ({
      policyName: m.getPolicyname(),
      policyPackName: m.getPolicypackname(),
      ...(m.getProperties() && { properties: m.getProperties()!.toJavaScript() as Record<string, unknown> }),
      ...(m.getDiagnostic() && { diagnostic: m.getDiagnostic() }),
    }));
  };
  const remediate = (r: SnapshotResource, providers?: ReadonlyMap<string, SnapshotResource>) =>
    remediateWith(request(r, r.props, providers));

  const analyze = async (
    r: SnapshotResource,
    providers?: ReadonlyMap<string, SnapshotResource>,
    o: { remediate?: boolean; applyRemediations?: boolean } = {},
  ) => {
    const out: Diagnostic[] = [];
    let props: unknown = r.props;
    const asIs = request(r, r.props, providers);
    if (o.remediate !== false) {
      for (const m of await remediateWith(asIs)) {
        if (m.diagnostic)
          out.push({
            policyName: m.policyName,
            policyPackName: m.policyPackName,
            message: m.diagnostic,
            enforcementLevel: "advisory",
            urn: r.urn,
          });
        else if (m.properties && o.applyRemediations !== false) props = { ...m.properties };
      }
    }
    // remediated properties are in wire form already (the pack serialised them); marshalling them again keeps them.
    // Unremediated, Analyze gets the very request Remediate got.
    out.push(...diagnostics(await call("analyze", props === r.props ? asIs : request(r, props, providers))));
    return out;
  };

  const analyzeStack = async (resources: readonly SnapshotResource[]) =>
    diagnostics(await call("analyzeStack", enc.analyzeStackRequest(resources)));

  const session: PackSession = {
    pid: child.pid!,
    port,
    readyMs,
    info,
    async configure(config) {
      const entries: ConfigureEntry[] = [];
      for (const [name, c] of Object.entries(config)) {
        const { enforcementLevel, ...props } =
          typeof c === "string" ? { enforcementLevel: c } : (c as Record<string, unknown>);
        // The engine always sends a level: the configured one, else the policy's default.
        const level =
          (enforcementLevel as EnforcementLevel | undefined) ??
          (await info()).policies.find((x) => x.name === name)?.enforcementLevel ??
          "advisory";
        entries.push({ name, level, properties: props });
      }
      const req = new p.pb.ConfigureAnalyzerRequest();
      const bytes = encodeConfigure(p, entries);
      req.serializeBinary = () => bytes;
      await call("configure", req);
    },
    async configureStack({ stack, project, organization, tags, dryRun, config, configSecretKeys }) {
      const req = new p.pb.AnalyzerStackConfigureRequest();
      req.setStack(stack);
      req.setProject(project);
      req.setOrganization(organization ?? "organization");
      req.setDryRun(dryRun ?? true);
      const m = req.getTagsMap();
      for (const [k, v] of Object.entries(tags ?? {})) m.set(k, v);
      const c = req.getConfigMap();
      for (const [k, v] of Object.entries(config ?? {})) c.set(k, v);
      if (configSecretKeys?.length) req.setConfigSecretKeysList([...configSecretKeys]);
      await call("configureStack", req);
    },
    remediate,
    analyze,
    analyzeStack,
    async analyzeSnapshot(snapshot, o = {}) {
      const { stack, project } = snapshot.context;
      await session.configureStack({ stack, project, tags: o.tags, dryRun: o.dryRun, config: o.config });
      const pinfo = await info();
      const byUrn = new Map(snapshot.resources.map((r) => [r.urn, r]));
      const targets = snapshot.resources.filter((r) => !r.type.startsWith("pulumi:providers:"));
      const diags: Diagnostic[] = [];
      const width = Math.max(1, o.concurrency ?? 16);
      for (let i = 0; i < targets.length; i += width) {
        const batch = await Promise.all(targets.slice(i, i + width).map((r) => analyze(r, byUrn)));
        diags.push(...batch.flat());
      }
      diags.push(...(await analyzeStack(snapshot.resources)));
      return diags.map((d) => toFinding(d, pinfo, snapshot, byUrn));
    },
    async analyzeFile(exported) {
      const state = (exported.deployment.resources ?? []).filter((r) => !r.delete).map(fromExport);
      const providers = new Map(state.filter((r) => r.type.startsWith("pulumi:providers:")).map((r) => [r.urn, r]));
      const diags: Diagnostic[] = [];
      // analyze_snapshot.go: one resource at a time, Remediate (reported, not applied) then Analyze, inputs.
      for (const r of state) diags.push(...(await analyze(r, providers, { applyRemediations: false })));
      const root = state.find((r) => r.type === "pulumi:pulumi:Stack" && !r.parent)?.urn;
      const urns = new Set(state.map((r) => r.urn));
      for (const d of await analyzeStack(state.map((r) => ({ ...r, outputs: r.outputs ?? {} })))) {
        diags.push({ ...d, urn: d.urn && urns.has(d.urn) ? d.urn : root });
      }
      return diags;
    },
    async close() {
      client.close();
      if (exited) return;
      await new Promise<void>((resolve) => {
        exitWaiters.push(resolve);
        child.kill("SIGKILL");
      });
    },
  };
  return session;
}

/** A state resource as the engine's `stateToAnalyzerResource` reads it (name = last URN segment). */
function fromExport(r: ExportResource): SnapshotResource & ResourceOptionsSource {
  return {
    urn: r.urn,
    type: r.type,
    name: r.urn.slice(r.urn.lastIndexOf("::") + 2),
    custom: r.custom === true,
    ...(r.parent && { parent: r.parent }),
    ...(r.provider && { provider: r.provider }),
    dependencies: r.dependencies ?? [],
    protect: r.protect === true,
    props: r.inputs ?? {},
    outputs: r.outputs ?? {},
    ...(r.ignoreChanges && { ignoreChanges: r.ignoreChanges }),
    ...(r.additionalSecretOutputs && { additionalSecretOutputs: r.additionalSecretOutputs }),
    ...(r.aliases && { aliases: r.aliases }),
    ...(r.customTimeouts && { customTimeouts: r.customTimeouts }),
    ...(r.propertyDependencies && { propertyDependencies: r.propertyDependencies }),
  };
}

/** Maps a diagnostic to the one Finding model. */
export function toFinding(
  d: Diagnostic,
  info: PackInfo,
  snapshot: Snapshot,
  byUrn: ReadonlyMap<string, SnapshotResource>,
): Finding {
  // The SDK sends "<policy description>\n<message>" for string violations; keep the message.
  const nl = d.message.indexOf("\n");
  const body = nl >= 0 ? d.message.slice(nl + 1) : d.message;
  const ind = INDETERMINATE_RE.exec(body) ?? SDK_UNKNOWN_RE.exec(body);
  const ruleId = ind ? ind[1] : d.policyName;
  const policy = info.policies.find((x) => x.name === ruleId);
  const r = d.urn ? byUrn.get(d.urn) : undefined;
  const ctx = snapshot.context;
  return {
    ruleId,
    status: ind ? "indeterminate" : "fail",
    severity: policy?.severity ?? d.severity ?? "medium",
    kind: "policy",
    message: ind && INDETERMINATE_RE.test(body) ? body.slice(ind[0].length) : body,
    environments: [ctx.env],
    resource: r ? `${r.type}::${logicalIdOf(r.name, ctx)}` : undefined,
    urn: d.urn,
    enforcement: d.enforcementLevel,
    file: snapshot.origin,
  };
}
