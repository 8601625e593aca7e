import { SECRET_SIG, SIG_KEY, isSecret } from "../../consistency-rules/src/sentinels";

/**
 * Removes the content of every secret in a value read from a source (`plaintext`, `value`, `ciphertext`), keeping the
 * marker, so a secret value can never travel further than the parser (defence in depth: the normaliser turns the
 * marker into "[secret]"). Mutates and returns the parsed JSON it is given (it is ours), without copying.
 */
export function stripSecrets(v: unknown): unknown {
  if (typeof v !== "object" || v === null) return v;
  if (isSecret(v)) return { [SIG_KEY]: SECRET_SIG };
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (typeof x === "object" && x !== null) v[i] = stripSecrets(x);
    }
    return v;
  }
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    const x = o[k];
    if (typeof x === "object" && x !== null) o[k] = stripSecrets(x);
  }
  return o;
}
