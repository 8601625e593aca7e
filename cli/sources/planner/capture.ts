/**
 * What a registration looks like to the engine: the request the SDK sends to the resource monitor, read back into
 * a {@link CapturedResource} with its inputs in wire form as the engine passes them to an analyzer (secrets as
 * `{4dabf…: 1b47…}`, unknowns as the UNKNOWN sentinel, resource references as the referenced id, or URN for a
 * component, assets by content hash) and the registration's source position.
 */
import { createHash } from "node:crypto";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import {
  ASSET_SIG,
  ARCHIVE_SIG,
  RESOURCE_REF_SIG,
  SECRET_SIG,
  SIG_KEY,
} from "../../../consistency-rules/src/sentinels";
import type { CapturedResource } from "./types";

type Struct = { toJavaScript(): Record<string, unknown> } | undefined;
interface Position {
  getUri(): string;
  getLine(): number;
  getColumn(): number;
}
/** The parts of RegisterResourceRequest / ReadResourceRequest (protobuf) the planner reads. */
export interface ResourceRequest {
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
  getSourceposition?(): Position | undefined;
  getStacktrace?(): { getFramesList(): { getPc(): Position | undefined }[] } | undefined;
}
export interface ResourceResponse {
  getUrn(): string;
  getId?(): string;
  getObject?(): Struct;
  getProperties?(): Struct;
}

/**
 * Wire form of a value as the engine hands it to an analyzer: a resource reference becomes the referenced
 * resource's id (its URN when it has none, as for components), a secret keeps no value, asset and archive contents
 * are replaced by their sha256 (bundles stay comparable, snapshots small).
 */
export function compactWire(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(compactWire);
  if (typeof v !== "object" || v === null) return v;
  const o = v as Record<string, unknown>;
  if (o[SIG_KEY] === SECRET_SIG) return { [SIG_KEY]: SECRET_SIG }; // the plan never carries a secret's value
  if (o[SIG_KEY] === RESOURCE_REF_SIG) return typeof o.id === "string" && o.id !== "" ? o.id : o.urn;
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

const NODE_MODULES = `${path.sep}node_modules${path.sep}`;

/** The first frame of the registration inside the project (not in node_modules), relative to the project directory. */
export function sourcePositionOf(req: ResourceRequest, projectDir: string): CapturedResource["sourcePosition"] {
  const frames: Position[] = [];
  const first = req.getSourceposition?.();
  if (first) frames.push(first);
  for (const f of req.getStacktrace?.()?.getFramesList() ?? []) {
    const pc = f.getPc();
    if (pc) frames.push(pc);
  }
  for (const pos of frames) {
    const uri = pos.getUri();
    if (!uri) continue;
    let file: string;
    try {
      file = uri.startsWith("file:") ? fileURLToPath(uri) : uri;
    } catch {
      continue;
    }
    const rel = path.relative(projectDir, file);
    if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel) || file.includes(NODE_MODULES)) continue;
    return { file: rel.split(path.sep).join("/"), line: pos.getLine(), column: pos.getColumn() };
  }
  return undefined;
}

/** A registration (or read) and the monitor's answer → the captured resource. */
export function captureResource(
  req: ResourceRequest,
  resp: ResourceResponse,
  custom: boolean,
  kind: "register" | "read",
  props: Record<string, unknown>,
  projectDir: string,
): CapturedResource {
  const deps = new Set<string>(req.getDependenciesList());
  for (const [, v] of req.getPropertydependenciesMap?.().entries() ?? []) for (const u of v.getUrnsList()) deps.add(u);
  const ignoreChanges = kind === "register" ? (req.getIgnorechangesList?.() ?? []) : [];
  const replaceOnChanges = kind === "register" ? (req.getReplaceonchangesList?.() ?? []) : [];
  const sourcePosition = sourcePositionOf(req, projectDir);
  return {
    urn: resp.getUrn(),
    type: req.getType(),
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
    outputs: compactWire((resp.getObject ? resp.getObject() : resp.getProperties?.())?.toJavaScript() ?? {}) as Record<
      string,
      unknown
    >,
    ...(sourcePosition && { sourcePosition }),
  };
}
