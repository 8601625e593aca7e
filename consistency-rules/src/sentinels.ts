/**
 * Markers the Pulumi engine and SDKs use on the wire and in state files. Kept here (not imported from
 * @pulumi/pulumi) because the rules library must not depend on the engine.
 */

/** The string the SDK puts where a value is unknown at preview (`pulumi.runtime.unknownValue`). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The signature key Pulumi uses to mark special values; `[SIG]: SECRET_SIG` marks a secret. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
export const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
export const RESOURCE_REF_SIG = "5cf8f73096256a8f31e491e813e4eb8e";

/** What a secret becomes after normalisation; the only form in which a secret may reach a report. */
export const SECRET_PLACEHOLDER = "[secret]";

/** A secret as it appears in `pulumi stack export` and on the wire. */
export interface SecretValue {
  readonly [SIG_KEY]: typeof SECRET_SIG;
  readonly value?: unknown;
  readonly ciphertext?: string;
}

export function isSecret(v: unknown): v is SecretValue {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

export function isUnknown(v: unknown): boolean {
  return v === UNKNOWN;
}

/** True if the value or anything inside it is unknown at preview. */
export function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (typeof v !== "object" || v === null) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (containsUnknown(v[i])) return true;
    return false;
  }
  // Own enumerable string keys, as Object.values has them, without building the list.
  for (const k in v)
    if (Object.prototype.hasOwnProperty.call(v, k) && containsUnknown((v as Record<string, unknown>)[k])) return true;
  return false;
}
