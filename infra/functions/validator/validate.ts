/**
 * What "valid" means for an object landing in the raw bucket (pure; no AWS calls):
 *
 * | check         | rule                                                                                 |
 * | ------------- | ------------------------------------------------------------------------------------ |
 * | size          | `0 < size ≤ MAX_OBJECT_BYTES` (default 10 MiB)                                        |
 * | extension     | `.json`, `.jsonl` / `.ndjson` or `.csv` (case-insensitive)                            |
 * | content type  | absent or generic (`binary/octet-stream`, `application/octet-stream`), else one that  |
 * |               | matches the extension (charset parameters ignored)                                    |
 * | body          | `.json` parses as JSON; `.jsonl`/`.ndjson`: every non-blank line parses; `.csv`: none |
 *
 * A failed check is a property of the object ("bad object"): it is recorded as invalid and never retried.
 */

export type Format = "json" | "jsonl" | "csv";

export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;

const EXTENSIONS: Readonly<Record<string, Format>> = { json: "json", jsonl: "jsonl", ndjson: "jsonl", csv: "csv" };
const GENERIC_TYPES = new Set(["binary/octet-stream", "application/octet-stream"]);
const TYPES: Readonly<Record<Format, ReadonlySet<string>>> = {
  json: new Set(["application/json", "text/json"]),
  jsonl: new Set(["application/x-ndjson", "application/jsonl", "application/json", "text/plain"]),
  csv: new Set(["text/csv", "application/csv", "text/plain"]),
};

export interface HeadFacts {
  readonly key: string;
  readonly size: number;
  readonly contentType?: string;
}

export type HeadVerdict =
  { readonly ok: true; readonly format: Format } | { readonly ok: false; readonly reason: string };

export function formatOf(key: string): Format | undefined {
  const dot = key.lastIndexOf(".");
  if (dot < 0 || dot < key.lastIndexOf("/")) return undefined;
  return EXTENSIONS[key.slice(dot + 1).toLowerCase()];
}

/** Checks what HeadObject tells us: size, extension, content type. */
export function checkHead(facts: HeadFacts, maxBytes: number = DEFAULT_MAX_BYTES): HeadVerdict {
  if (!(facts.size > 0)) return { ok: false, reason: "empty object" };
  if (facts.size > maxBytes) return { ok: false, reason: `object is ${facts.size} bytes, limit ${maxBytes}` };
  const format = formatOf(facts.key);
  if (!format) return { ok: false, reason: "extension not allowed (json, jsonl, ndjson, csv)" };
  const type = facts.contentType?.split(";")[0].trim().toLowerCase();
  if (type && !GENERIC_TYPES.has(type) && !TYPES[format].has(type)) {
    return { ok: false, reason: `content type ${type} does not match .${format}` };
  }
  return { ok: true, format };
}

/** Checks the body of formats that have one to check; returns the reason it is invalid, or undefined. */
export function checkBody(format: Format, body: string): string | undefined {
  if (format === "json") {
    try {
      JSON.parse(body);
      return undefined;
    } catch (error) {
      return `invalid JSON: ${(error as Error).message}`;
    }
  }
  if (format === "jsonl") {
    const lines = body.split("\n");
    for (let i = 0; i < lines.length; i++) {
      if (!lines[i].trim()) continue;
      try {
        JSON.parse(lines[i]);
      } catch {
        return `invalid JSON on line ${i + 1}`;
      }
    }
    return undefined;
  }
  return undefined;
}

export function needsBody(format: Format): boolean {
  return format !== "csv";
}
