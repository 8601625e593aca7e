/**
 * `parity explain <rule-id>`: what a rule checks, why, and how to fix it — for built-in consistency rules, the
 * rule set's invariants and approvals, and the policy pack's policies (their metadata from the pack itself).
 */
import type { Command } from "commander";
import type { RuleSet } from "../../consistency-rules/src/rules";
import { RuleCatalog } from "../util/catalog";
import type { PolicyMeta } from "../util/catalog";
import { UsageError } from "../util/errors";
import { resolveRules } from "../util/project";
import { loadPolicyMetadata } from "../util/pack";
import type { Context } from "./common";

export interface ExplainOptions {
  readonly rules?: string;
  readonly policyPack?: string;
}

function closest(id: string, ids: readonly string[]): string | undefined {
  const words = new Set(id.split("-"));
  let best: { id: string; score: number } | undefined;
  for (const c of ids) {
    const score = c.split("-").filter((w) => words.has(w)).length;
    if (score > 0 && (!best || score > best.score)) best = { id: c, score };
  }
  return best?.id;
}

export async function runExplain(ctx: Context, id: string, opts: ExplainOptions): Promise<number> {
  let rules: RuleSet | undefined;
  try {
    rules = resolveRules(ctx.io.cwd, opts.rules).rules;
  } catch (e) {
    if (opts.rules) throw e; // an explicit --rules must be valid; without one, explain still knows built-ins and the pack
  }
  let catalog = new RuleCatalog({ rules });
  // the pack's policies (parity-consistency-rules is one) only when the id is not a built-in, invariant or approval
  if (!catalog.has(id) || opts.policyPack) {
    const policies: readonly PolicyMeta[] = await loadPolicyMetadata(ctx, opts.policyPack);
    catalog = new RuleCatalog({ rules, policies });
  }
  if (!catalog.has(id)) {
    const hint = closest(id, catalog.ids());
    throw new UsageError(
      `unknown rule id ${JSON.stringify(id)}${hint ? ` (did you mean ${hint}?)` : ""}; known ids: parity explain --list`,
    );
  }
  const info = catalog.lookup(id);
  const lines = [
    `${info.id}${info.kind ? ` (${info.kind}${info.severity ? `, ${info.severity}` : ""})` : ""}`,
    `  what: ${info.title}`,
    ...(info.why ? [`  why:  ${info.why}`] : []),
    ...(info.fix ? [`  fix:  ${info.fix}`] : []),
  ];
  ctx.io.stdout(`${lines.join("\n")}\n`);
  return 0;
}

export async function runExplainList(ctx: Context, opts: ExplainOptions): Promise<number> {
  let rules: RuleSet | undefined;
  try {
    rules = resolveRules(ctx.io.cwd, opts.rules).rules;
  } catch (e) {
    if (opts.rules) throw e;
  }
  const catalog = new RuleCatalog({ rules, policies: await loadPolicyMetadata(ctx, opts.policyPack) });
  for (const id of catalog.ids()) ctx.io.stdout(`${id}\t${catalog.lookup(id).title}\n`);
  return 0;
}

export function registerExplain(program: Command, ctx: Context, setExit: (p: Promise<number>) => void): void {
  program
    .command("explain")
    .summary("what a rule id checks, why, and how to fix it")
    .description(
      "Explain a rule id: what it checks, why it matters, how to fix it (policies, invariants, approvals, built-in parity rules).",
    )
    .argument("[rule-id]", "e.g. parity-unapproved-difference, parity-lambda-runtime, s3-bucket-versioning-enabled")
    .option("-r, --rules <file>", "rule set (default: the project's, found from the current directory)")
    .option("--policy-pack <dir>", "policy pack directory (default: <repo>/policy-pack)")
    .option("--list", "list every known rule id", false)
    .action((id: string | undefined, opts: ExplainOptions & { list: boolean }) => {
      if (opts.list) return setExit(runExplainList(ctx, opts));
      if (!id) throw new UsageError("explain needs a rule id (or --list)");
      return setExit(runExplain(ctx, id, opts));
    });
}
