/**
 * Stable identities of findings and causes across runs (SARIF `partialFingerprints`, the JSON report's
 * `fingerprint`): a hash of what a finding is about, never of its values. A module of its own so that the JSON report
 * does not load the SARIF writer (and zlib) to compute them.
 */
import * as crypto from "node:crypto";
import type { Finding } from "../../consistency-rules/src/model";
import type { Cause } from "./group";

/**
 * The first 32 hex digits of the SHA-256 of `text`. `crypto.hash` (Node ≥ 20.12) is the one-shot form of
 * `createHash().update().digest()`, with the same digest and without a Hash object per call (one per cause).
 */
const sha256Hex: (text: string) => string =
  typeof (crypto as { hash?: unknown }).hash === "function"
    ? (text) =>
        (crypto as unknown as { hash(alg: string, data: string, enc: "hex"): string }).hash("sha256", text, "hex")
    : (text) => crypto.createHash("sha256").update(text).digest("hex");

function fingerprintOf(ruleId: string, resource: string, path: string, f: Pick<Finding, "kind" | "environments">) {
  const parts = [ruleId, resource, path];
  // per-stack findings (policy, config) are one per environment; a parity difference is one across environments
  if (f.kind !== "parity") parts.push([...f.environments].sort().join(","));
  return sha256Hex(parts.join("\u0000")).slice(0, 32);
}

/** Stable identity of a finding across runs: never values, only what it is about. */
export function fingerprint(f: Finding): string {
  return fingerprintOf(f.ruleId, f.resource ?? "", f.path ?? "", f);
}

/**
 * A cause's fingerprint: its rule, resource and cause path — the same as its lead's when it stands alone. (The
 * lead's fingerprint with its resource and path replaced by the cause's, absent where the cause has none.)
 */
export function causeFingerprint(c: Cause): string {
  return fingerprintOf(c.lead.ruleId, c.causeResource ?? "", c.causePath ?? "", c.lead);
}
