/**
 * The string formats of the project's ajv (all of ajv-formats' full formats plus ours), in one object so that a
 * validator generated at build time (consistency-rules/src/precompile.ts) requires the very same definitions.
 * Loads neither ajv nor ajv-formats' plugin.
 */
import { fullFormats } from "ajv-formats/dist/formats";

/** IPv4 CIDR block (`10.0.0.0/16`), which ajv-formats does not have. */
export const IPV4_CIDR =
  /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(3[0-2]|[12]?\d)$/;

/** Our own formats, added after ajv-formats' ones. */
export const OWN_FORMATS = {
  "ipv4-cidr": IPV4_CIDR,
  "aws-account-id": /^\d{12}$/,
  "aws-region": /^[a-z]{2}(-gov)?-[a-z]+-\d$/,
} as const;

/** Every format a schema of ours may name, by name (what generated validators look formats up in). */
export const FORMATS = { ...fullFormats, ...OWN_FORMATS };
