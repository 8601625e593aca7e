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
import { stripSecrets } from "../util/secrets";
import { StrictDoc, idx, key } from "../util/strict";
import { parseUrn } from "../util/urn";

export const DEPLOYMENT_VERSION = 3;

/** Reads one resource state (ResourceV3, also the `oldState`/`newState` of preview steps). */
export function readResourceState(d: StrictDoc, v: unknown, ptr: string): SnapshotResource {
  const r = d.object(v, ptr);
  const urn = d.string(r.urn, key(ptr, "urn"));
  const parsed = parseUrn(urn);
  if (!parsed) d.fail(key(ptr, "urn"), `is not a Pulumi URN (urn:pulumi:<stack>::<project>::<type>::<name>), got ${quote(urn)}`);
  const type = d.string(r.type, key(ptr, "type"));
  if (type !== parsed.type) d.fail(key(ptr, "type"), `is ${quote(type)} but the URN names type ${quote(parsed.type)}`);
  const custom = d.boolean(r.custom, key(ptr, "custom"));
  if (r.id !== undefined && r.id !== null && typeof r.id !== "string") d.fail(key(ptr, "id"), `must be a string, got ${typeof r.id}`);
  const inputs = d.optObject(r.inputs, key(ptr, "inputs")) ?? {};
  const outputs = d.optObject(r.outputs, key(ptr, "outputs"));
  const parent = d.optString(r.parent, key(ptr, "parent"));
  const provider = d.optString(r.provider, key(ptr, "provider"));
  const dependencies = d.optStringArray(r.dependencies, key(ptr, "dependencies")) ?? [];
  const propDeps = d.optObject(r.propertyDependencies, key(ptr, "propertyDependencies"));
  let deps: readonly string[] = dependencies; // a Set only when propertyDependencies add to them
  if (propDeps) {
    const all = new Set(dependencies);
    for (const [k, list] of Object.entries(propDeps)) {
      for (const u of d.stringArray(list, key(key(ptr, "propertyDependencies"), k))) all.add(u);
    }
    deps = [...all];
  }
  const protect = d.optBoolean(r.protect, key(ptr, "protect"));
  const retainOnDelete = d.optBoolean(r.retainOnDelete, key(ptr, "retainOnDelete"));
  return {
    urn,
    type,
    name: parsed.name,
    custom,
    ...(parent !== undefined && { parent }),
    ...(provider !== undefined && { provider }),
    dependencies: [...deps],
    ...(protect !== undefined && { protect }),
    ...(retainOnDelete !== undefined && { retainOnDelete }),
    props: stripSecrets(inputs) as Record<string, unknown>,
    ...(outputs !== undefined && { outputs: stripSecrets(outputs) as Record<string, unknown> }),
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
): Snapshot["context"] {
  if (resources.length === 0) d.fail(emptyPtr, "has no resources: cannot tell which stack this is");
  const first = parseUrn(resources[0].res.urn)!;
  // Every URN was parsed when read; one prefix test per resource finds the first that names another stack/project.
  const prefix = `urn:pulumi:${first.stack}::${first.project}::`;
  for (const { res, ptr } of resources) {
    if (res.urn.startsWith(prefix)) continue;
    const u = parseUrn(res.urn)!;
    if (u.stack !== first.stack) d.fail(key(ptr, "urn"), `names stack ${quote(u.stack)} but earlier resources name ${quote(first.stack)}`);
    if (u.project !== first.project) d.fail(key(ptr, "urn"), `names project ${quote(u.project)} but earlier resources name ${quote(first.project)}`);
  }
  const env = opts.resolveEnvironment(first.stack, first.project);
  if (typeof env === "string") d.fail(key(resources[0].ptr, "urn"), env);
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

/** Parses a `pulumi stack export` document already read as JSON. */
export function parseStackExport(doc: unknown, file: string, opts: SourceOptions): Snapshot {
  const d = new StrictDoc(file);
  const top = d.object(doc, "");
  if (top.version === undefined) d.fail("version", "is required (expected the output of `pulumi stack export`)");
  if (top.version !== DEPLOYMENT_VERSION) {
    d.fail("version", `must be ${DEPLOYMENT_VERSION} (deployment v3, \`pulumi stack export\` of Pulumi ≥ 3), got ${quote(top.version)}`);
  }
  const dep = d.object(top.deployment, "deployment");
  d.object(dep.manifest, "deployment.manifest");
  const pending = dep.pending_operations;
  if (pending !== undefined && pending !== null && d.array(pending, "deployment.pending_operations").length > 0) {
    d.fail("deployment.pending_operations", "is not empty: an update was interrupted; run `pulumi refresh` (or `pulumi cancel`) and export again");
  }
  const list = dep.resources === undefined || dep.resources === null ? [] : d.array(dep.resources, "deployment.resources");
  const read: { res: SnapshotResource; ptr: string }[] = [];
  const seen = new Map<string, string>();
  for (let i = 0; i < list.length; i++) {
    const ptr = idx("deployment.resources", i);
    const raw = d.object(list[i], ptr);
    const pendingDelete = d.optBoolean(raw.delete, key(ptr, "delete"));
    const res = readResourceState(d, raw, ptr);
    if (pendingDelete) continue; // a replaced resource awaiting deletion: not part of the stack's state
    const dup = seen.get(res.urn);
    if (dup) d.fail(key(ptr, "urn"), `duplicates ${dup}.urn`);
    seen.set(res.urn, ptr);
    read.push({ res, ptr });
  }
  const context = contextOf(d, read, opts, "deployment.resources");
  const stackRes = read.find(({ res }) => res.type === "pulumi:pulumi:Stack")?.res;
  return {
    context,
    source: "export",
    origin: file,
    resources: read.map((r) => r.res),
    ...(stackRes?.outputs !== undefined && { outputs: stackRes.outputs }),
  };
}

export function readStackExport(file: string, opts: SourceOptions): Snapshot {
  return parseStackExport(readJsonFile(file), file, opts);
}
