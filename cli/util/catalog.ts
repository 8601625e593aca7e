/**
 * The rule catalogue: what each rule id means (what, why, fix), from the three places ids come from —
 * the built-in `parity-*` rules (consistency-rules/builtin-rules.json), the rule set's invariants and approvals, and the policy pack's metadata
 * (GetAnalyzerInfo). Reports (SARIF rules, explain) read it; nothing here decides pass or fail.
 */
import { BUILTIN_RULE_TEXTS } from "./builtin-rules";
import type { Severity } from "../../consistency-rules/src/model";
import type { RuleSet } from "../../consistency-rules/src/rules";
import * as path from "node:path";
import type { RuleInfo } from "../reports/model";

/** A rules file as reports may name it: relative to the working directory, never a machine's absolute path. */
function relativeOrigin(origin: string): string {
  if (!path.isAbsolute(origin)) return origin;
  const rel = path.relative(process.cwd(), origin);
  return rel.split(path.sep).join("/");
}

/** Built-in consistency rule ids (stable forever), from consistency-rules/builtin-rules.json. */
export const BUILTIN_RULES: readonly RuleInfo[] = BUILTIN_RULE_TEXTS;

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
        why: `Invariant of ${relativeOrigin(opts.rules!.origin)}: \`${inv.path}\` of ${where} must be the same everywhere${inv.hasExpect ? ` and equal ${JSON.stringify(inv.expect)}` : ""}.`,
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
 * (`$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/blob/$GITHUB_SHA/docs/RULES.md`), else `PARITY_DOCS_URL`, else none.
 */
export function helpBaseFromEnv(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.PARITY_DOCS_URL) return env.PARITY_DOCS_URL;
  if (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY)
    return `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/blob/${env.GITHUB_SHA ?? "HEAD"}/docs/RULES.md`;
  return undefined;
}
