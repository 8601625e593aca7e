// Types of `env-parity/policy` (copied to dist/policy/index.d.ts by `npm run build:library`); mirrors lib/pack.ts.
import type { PolicyPack, PolicyPackConfig } from "@pulumi/policy";

export interface EnvParityPackOptions {
  /** Parsed `<project>.rules.json` objects, one per project the pack serves (a single object is accepted too). */
  readonly rules?: unknown;
  /** Per-policy enforcement level or config: the pack's initial config (policy config given to the engine wins). */
  readonly overrides?: PolicyPackConfig;
  /**
   * Parsed `<project>.parity-lock.json` objects, one per project (a single object too), built into the pack's code and
   * enforced by `parity-consistency-rules`; a `lock` in policy config for the same project wins.
   */
  readonly lock?: unknown;
}

export interface Exemption {
  readonly policy: string;
  readonly resource: string;
  readonly environments?: readonly string[];
  readonly reason: string;
  readonly owner: string;
  readonly expires: string;
  readonly baseline?: boolean;
}

/** The env-parity PolicyPack named `name`, enforcing `opts.rules` (and any inline `rules` given in policy config). */
export declare function envParityPack(name: string, opts?: EnvParityPackOptions): PolicyPack;

export declare function exemptionFor(
  exemptions: readonly Exemption[],
  policy: string,
  target: { readonly urn?: string; readonly logicalId?: string; readonly env?: string },
  now?: Date,
): Exemption | undefined;
