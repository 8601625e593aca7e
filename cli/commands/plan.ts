/** `parity plan --stack <stack> [--out file] [project-dir]`: the offline plan of one stack, as a parity snapshot file. */
import * as path from "node:path";
import type { Command } from "commander";
import { loadRules } from "../../consistency-rules/src/rules";
import { UsageError } from "../util/errors";
import { writeTextFile } from "../util/files";
import { findRulesFile, readProject } from "../util/project";
import { snapshotToJson } from "../util/snapshot-file";
import type { Context } from "./common";
import { planProject, validateConfigs } from "./check";

export interface PlanCommandOptions {
  readonly stack: string;
  readonly out?: string;
  readonly rules?: string;
  readonly quiet: boolean;
}

export async function runPlan(ctx: Context, dirArg: string | undefined, opts: PlanCommandOptions): Promise<number> {
  const projectDir = path.resolve(ctx.io.cwd, dirArg ?? ".");
  const project = readProject(projectDir);
  const rules = loadRules(opts.rules ? path.resolve(ctx.io.cwd, opts.rules) : findRulesFile(project));
  const env = rules.envForStack(opts.stack);
  if (!env)
    throw new UsageError(
      `unknown stack ${JSON.stringify(opts.stack)}: not a stack of any environment in ${rules.origin} (known: ${rules.envNames.join(", ")})`,
    );
  validateConfigs(rules, projectDir, opts.stack);
  const [plan] = await planProject(ctx, projectDir, [{ env, stack: opts.stack }]);
  const text = snapshotToJson(plan);
  if (opts.out) {
    writeTextFile(opts.out, text);
    if (!opts.quiet)
      ctx.io.stdout(`parity: plan of ${opts.stack} (${plan.resources.length} resources) written to ${opts.out}\n`);
  } else {
    ctx.io.stdout(text);
  }
  return 0;
}

export function registerPlan(program: Command, ctx: Context, setExit: (p: Promise<number>) => void): void {
  program
    .command("plan")
    .summary("plan one stack offline into a snapshot file that diff reads")
    .description(
      "Plan one stack offline (the program under Pulumi's mocks) and write it as a snapshot `parity diff` reads.",
    )
    .argument("[project-dir]", "directory with Pulumi.yaml (default: current directory)")
    .requiredOption("-s, --stack <stack>", "stack to plan (one of the rule set's environments)")
    .option("-o, --out <file>", "write the plan to FILE instead of stdout")
    .option("-r, --rules <file>", "rule set (default: <project-dir>/consistency-rules/<project>.rules.json)")
    .option("-q, --quiet", "no summary line", false)
    .action((dir: string | undefined, opts: PlanCommandOptions) => setExit(runPlan(ctx, dir, opts)));
}
