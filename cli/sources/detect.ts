/**
 * Which kind of input a file is, by its content (never its extension):
 * - JSON with `deployment` → `pulumi stack export` (deployment v1–v4); JSON with `checkpoint` → a state-backend
 *   checkpoint, read through its `latest` deployment;
 * - JSON with `steps` (or only a `changeSummary` or `diagnostics`: Go omits an empty step list) → `pulumi preview --json`;
 * - kinds Pulumi writes that are not compared are named with what to run instead: a `--save-plan` update plan
 *   (`resourcePlans`), a bare deployment (`manifest` + `resources`), an engine event stream;
 * - JSON with `kind: "parity-snapshot"` → a `parity plan --out` file;
 * - YAML (or JSON) with a `config` map (and optional `encryptionsalt`/`secretsprovider`) → `Pulumi.<stack>.yaml`.
 */
import type { Snapshot } from "../../consistency-rules/src/model";
import { InputError } from "../util/errors";
import { parseJsonText, readTextFile } from "../util/files";
import { SNAPSHOT_KIND, parseSnapshotDocument } from "../util/snapshot-file";
import { Timings } from "../util/timings";
import type { ConfigSourceOptions } from "./config";
import { parseStackExport } from "./export";
import { parsePreview } from "./preview";

export type InputKind = "export" | "preview" | "plan" | "config";

const EXPECTED =
  "expected `pulumi stack export` JSON (with deployment), `pulumi preview --json` output (with steps), a `parity plan` file or a Pulumi.<stack>.yaml (with config)";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Decides the kind of a file's content; JSON content is returned parsed so it is parsed once. */
export function sniff(file: string, text: string): { kind: InputKind; json?: unknown } {
  const body = text.replace(/^\uFEFF/, "").trimStart();
  if (body === "") throw new InputError(file, "", `is empty; ${EXPECTED}`);
  if (body.startsWith("{") || body.startsWith("[")) {
    if (/^\{\s*"sequence"\s*:\s*\d+\s*,\s*"timestamp"/.test(body)) {
      throw new InputError(
        file,
        "",
        "is a Pulumi engine event stream (`--event-log` or streaming `--json` output), not a preview digest; use `pulumi preview --json --show-sames`",
      );
    }
    const json = parseJsonText(file, text);
    if (!isObject(json))
      throw new InputError(file, "", `is a JSON ${Array.isArray(json) ? "array" : typeof json}; ${EXPECTED}`);
    if ("deployment" in json) return { kind: "export", json };
    if ("checkpoint" in json) return { kind: "export", json }; // a state-backend checkpoint: its `latest` deployment
    if ("target" in json && "latest" in json && !("version" in json)) {
      throw new InputError(
        file,
        "target",
        "is a version-0 state checkpoint (Pulumi before 0.9); run `pulumi stack export` with a current Pulumi CLI and compare that",
      );
    }
    if ("resourcePlans" in json || ("manifest" in json && "config" in json && !("resources" in json))) {
      throw new InputError(
        file,
        "resourcePlans" in json ? "resourcePlans" : "manifest",
        "is a `pulumi preview --save-plan` update plan, which parity does not compare; write the goal state with `pulumi preview --json --show-sames` (or export the stack after `pulumi up`)",
      );
    }
    if ("manifest" in json && ("resources" in json || "pending_operations" in json)) {
      throw new InputError(
        file,
        "manifest",
        "is a bare deployment (the `deployment` of an export, without its `version` wrapper); use the whole output of `pulumi stack export`",
      );
    }
    if ("steps" in json || "changeSummary" in json || ("diagnostics" in json && Array.isArray(json.diagnostics)))
      return { kind: "preview", json };
    if (json.kind === SNAPSHOT_KIND) return { kind: "plan", json };
    if ("config" in json && isObject(json.config)) return { kind: "config" };
    if (Array.isArray(json.events) || ("sequence" in json && "timestamp" in json)) {
      throw new InputError(
        file,
        "",
        "is a Pulumi engine event stream (`--event-log` / `pulumi up --json`), not a preview; use `pulumi preview --json --show-sames`",
      );
    }
    throw new InputError(
      file,
      "",
      `has unrecognised JSON content (keys: ${Object.keys(json).slice(0, 5).join(", ") || "none"}); ${EXPECTED}`,
    );
  }
  if (/^(config|encryptionsalt|secretsprovider|encryptedkey|environment)\s*:/m.test(body)) return { kind: "config" };
  throw new InputError(file, "", `has unrecognised content; ${EXPECTED}`);
}

/** Converts a file's sniffed content into a Snapshot. */
export function toSnapshot(file: string, kind: InputKind, json: unknown, opts: ConfigSourceOptions): Snapshot {
  switch (kind) {
    case "export":
      return parseStackExport(json, file, opts);
    case "preview":
      return parsePreview(json, file, opts);
    case "plan":
      return parseSnapshotDocument(json, file);
    case "config":
      // Loaded (with `yaml`) only for a stack config: a diff of exports, previews or plans never needs it.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return (require("./config") as typeof import("./config")).readStackConfigSnapshot(file, opts);
  }
}

/** Reads any supported input into a Snapshot; `timings` gets the read, parse and convert phases. */
export function readAnySnapshot(file: string, opts: ConfigSourceOptions, timings?: Timings): Snapshot {
  const t = timings ?? new Timings(false);
  const text = t.sync("read", () => readTextFile(file));
  const { kind, json } = t.sync("parse", () => sniff(file, text));
  return t.sync("convert", () => toSnapshot(file, kind, json, opts));
}
