/**
 * `pulumi stack export` (deployment v3) → {@link Snapshot} (source `export`).
 *
 * Shape (apitype.UntypedDeployment / DeploymentV3 / ResourceV3):
 * `{ version: 3, deployment: { manifest, secrets_providers?, resources?: [{ urn, custom, type, id?, inputs?, outputs?,
 * parent?, provider?, dependencies?, propertyDependencies?, protect?, retainOnDelete?, delete?, … }], pending_operations? } }`.
 * Secrets are `{ <SIG_KEY>: <SECRET_SIG>, ciphertext | plaintext }`; their content is dropped here.
 */
import type { Snapshot, SnapshotResource } from "../../consistency-rules/src/model";
import type { SourceOptions } from "../util/environment";
import { quote } from "../util/errors";
import { readJsonFile } from "../util/files";
import { MAX_VALUE_DEPTH, markSecret, stripSecrets } from "../util/secrets";
import { StrictDoc, idx, key } from "../util/strict";
import { parseUrn } from "../util/urn";

export const DEPLOYMENT_VERSION = 3;

/** Go writes a nil string/slice/map as absent or `null`, an empty string as absent or `""`: all mean "none". */
const none = (v: unknown): boolean => v === undefined || v === null || v === "";

/** A URN list where Go may write `null` for the list or (in old files) for an item. */
function urnList(d: StrictDoc, v: unknown, ptr: string): string[] {
  if (v === undefined || v === null) return [];
  const a = d.array(v, ptr);
  const out: string[] = [];
  for (let i = 0; i < a.length; i++) {
    if (none(a[i])) continue;
    out.push(d.string(a[i], idx(ptr, i)));
  }
  return out;
}

/** A resource as read, with the ResourceV3 flags that decide whether (and how) it takes part in a comparison. */
export type ReadResource = SnapshotResource & {
  /** `external: true`: read with `get`/`.get()`, its lifecycle is not Pulumi's. Kept and compared. */
  readonly external?: boolean;
  /**
   * A default provider a preview does not list but its steps reference: present, with the inputs the engine gives it
   * (the package's config and its version) but not those its provider adds when it checks them (defaults such as
   * `skipCredentialsValidation`), so a property only the other side has is not known to differ.
   */
  readonly implied?: boolean;
};

/**
 * Reads one resource state (ResourceV1/V2/V3, also the `oldState`/`newState` of preview steps). Accepts every field
 * Pulumi writes; reads those the comparison uses, and `null` wherever Go writes nil. `additionalSecretOutputs` are
 * dropped as secrets (in outputs and in the inputs they come from), so they can never be printed.
 */
export function readResourceState(d: StrictDoc, v: unknown, ptr: string): ReadResource {
  // The common case (every field of the expected type) is checked inline; a field of the wrong type goes through the
  // StrictDoc reader, which throws the one-line error naming it. Pointers are built only for those errors.
  const r = isObject(v) ? v : d.object(v, ptr);
  const urn = typeof r.urn === "string" && r.urn !== "" ? r.urn : d.string(r.urn, key(ptr, "urn"));
  const parsed = parseUrn(urn);
  if (!parsed)
    d.fail(key(ptr, "urn"), `is not a Pulumi URN (urn:pulumi:<stack>::<project>::<type>::<name>), got ${quote(urn)}`);
  const type = typeof r.type === "string" && r.type !== "" ? r.type : d.string(r.type, key(ptr, "type"));
  if (type !== parsed.type) d.fail(key(ptr, "type"), `is ${quote(type)} but the URN names type ${quote(parsed.type)}`);
  const custom = typeof r.custom === "boolean" ? r.custom : d.boolean(r.custom, key(ptr, "custom")); // Go always writes it (no omitempty)
  if (!none(r.id) && typeof r.id !== "string") d.fail(key(ptr, "id"), `must be a string, got ${typeof r.id}`);
  const inputs = (optObj(d, r.inputs, ptr, "inputs") ?? {}) as Record<string, unknown>;
  const outputs = optObj(d, r.outputs, ptr, "outputs");
  const parent = none(r.parent)
    ? undefined
    : typeof r.parent === "string"
      ? r.parent
      : d.string(r.parent, key(ptr, "parent"));
  const provider = none(r.provider)
    ? undefined
    : typeof r.provider === "string"
      ? r.provider
      : d.string(r.provider, key(ptr, "provider"));
  const dependencies = urnListAt(d, r.dependencies, ptr, "dependencies");
  const propDeps = optObj(d, r.propertyDependencies, ptr, "propertyDependencies");
  let deps: string[] = dependencies;
  if (propDeps) {
    let all: Set<string> | undefined;
    for (const k in propDeps) {
      if (!Object.prototype.hasOwnProperty.call(propDeps, k)) continue;
      // a nil slice in Go: `"<prop>": null`
      const list = urnListAt(d, propDeps[k], key(ptr, "propertyDependencies"), k);
      for (const u of list) {
        if (!all) all = new Set(dependencies);
        all.add(u);
      }
    }
    if (all && all.size > dependencies.length) deps = Array.from(all);
  }
  const protect = optBoolAt(d, r.protect, ptr, "protect");
  const retainOnDelete = optBoolAt(d, r.retainOnDelete, ptr, "retainOnDelete");
  const external = optBoolAt(d, r.external, ptr, "external");
  const ignoreChanges = none(r.ignoreChanges) ? undefined : urnListAt(d, r.ignoreChanges, ptr, "ignoreChanges");
  if (r.additionalSecretOutputs !== undefined && r.additionalSecretOutputs !== null) {
    const secretOutputs = urnListAt(d, r.additionalSecretOutputs, ptr, "additionalSecretOutputs");
    if (secretOutputs.length > 0) {
      markSecret(inputs, secretOutputs);
      markSecret(outputs, secretOutputs);
    }
  }
  // The same object, with the same keys in the same order, as the spread form `{ urn, …, ...(parent && { parent }) }`.
  const res: { -readonly [K in keyof ReadResource]: ReadResource[K] } = {
    urn,
    type,
    name: parsed.name,
    custom,
  } as ReadResource;
  if (parent !== undefined) res.parent = parent;
  if (provider !== undefined) res.provider = provider;
  res.dependencies = deps;
  if (protect !== undefined) res.protect = protect;
  if (retainOnDelete !== undefined) res.retainOnDelete = retainOnDelete;
  if (ignoreChanges !== undefined && ignoreChanges.length > 0) res.ignoreChanges = ignoreChanges;
  if (external === true) res.external = true;
  res.props = stripSecrets(inputs, tooDeep(d, ptr, "inputs")) as Record<string, unknown>;
  if (outputs !== undefined) res.outputs = stripSecrets(outputs, tooDeep(d, ptr, "outputs")) as Record<string, unknown>;
  return res;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
function optObj(d: StrictDoc, v: unknown, ptr: string, k: string): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined;
  return isObject(v) ? v : d.object(v, key(ptr, k));
}
function optBoolAt(d: StrictDoc, v: unknown, ptr: string, k: string): boolean | undefined {
  return v === undefined || v === null ? undefined : typeof v === "boolean" ? v : d.boolean(v, key(ptr, k));
}
/** {@link urnList} of `ptr.k`, the pointer built only for an error. */
function urnListAt(d: StrictDoc, v: unknown, ptr: string, k: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return urnList(d, v, key(ptr, k));
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    if (typeof x !== "string" || x === "") return urnList(d, v, key(ptr, k));
  }
  return v as string[]; // the parsed list itself: nothing downstream changes it
}
/** The error for a value nesting deeper than {@link MAX_VALUE_DEPTH}, built only when it is met. */
function tooDeep(d: StrictDoc, ptr: string, what: string): () => never {
  return () =>
    d.fail(key(ptr, what), `nests more than ${MAX_VALUE_DEPTH} levels deep (not a value a Pulumi program writes)`);
}

/**
 * Builds the snapshot context from the resources read: one stack and one project across all URNs (else an error at
 * the first resource that differs), mapped to an environment by the rules; region from the default aws provider.
 */
export function contextOf(
  d: StrictDoc,
  resources: readonly { res: SnapshotResource; ptr: string }[],
  opts: SourceOptions,
  emptyPtr: string,
  /** A URN that names the stack when no resource is left (a preview that deletes everything). */
  fallback?: { readonly urn: string; readonly ptr: string },
): Snapshot["context"] {
  return contextOfResources(
    d,
    resources.map((r) => r.res),
    (i) => resources[i].ptr,
    opts,
    emptyPtr,
    fallback,
  );
}

/** {@link contextOf} of a list of resources, the pointer of the i-th built only for an error. */
function contextOfResources(
  d: StrictDoc,
  resources: readonly SnapshotResource[],
  ptrOf: (i: number) => string,
  opts: SourceOptions,
  emptyPtr: string,
  fallback?: { readonly urn: string; readonly ptr: string },
): Snapshot["context"] {
  const firstUrn = resources.length > 0 ? resources[0].urn : fallback?.urn;
  if (firstUrn === undefined) d.fail(emptyPtr, "has no resources: cannot tell which stack this is");
  const firstPtr = () => (resources.length > 0 ? ptrOf(0) : fallback!.ptr);
  const first = parseUrn(firstUrn)!;
  // Every URN was parsed when read; one prefix test per resource finds the first that names another stack/project.
  const prefix = `urn:pulumi:${first.stack}::${first.project}::`;
  for (let i = 0; i < resources.length; i++) {
    const res = resources[i];
    if (res.urn.startsWith(prefix)) continue;
    const u = parseUrn(res.urn)!;
    if (u.stack !== first.stack)
      d.fail(key(ptrOf(i), "urn"), `names stack ${quote(u.stack)} but earlier resources name ${quote(first.stack)}`);
    if (u.project !== first.project)
      d.fail(
        key(ptrOf(i), "urn"),
        `names project ${quote(u.project)} but earlier resources name ${quote(first.project)}`,
      );
  }
  const env = opts.resolveEnvironment(first.stack, first.project);
  if (typeof env === "string") d.fail(key(firstPtr(), "urn"), env);
  const provider = resources.find(
    (res) => res.type === "pulumi:providers:aws" && (res.name === "default" || res.name.startsWith("default_")),
  );
  const region = typeof provider?.props.region === "string" ? provider.props.region : env.region;
  return {
    env: env.env,
    stack: first.stack,
    project: first.project,
    ...(env.accountId !== undefined && { accountId: env.accountId }),
    ...(region !== undefined && { region }),
    ...(env.suffix !== undefined && { suffix: env.suffix }),
  };
}

/** Deployment schema versions this reader knows: 1–3 (`pulumi stack export`), 4 (3 plus a `features` list). */
export const KNOWN_VERSIONS: readonly number[] = [1, 2, 3, 4];

/** Deployment features (v4) Pulumi knows (pkg/resource/stack/deployment.go `supportedFeatures`); none changes what is compared. */
const KNOWN_FEATURES = new Set([
  "refreshBeforeUpdate",
  "views",
  "hooks",
  "taint",
  "replaceWith",
  "snippets-prototype",
  "extensionParameterization",
  "byteString",
]);

function checkFeatures(d: StrictDoc, features: unknown): void {
  if (features === undefined || features === null) return;
  const list = d.stringArray(features, "features");
  const unknown = list.filter((f) => !KNOWN_FEATURES.has(f));
  if (unknown.length > 0) {
    d.fail(
      "features",
      `needs deployment features this reader does not know (${unknown
        .slice(0, 5)
        .map((f) => quote(f))
        .join(", ")}); upgrade parity, as the Pulumi CLI would need upgrading`,
    );
  }
}

function checkVersion(d: StrictDoc, version: unknown, ptr: string, what: string): asserts version is number {
  if (version === undefined || version === null)
    d.fail(ptr, `is required (expected the output of \`pulumi stack export\`)`);
  if (typeof version !== "number" || !Number.isInteger(version))
    d.fail(ptr, `must be a whole number (the ${what} schema version), got ${quote(version)}`);
  if (!KNOWN_VERSIONS.includes(version)) {
    d.fail(
      ptr,
      version > 4
        ? `is ${version}: a ${what} newer than this reader knows (versions 1–4); upgrade parity, or export with the Pulumi CLI that matches it`
        : `is ${version}: not a ${what} version Pulumi writes (1–4)`,
    );
  }
}

/** Reads a deployment (DeploymentV1/V2/V3: `{ manifest, resources?, pending_operations?, … }`) at `ptr`. */
export function parseDeployment(
  d: StrictDoc,
  v: unknown,
  ptr: string,
  file: string,
  opts: SourceOptions,
  version = DEPLOYMENT_VERSION,
): Snapshot {
  const dep = d.object(v, ptr);
  // Go writes it from v3 on (no omitempty); v1/v2 deployments of early Pulumi have only `time`.
  if (version >= 3 || dep.manifest !== undefined) d.object(dep.manifest, key(ptr, "manifest"));
  const pending = dep.pending_operations;
  if (pending !== undefined && pending !== null) {
    // An interrupted update: the operations in flight are not in `resources` and do not change what it records, so
    // the recorded state is compared as it is (Pulumi itself carries on from it and clears them on the next update).
    const ops = d.array(pending, key(ptr, "pending_operations"));
    for (let i = 0; i < ops.length; i++) d.object(ops[i], idx(key(ptr, "pending_operations"), i));
  }
  const resPtr = key(ptr, "resources");
  const list = dep.resources === undefined || dep.resources === null ? [] : d.array(dep.resources, resPtr);
  // The resources kept and the index in `resources` of each: a resource's pointer (`deployment.resources[7]`) is
  // built only for an error, not for each of 10k resources.
  const read: SnapshotResource[] = [];
  const readAt: number[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < list.length; i++) {
    const rp = idx(resPtr, i);
    const raw = isObject(list[i]) ? (list[i] as Record<string, unknown>) : d.object(list[i], rp);
    const pendingDelete = optBoolAt(d, raw.delete, rp, "delete");
    const pendingReplacement = optBoolAt(d, raw.pendingReplacement, rp, "pendingReplacement");
    const res = readResourceState(d, raw, rp);
    // `delete: true`: a replaced copy awaiting deletion; `pendingReplacement`: already deleted (delete-before-replace),
    // its replacement not yet created. Neither is part of what the stack has now.
    if (pendingDelete || pendingReplacement) continue;
    const dup = seen.get(res.urn);
    if (dup !== undefined) d.fail(key(rp, "urn"), `duplicates ${idx(resPtr, dup)}.urn`);
    seen.set(res.urn, i);
    read.push(res);
    readAt.push(i);
  }
  const context = contextOfResources(d, read, (j) => idx(resPtr, readAt[j]), opts, resPtr);
  const stackRes = read.find((res) => res.type === "pulumi:pulumi:Stack");
  return {
    context,
    source: "export",
    origin: file,
    resources: read,
    ...(stackRes?.outputs !== undefined && { outputs: stackRes.outputs }),
  };
}

/**
 * Parses a `pulumi stack export` document already read as JSON (UntypedDeployment `{ version, deployment }`), and
 * also what holds the same state: a state-backend checkpoint (`{ version, checkpoint: { stack, latest } }`).
 */
export function parseStackExport(doc: unknown, file: string, opts: SourceOptions): Snapshot {
  const d = new StrictDoc(file);
  const top = d.object(doc, "");
  if (top.checkpoint !== undefined && top.deployment === undefined) {
    checkVersion(d, top.version, "version", "checkpoint");
    checkFeatures(d, top.features);
    const cp = d.object(top.checkpoint, "checkpoint");
    if (cp.latest === undefined || cp.latest === null) {
      d.fail(
        "checkpoint.latest",
        "is missing: this state checkpoint records no deployment (the stack was never updated); nothing to compare",
      );
    }
    return parseDeployment(d, cp.latest, "checkpoint.latest", file, opts, top.version);
  }
  checkVersion(d, top.version, "version", "deployment");
  checkFeatures(d, top.features);
  return parseDeployment(d, top.deployment, "deployment", file, opts, top.version);
}

export function readStackExport(file: string, opts: SourceOptions): Snapshot {
  return parseStackExport(readJsonFile(file), file, opts);
}
