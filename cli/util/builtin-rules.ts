/**
 * The built-in rule texts, read from their one home `consistency-rules/builtin-rules.json` (explain, SARIF help and
 * docs/RULES.md are generated from it).
 */
import builtin from "../../consistency-rules/builtin-rules.json";
import type { Finding, Severity } from "../../consistency-rules/src/model";

export interface BuiltinRule {
  readonly id: string;
  readonly kind: Finding["kind"];
  readonly severity: Severity;
  readonly title: string;
  readonly why: string;
  readonly fix: string;
}

export const BUILTIN_RULE_TEXTS: readonly BuiltinRule[] = builtin.rules as BuiltinRule[];

/** The docs page every built-in rule has an anchor in (relative to the repository root). */
export const RULES_DOC = "docs/RULES.md";
