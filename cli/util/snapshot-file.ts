/**
 * The file `parity plan --out` writes: a {@link Snapshot} wrapped with a format marker, so `parity diff` can read
 * offline plans next to exports and previews. Secrets are stripped before writing.
 */
import type { Snapshot, SnapshotSource } from "../../consistency-rules/src/model";
import { quote } from "./errors";
import { readJsonFile } from "./files";
import { MAX_VALUE_DEPTH, stripSecrets } from "./secrets";
import { StrictDoc, idx, key } from "./strict";
import { parseUrn } from "./urn";

export const SNAPSHOT_KIND = "parity-snapshot";
export const SNAPSHOT_FORMAT_VERSION = 1;
const SOURCES: readonly SnapshotSource[] = ["plan", "export", "preview", "config"];

export function snapshotToJson(s: Snapshot): string {
  const clean = stripSecrets(JSON.parse(JSON.stringify(s))) as Snapshot;
  return `${JSON.stringify({ kind: SNAPSHOT_KIND, version: SNAPSHOT_FORMAT_VERSION, snapshot: clean }, null, 2)}\n`;
}

export function parseSnapshotDocument(doc: unknown, file: string): Snapshot {
  const d: StrictDoc = new StrictDoc(file);
  const deep = (ptr: string) => (): never => d.fail(ptr, `nests more than ${MAX_VALUE_DEPTH} levels deep`);
  const top = d.object(doc, "");
  if (top.kind !== SNAPSHOT_KIND) d.fail("kind", `must be ${quote(SNAPSHOT_KIND)}, got ${quote(top.kind)}`);
  if (top.version !== SNAPSHOT_FORMAT_VERSION)
    d.fail("version", `must be ${SNAPSHOT_FORMAT_VERSION}, got ${quote(top.version)}`);
  const s = d.object(top.snapshot, "snapshot");
  const c = d.object(s.context, "snapshot.context");
  const env = d.string(c.env, "snapshot.context.env");
  const stack = d.string(c.stack, "snapshot.context.stack");
  const project = d.string(c.project, "snapshot.context.project");
  const accountId = d.optString(c.accountId, "snapshot.context.accountId");
  const region = d.optString(c.region, "snapshot.context.region");
  const suffix = d.optString(c.suffix, "snapshot.context.suffix");
  const source = d.string(s.source, "snapshot.source") as SnapshotSource;
  if (!SOURCES.includes(source))
    d.fail("snapshot.source", `must be one of ${SOURCES.join(", ")}, got ${quote(source)}`);
  const list = d.array(s.resources, "snapshot.resources");
  const resources = list.map((v, i) => {
    const ptr = idx("snapshot.resources", i);
    const r = d.object(v, ptr);
    const urn = d.string(r.urn, key(ptr, "urn"));
    if (!parseUrn(urn)) d.fail(key(ptr, "urn"), `is not a Pulumi URN, got ${quote(urn)}`);
    const protect = d.optBoolean(r.protect, key(ptr, "protect"));
    const retainOnDelete = d.optBoolean(r.retainOnDelete, key(ptr, "retainOnDelete"));
    const parent = d.optString(r.parent, key(ptr, "parent"));
    const provider = d.optString(r.provider, key(ptr, "provider"));
    const outputs = d.optObject(r.outputs, key(ptr, "outputs"));
    return {
      urn,
      type: d.string(r.type, key(ptr, "type")),
      name: d.string(r.name, key(ptr, "name")),
      custom: d.boolean(r.custom, key(ptr, "custom")),
      dependencies: d.stringArray(r.dependencies ?? [], key(ptr, "dependencies")),
      props: stripSecrets(d.object(r.props, key(ptr, "props")), deep(key(ptr, "props"))) as Record<string, unknown>,
      ...(parent !== undefined && { parent }),
      ...(provider !== undefined && { provider }),
      ...(protect !== undefined && { protect }),
      ...(retainOnDelete !== undefined && { retainOnDelete }),
      ...(outputs !== undefined && {
        outputs: stripSecrets(outputs, deep(key(ptr, "outputs"))) as Record<string, unknown>,
      }),
    };
  });
  const config = d.optObject(s.config, "snapshot.config");
  const outputs = d.optObject(s.outputs, "snapshot.outputs");
  return {
    context: {
      env,
      stack,
      project,
      ...(accountId && { accountId }),
      ...(region && { region }),
      ...(suffix && { suffix }),
    },
    source,
    origin: file,
    resources,
    ...(config && { config: stripSecrets(config, deep("snapshot.config")) as Record<string, unknown> }),
    ...(outputs && { outputs: stripSecrets(outputs, deep("snapshot.outputs")) as Record<string, unknown> }),
  };
}

export function readSnapshotFile(file: string): Snapshot {
  return parseSnapshotDocument(readJsonFile(file), file);
}
