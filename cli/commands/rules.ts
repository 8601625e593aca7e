/** `parity rules validate [file]`: validate a rule set against its meta-schema and its own consistency. */
import type { Command } from "commander";
import { loadRules, isExpired } from "../../consistency-rules/src/rules";
import { resolveRules } from "../util/project";
import type { Context } from "./common";

export async function runRulesValidate(ctx: Context, file: string | undefined, opts: { quiet?: boolean }): Promise<number> {
  const rules = file ? loadRules(file) : resolveRules(ctx.io.cwd).rules;
  if (!opts.quiet) {
    ctx.io.stdout(
      `parity: ${rules.origin} is valid: project ${rules.project}, ${rules.envNames.length} environments (${rules.envNames.join(", ")}), ` +
        `${rules.invariants.length} invariants, ${rules.approvals.length} approvals\n`,
    );
    const now = ctx.io.now();
    for (const a of rules.approvals.filter((x) => isExpired(x, now))) {
      ctx.io.stdout(`parity: note: approval ${a.id} expired on ${a.expires}; \`parity check\`/\`diff\` report it as parity-approval-expired\n`);
    }
  }
  return 0;
}

export function registerRules(program: Command, ctx: Context, setExit: (p: Promise<number>) => void): void {
  const rules = program.command("rules").summary("work with consistency rule sets").description("Work with consistency rule sets.");
  rules
    .command("validate")
    .description("Validate a rule set (default: the project's, found from the current directory) against rules.schema.json.")
    .argument("[file]", "rule set file")
    .option("-q, --quiet", "print nothing when valid", false)
    .action((file: string | undefined, opts: { quiet?: boolean }) => setExit(runRulesValidate(ctx, file, opts)));
}
