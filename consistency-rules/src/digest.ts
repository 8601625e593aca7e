/**
 * Content digests: `sha256:<hex>` of a JSON value's canonical text (object keys sorted, no whitespace), so two
 * parses of the same document, in any key order, have one digest. The lock's `hash` is one; a pack advertises the
 * rule sets and locks it was built with by theirs ({@link BUNDLED_KEYWORD}).
 */
import { createHash } from "node:crypto";
import { isPlainObject } from "./paths";

export function contentDigest(v: unknown): string {
  return `sha256:${createHash("sha256").update(canonical(v)).digest("hex")}`;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (isPlainObject(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(",")}}`;
  return JSON.stringify(v) ?? "null";
}

/**
 * The config-schema annotation (a JSON Schema extension keyword; the engine's validator ignores it) by which a pack
 * says what it was built with: on a policy's `rules` property, `{ <project>: <contentDigest of the rule set> }`; on
 * `lock`, `{ <project>: <the lock's hash> }`. `parity check` then leaves out of policy config what the pack already
 * holds, byte for byte, and sends what differs, so the pack always decides with the project's files as they are now.
 */
export const BUNDLED_KEYWORD = "x-env-parity-bundled";
