/**
 * The policy pack as a library: `envParityPack("acme-parity", { rules })` in a user's own `PulumiPolicy.yaml`
 * project builds a CrossGuard PolicyPack with every env-parity policy, enforcing the user's rule sets — the way
 * `@pulumi/awsguard` is instantiated. Exemptions in the rules (`exemptions`) drop the violations they cover.
 *
 *   import { envParityPack } from "env-parity/policy";
 *   envParityPack("acme-parity", { rules: [require("./acme.rules.json")], overrides: { "s3-bucket-logging": "disabled" } });
 */
import {
  PolicyPack,
  type EnforcementLevel,
  type Policy,
  type PolicyPackConfig,
  type ReportViolation,
  type StackValidationArgs,
} from "@pulumi/policy";
import { exemptionFor } from "../../consistency-rules/src/exemptions";
import { viewOf } from "./define";
import { policies as allPolicies } from "../policies";
import { bundledLockHashes, provideLocks } from "../policies/parity";
import { BUNDLED_KEYWORD } from "../../consistency-rules/src/digest";
import { parseUrn, resolveScope } from "./env";
import { bundledRuleDigests, exemptionsFor, provideRules } from "./rules";
import { install as recordSecrets } from "./sdk/deserialize";

export interface EnvParityPackOptions {
  /** Parsed `<project>.rules.json` objects, one per project the pack serves (a single object is accepted too). */
  readonly rules?: unknown;
  /**
   * Per-policy enforcement level or config (the pack's initial config; policy config given to the engine still wins):
   * `{ "lambda-function-xray-tracing": "advisory", "naming-resource-convention": { service: "ingest" } }`.
   */
  readonly overrides?: PolicyPackConfig;
  /**
   * Parsed `<project>.parity-lock.json` objects (`parity lock` writes them beside the rules), one per project (a single
   * object is accepted too), enforced by `parity-consistency-rules` for the stacks of their project. Built into the
   * pack's code, not its config (a lock can be larger than policy config carries); a `lock` given in policy config
   * for the same project still wins.
   */
  readonly lock?: unknown;
}

type AnyArgs = {
  urn?: string;
  getConfig<T>(): T;
  stackTags?: ReadonlyMap<string, string>;
  resources?: readonly { urn: string }[];
};

/** Wraps a policy's report so a violation covered by a live exemption in the stack's rules is not reported. */
function withExemptions(p: Policy, defaults?: Readonly<Record<string, unknown>>): Policy {
  // Config given when the pack was built (overrides, lock) under the config the engine sends, for every engine and harness.
  // The args with getConfig replaced, everything else read through (not copied: a stack's `args.resources` is built
  // only if read, see lib/sdk/stack-resources.js).
  const withDefaults = <A extends AnyArgs>(args: A): A =>
    defaults
      ? (Object.create(args, {
          getConfig: {
            value: <T>() => ({ ...defaults, ...(args.getConfig<Record<string, unknown>>() ?? {}) }) as T,
            enumerable: true,
          },
        }) as A)
      : args;
  // Exemptions are looked up on a policy's first report only: most calls report nothing (and most resources are not
  // of the policy's types), so a call costs no config copy or scope lookup until there is something to drop.
  const filtered = (args: AnyArgs, report: ReportViolation, firstUrn: () => string | undefined): ReportViolation => {
    let exempt: ((urn: string) => boolean) | undefined;
    const exemptionsOfCall = (): ((urn: string) => boolean) => {
      const first = firstUrn();
      if (!first) return () => false;
      const cfg = args.getConfig<Record<string, unknown>>() ?? {};
      const scope = resolveScope(first, args.stackTags, cfg.rules);
      const exemptions = exemptionsFor(scope.rules);
      if (exemptions.length === 0) return () => false;
      const now = new Date();
      return (target) =>
        !!parseUrn(target).stack && !!exemptionFor(exemptions, p.name, { urn: target, env: scope.env }, now);
    };
    return (message, urn) => {
      exempt ??= exemptionsOfCall();
      const target = urn ?? args.urn;
      if (target && exempt(target)) return;
      report(message, urn);
    };
  };
  const r = p as Policy & { validateResource?: unknown; validateStack?: unknown };
  if (typeof r.validateResource === "function") {
    const inner = r.validateResource as (args: AnyArgs, report: ReportViolation) => unknown;
    const wrapped = (given: AnyArgs, report: ReportViolation) => {
      const args = withDefaults(given);
      return inner(
        args,
        filtered(args, report, () => args.urn),
      );
    };
    const type = (inner as { __pulumiType?: string }).__pulumiType;
    if (type) Object.defineProperty(wrapped, "__pulumiType", { value: type });
    return { ...p, validateResource: wrapped } as unknown as Policy;
  }
  if (typeof r.validateStack === "function") {
    const inner = r.validateStack as (args: AnyArgs, report: ReportViolation) => unknown;
    return {
      ...p,
      validateStack: (given: AnyArgs, report: ReportViolation) => {
        const args = withDefaults(given);
        // The stack's first resource, from the request's shared view (as the policy itself reads the stack).
        return inner(
          args,
          filtered(args, report, () => viewOf(args as unknown as StackValidationArgs).resources[0]?.urn),
        );
      },
    } as unknown as Policy;
  }
  return p;
}

/**
 * The policy with what the pack was built with advertised on its `rules` and `lock` config properties
 * ({@link BUNDLED_KEYWORD}: project → digest), so `parity check` sends only rules and locks that differ from these.
 */
function withBundled(p: Policy, bundled: Readonly<Record<"rules" | "lock", Readonly<Record<string, string>>>>): Policy {
  const props = p.configSchema?.properties as Record<string, object> | undefined;
  if (!props) return p;
  let next = props;
  for (const key of ["rules", "lock"] as const)
    if (props[key] && Object.keys(bundled[key]).length > 0)
      next = { ...next, [key]: { ...props[key], [BUNDLED_KEYWORD]: bundled[key] } };
  return next === props ? p : ({ ...p, configSchema: { ...p.configSchema, properties: next } } as Policy);
}

function asList(rules: unknown): unknown[] {
  if (rules === undefined || rules === null) return [];
  return Array.isArray(rules) ? rules : [rules];
}

/** The env-parity PolicyPack named `name`, enforcing `opts.rules` (and any inline `rules` given in policy config). */
export function envParityPack(name: string, opts: EnvParityPackOptions = {}): PolicyPack {
  recordSecrets(); // the installed @pulumi/policy deserialises through ours: no message prints a secret
  provideRules(asList(opts.rules));
  provideLocks(asList(opts.lock));
  const bundled = { rules: bundledRuleDigests(), lock: bundledLockHashes() };
  const overrides: Record<string, unknown> = { ...(opts.overrides ?? {}) };
  const policies = allPolicies.map((p) => {
    const o = overrides[p.name];
    const level =
      typeof o === "string"
        ? (o as EnforcementLevel)
        : (o as { enforcementLevel?: EnforcementLevel } | undefined)?.enforcementLevel;
    const config =
      o !== null && typeof o === "object"
        ? (Object.fromEntries(Object.entries(o).filter(([k]) => k !== "enforcementLevel")) as Record<string, unknown>)
        : undefined;
    return withExemptions(
      withBundled(level ? { ...p, enforcementLevel: level } : p, bundled),
      config && Object.keys(config).length > 0 ? config : undefined,
    );
  });
  return new PolicyPack(
    name,
    { policies },
    Object.keys(overrides).length > 0 ? (overrides as PolicyPackConfig) : undefined,
  );
}

export { exemptionFor } from "../../consistency-rules/src/exemptions";
export type { Exemption } from "../../consistency-rules/src/exemptions";
