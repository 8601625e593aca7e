/** Property: the source parsers never throw anything but InputError, whatever JSON they are given. */
import * as fc from "fast-check";
import * as fs from "node:fs";
import { isInputError } from "../../consistency-rules/src/errors";
import { parseStackExport } from "../../cli/sources/export";
import { parsePreview } from "../../cli/sources/preview";
import { sniff } from "../../cli/sources/detect";
import { stackIsEnvironment } from "../../cli/util/environment";
import { parseSnapshotDocument } from "../../cli/util/snapshot-file";
import { fx } from "./run-cli";

const opts = { resolveEnvironment: stackIsEnvironment };
const parsers: [string, (doc: unknown) => unknown][] = [
  ["export", (d) => parseStackExport(d, "f.json", opts)],
  ["preview", (d) => parsePreview(d, "f.json", opts)],
  ["plan file", (d) => parseSnapshotDocument(d, "f.json")],
];

function onlyInputErrors(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch (e) {
    if (isInputError(e)) return !e.message.includes("\n") && e.message.startsWith("f.json: ");
    throw e;
  }
}

/** Replaces one random node of a valid document with arbitrary JSON: near-miss inputs reach deep code paths. */
function mutate(doc: unknown, path: number[], value: unknown): unknown {
  if (path.length === 0 || typeof doc !== "object" || doc === null) return value;
  const keys = Object.keys(doc);
  if (keys.length === 0) return value;
  const k = keys[path[0] % keys.length];
  const copy: Record<string, unknown> = Array.isArray(doc)
    ? ([...doc] as unknown as Record<string, unknown>)
    : { ...(doc as Record<string, unknown>) };
  copy[k] = mutate(copy[k], path.slice(1), value);
  return copy;
}

const EXPORT = JSON.parse(fs.readFileSync(fx("exports/dev.json"), "utf8"));
const PREVIEW = JSON.parse(fs.readFileSync(fx("previews/dev.json"), "utf8"));

describe.each(parsers)("%s parser", (_name, parse) => {
  test("arbitrary JSON: only InputError, one line naming the file", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (doc) => onlyInputErrors(() => parse(doc))),
      { numRuns: 500 },
    );
  });

  test("near-miss documents (one node replaced by arbitrary JSON): only InputError", () => {
    const seeds = [EXPORT, PREVIEW];
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.jsonValue({ maxDepth: 2 }),
        (seed, p, v) => onlyInputErrors(() => parse(mutate(seed, p, v))),
      ),
      { numRuns: 400 },
    );
  });
});

test("content sniffing: arbitrary text only ever gives a kind or an InputError", () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        fc.json(),
        fc.jsonValue().map((v) => JSON.stringify(v)),
      ),
      (text) =>
        onlyInputErrors(() => {
          sniff("f.json", text);
        }),
    ),
    { numRuns: 1000 },
  );
});
