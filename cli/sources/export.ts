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

function optStr(d: StrictDoc, v: unknown, ptr: string): string | undefined {
  return none(v) ? undefined : d.string(v, ptr);
}
function optBool(d: StrictDoc, v: unknown, ptr: string): boolean | undefined {
  return v === undefined || v === null ? undefined : d.boolean(v, ptr);
}
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
  const r = d.object(v, ptr);
  const urn = d.string(r.urn, key(ptr, "urn"));
  const parsed = parseUrn(urn);
  if (!parsed)
    d.fail(key(ptr, "urn"), `is not a Pulumi URN (urn:pulumi:<stack>::<project>::<type>::<name>), got ${quote(urn)}`);
  const type = d.string(r.type, key(ptr, "type"));
  if (type !== parsed.type) d.fail(key(ptr, "type"), `is ${quote(type)} but the URN names type ${quote(parsed.type)}`);
  const custom = d.boolean(r.custom, key(ptr, "custom")); // Go always writes it (no omitempty)
  if (!none(r.id) && typeof r.id !== "string") d.fail(key(ptr, "id"), `must be a string, got ${typeof r.id}`);
  const tooDeep = (what: string) => (): never =>
    d.fail(key(ptr, what), `nests more than ${MAX_VALUE_DEPTH} levels deep (not a value a Pulumi program writes)`);
  const inputs = (d.optObject(r.inputs, key(ptr, "inputs")) ?? {}) as Record<string, unknown>;
  const outputs = d.optObject(r.outputs, key(ptr, "outputs"));
  const parent = optStr(d, r.parent, key(ptr, "parent"));
  const provider = optStr(d, r.provider, key(ptr, "provider"));
  const dependencies = urnList(d, r.dependencies, key(ptr, "dependencies"));
  const propDeps = d.optObject(r.propertyDependencies, key(ptr, "propertyDependencies"));
  let deps: string[] = dependencies;
  if (propDeps) {
    let all: Set<string> | undefined;
    const pdPtr = key(ptr, "propertyDependencies");
    for (const k of Object.keys(propDeps)) {
      const list = urnList(d, propDeps[k], key(pdPtr, k)); // a nil slice in Go: `"<prop>": null`
      for (const u of list) {
        if (!all) all = new Set(dependencies);
        all.add(u);
      }
    }
    if (all && all.size > dependencies.length) deps = Array.from(all);
  }
  const protect = optBool(d, r.protect, key(ptr, "protect"));
  const retainOnDelete = optBool(d, r.retainOnDelete, key(ptr, "retainOnDelete"));
  const external = optBool(d, r.external, key(ptr, "external"));
  const ignoreChanges = none(r.ignoreChanges) ? undefined : urnList(d, r.ignoreChanges, key(ptr, "ignoreChanges"));
  const secretOutputs = urnList(d, r.additionalSecretOutputs, key(ptr, "additionalSecretOutputs"));
  if (secretOutputs.length > 0) {
    markSecret(inputs, secretOutputs);
    markSecret(outputs, secretOutputs);
  }
  return {
    urn,
    type,
    name: parsed.name,
    custom,
    ...(parent !== undefined && { parent }),
    ...(provider !== undefined && { provider }),
    dependencies: deps,
    ...(protect !== undefined && { protect }),
    ...(retainOnDelete !== undefined && { retainOnDelete }),
    ...(ignoreChanges !== undefined && ignoreChanges.length > 0 && { ignoreChanges }),
    ...(external === true && { external: true }),
    props: stripSecrets(inputs, tooDeep("inputs")) as Record<string, unknown>,
    ...(outputs !== undefined && { outputs: stripSecrets(outputs, tooDeep("outputs")) as Record<string, unknown> }),
  };
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
  const firstUrn = resources.length > 0 ? resources[0].res.urn : fallback?.urn;
  if (firstUrn === undefined) d.fail(emptyPtr, "has no resources: cannot tell which stack this is");
  const firstPtr = resources.length > 0 ? resources[0].ptr : fallback!.ptr;
  const first = parseUrn(firstUrn)!;
  // Every URN was parsed when read; one prefix test per resource finds the first that names another stack/project.
  const prefix = `urn:pulumi:${first.stack}::${first.project}::`;
  for (const { res, ptr } of resources) {
    if (res.urn.startsWith(prefix)) continue;
    const u = parseUrn(res.urn)!;
    if (u.stack !== first.stack)
      d.fail(key(ptr, "urn"), `names stack ${quote(u.stack)} but earlier resources name ${quote(first.stack)}`);
    if (u.project !== first.project)
      d.fail(key(ptr, "urn"), `names project ${quote(u.project)} but earlier resources name ${quote(first.project)}`);
  }
  const env = opts.resolveEnvironment(first.stack, first.project);
  if (typeof env === "string") d.fail(key(firstPtr, "urn"), env);
  const provider = resources.find(
    ({ res }) => res.type === "pulumi:providers:aws" && (res.name === "default" || res.name.startsWith("default_")),
  )?.res;
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
  const read: { res: SnapshotResource; ptr: string }[] = [];
  const seen = new Map<string, string>();
  for (let i = 0; i < list.length; i++) {
    const rp = idx(resPtr, i);
    const raw = d.object(list[i], rp);
    const pendingDelete = optBool(d, raw.delete, key(rp, "delete"));
    const pendingReplacement = optBool(d, raw.pendingReplacement, key(rp, "pendingReplacement"));
    const res = readResourceState(d, raw, rp);
    // `delete: true`: a replaced copy awaiting deletion; `pendingReplacement`: already deleted (delete-before-replace),
    // its replacement not yet created. Neither is part of what the stack has now.
    if (pendingDelete || pendingReplacement) continue;
    const dup = seen.get(res.urn);
    if (dup) d.fail(key(rp, "urn"), `duplicates ${dup}.urn`);
    seen.set(res.urn, rp);
    read.push({ res, ptr: rp });
  }
  const context = contextOf(d, read, opts, resPtr);
  const stackRes = read.find(({ res }) => res.type === "pulumi:pulumi:Stack")?.res;
  return {
    context,
    source: "export",
    origin: file,
    resources: read.map((r) => r.res),
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
