/**
 * The rule catalogue: what each rule id means (what, why, fix), from the three places ids come from —
 * the comparer's built-in `parity-*` rules, the rule set's invariants and approvals, and the policy pack's metadata
 * (GetAnalyzerInfo). Reports (SARIF rules, explain) read it; nothing here decides pass or fail.
 */
import { PARITY_RULE_DOCS } from "../../consistency-rules/src/compare";
import type { Severity } from "../../consistency-rules/src/model";
import type { RuleSet } from "../../consistency-rules/src/rules";
import type { RuleInfo } from "../reports/model";

/** Built-in consistency rule ids (stable forever). */
export const BUILTIN_RULES: readonly RuleInfo[] = [
  {
    id: "parity-unapproved-difference",
    kind: "parity",
    severity: "high",
    title: "A property differs between environments and no approval covers the difference.",
    why: "Environments that differ in ways nobody approved fail in prod in ways staging could not show.",
    fix: "Make the environments equal (change the stack config or the program), or add an approval with a reason, an owner and an expiry to the rule set.",
  },
  {
    id: "parity-resource-inventory",
    kind: "parity",
    severity: "high",
    title: "A resource exists in some environments only.",
    why: "A resource missing from one environment means that environment is not tested with it (or has something by hand).",
    fix: "Create the resource everywhere, or approve its absence with an approval on path `$present`.",
  },
  {
    id: "parity-approval-expired",
    kind: "parity",
    severity: "medium",
    title: "An approval has passed its expiry date and no longer approves anything.",
    why: "Approved differences are temporary decisions; an expired one must be re-decided, not forgotten.",
    fix: "Remove the difference and the approval, or renew the approval with a new `expires` date and a current reason.",
  },
  {
    id: "parity-unknown-environment",
    kind: "parity",
    severity: "high",
    title: "A stack maps to no environment of the rule set.",
    why: "The environment of a stack is never guessed; approvals cannot be checked for an unknown environment.",
    fix: "Add the stack to `environments.<env>.stacks` in the rule set, or tag the stack `env-parity:environment`.",
  },
  {
    id: "parity-config-schema",
    kind: "config",
    severity: "high",
    title: "A stack config value does not match the project's config schema.",
    why: "An invalid config fails at deploy time or, worse, deploys something nobody intended.",
    fix: "Fix the value in Pulumi.<stack>.yaml (`pulumi config set`).",
  },
  {
    id: "policy-pack-indeterminate",
    kind: "policy",
    severity: "low",
    title: "A policy could not decide because a value is unknown until apply.",
    why: "Values computed at deploy time cannot be checked at preview; they are reported, never passed.",
    fix: "Re-run after the resource exists (or run with --strict to make these fail).",
  },
];

export interface PolicyMeta {
  readonly name: string;
  readonly description: string;
  readonly enforcementLevel?: string;
  /** Remediation steps (GetAnalyzerInfo `remediationSteps`). */
  readonly remediation?: string;
  readonly url?: string;
  readonly severity?: Severity;
}

export interface CatalogOptions {
  readonly rules?: RuleSet;
  readonly policies?: readonly PolicyMeta[];
  /** Base of help links (`<base>#<rule-id>`), if known. */
  readonly helpBase?: string;
}

export class RuleCatalog {
  private readonly byId = new Map<string, RuleInfo>();

  constructor(private readonly opts: CatalogOptions = {}) {
    for (const r of BUILTIN_RULES) this.byId.set(r.id, r);
    // the comparer documents the rules it adds itself (destroyable, CIDR overlap, …): one source for their text
    for (const d of PARITY_RULE_DOCS) if (!this.byId.has(d.id)) this.byId.set(d.id, { ...d, kind: "parity" });
    for (const p of opts.policies ?? []) {
      this.byId.set(p.name, {
        id: p.name,
        kind: "policy",
        title: p.description,
        why: `Policy of the env-parity pack (enforcement ${p.enforcementLevel ?? "advisory"}).`,
        ...(p.severity && { severity: p.severity }),
        fix: p.remediation ?? "See docs/policies.md.",
        ...(p.url && { helpUri: p.url }),
      });
    }
    for (const inv of opts.rules?.invariants ?? []) {
      const where = `${inv.type === "*" ? "every resource" : inv.type}${inv.resource !== "*" ? ` ${inv.resource}` : ""}`;
      this.byId.set(inv.id, {
        id: inv.id,
        kind: "parity",
        severity: inv.severity,
        title: inv.description ?? `\`${inv.path}\` of ${where} is identical in every environment.`,
        why: `Invariant of ${opts.rules!.origin}: \`${inv.path}\` of ${where} must be the same everywhere${inv.hasExpect ? ` and equal ${JSON.stringify(inv.expect)}` : ""}.`,
        fix: inv.hasExpect
          ? `Set \`${inv.path}\` to ${JSON.stringify(inv.expect)} in every environment.`
          : `Make \`${inv.path}\` equal in every environment (invariants cannot be approved away; change the rule set if the invariant is wrong).`,
      });
    }
    for (const a of opts.rules?.approvals ?? []) {
      this.byId.set(a.id, {
        id: a.id,
        kind: "parity",
        title: `Approved difference: \`${a.path}\` of ${a.type} ${a.resource} may differ (${Object.entries(a.values)
          .map(([env, v]) => `${env}: ${JSON.stringify(v)}`)
          .join(", ")}).`,
        why: `${a.reason} (owner ${a.owner}${a.expires ? `, expires ${a.expires}` : ""})`,
        fix: "Nothing to fix while the values match the approval; when it expires, remove the difference or renew the approval.",
      });
    }
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  ids(): string[] {
    return [...this.byId.keys()].sort();
  }

  lookup = (id: string): RuleInfo => {
    const info = this.byId.get(id) ?? { id, title: id };
    return this.opts.helpBase && !info.helpUri ? { ...info, helpUri: `${this.opts.helpBase}#${id}` } : info;
  };
}

/**
 * Where rule documentation lives online: the repository's docs on GitHub when running in GitHub Actions
 * (`$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/blob/$GITHUB_SHA/docs/rules.md`), else `PARITY_DOCS_URL`, else none.
 */
export function helpBaseFromEnv(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.PARITY_DOCS_URL) return env.PARITY_DOCS_URL;
  if (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY) return `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/blob/${env.GITHUB_SHA ?? "HEAD"}/docs/rules.md`;
  return undefined;
}
