/**
 * `parity check [project-dir]`: the gate. Validates the rule set and every stack config, plans every stack offline,
 * runs the policy pack on each plan (one pack process, ConfigureStack per stack), compares the stacks under the
 * rules, prints one report.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { compareSnapshots } from "../../consistency-rules/src/compare";
import { InputError, InputErrors } from "../../consistency-rules/src/errors";
import type { Finding, Snapshot } from "../../consistency-rules/src/model";
import { normaliseSnapshot } from "../../consistency-rules/src/normalise";
import { loadRules } from "../../consistency-rules/src/rules";
import type { RuleSet } from "../../consistency-rules/src/rules";
import { readStackConfigSnapshot } from "../sources/config";
import { planStack } from "../sources/plan";
import { RuleCatalog, helpBaseFromEnv } from "../util/catalog";
import { defaultPackDir, openPack, packConfig, policyMetadata } from "../util/pack";
import { findRulesFile, readProject, resolverFor } from "../util/project";
import { loadConfigSchema } from "../util/stack-config";
import type { Context, ReportOptions } from "./common";
import { addReportOptions, emitReport, progressReporter } from "./common";

export interface CheckOptions extends ReportOptions {
  readonly rules?: string;
  readonly policyPack?: string;
  /** false with --no-pack */
  readonly pack: boolean;
}

/** Every stack of every environment, in the rule set's order, with its config file. */
export function stacksOf(rules: RuleSet, projectDir: string): { env: string; stack: string; file: string }[] {
  return Object.values(rules.environments).flatMap((e) =>
    e.stacks.map((stack) => ({ env: e.name, stack, file: path.join(projectDir, `Pulumi.${stack}.yaml`) })),
  );
}

/** Validates every stack config (all problems of all stacks at once); returns the config snapshots. */
export function validateConfigs(rules: RuleSet, projectDir: string, only?: string): Snapshot[] {
  const schema = loadConfigSchema(rules);
  const resolveEnvironment = resolverFor(rules, projectDir);
  const errors: InputError[] = [];
  const snaps: Snapshot[] = [];
  for (const { env, stack, file } of stacksOf(rules, projectDir).filter((s) => !only || s.stack === only)) {
    if (!fs.existsSync(file)) {
      errors.push(new InputError(file, "", `does not exist (stack ${stack} of environment ${env} in ${rules.origin})`));
      continue;
    }
    try {
      snaps.push(readStackConfigSnapshot(file, { resolveEnvironment, ...(schema && { validate: { rules, schema } }) }));
    } catch (e) {
      if (e instanceof InputErrors) errors.push(...e.errors);
      else if (e instanceof InputError) errors.push(e);
      else throw e;
    }
  }
  if (errors.length > 0) throw new InputErrors(errors);
  return snaps;
}

export async function runCheck(ctx: Context, dirArg: string | undefined, opts: CheckOptions): Promise<number> {
  const progress = progressReporter(ctx, opts);
  const projectDir = path.resolve(ctx.io.cwd, dirArg ?? ".");
  const project = readProject(projectDir);
  const rules = loadRules(opts.rules ? path.resolve(ctx.io.cwd, opts.rules) : findRulesFile(project));
  const rel = (f: string) => path.relative(ctx.io.cwd, f) || f;
  progress(`rules ${rel(rules.origin)}: ${rules.envNames.join(", ")}`);
  validateConfigs(rules, projectDir);
  const stacks = stacksOf(rules, projectDir);

  progress(`planning ${stacks.map((s) => s.stack).join(", ")} offline`);
  const plans = await Promise.all(
    stacks.map(async ({ env, stack }) => {
      const plan = await planStack({ projectDir, stack });
      progress(`planned ${stack}: ${plan.resources.length} resources`);
      return { ...plan, context: { ...plan.context, env } } as Snapshot;
    }),
  );

  const findings: Finding[] = [];
  let catalog = new RuleCatalog({ rules, helpBase: helpBaseFromEnv(ctx.io.env) });
  if (opts.pack) {
    const packDir = opts.policyPack ? path.resolve(ctx.io.cwd, opts.policyPack) : defaultPackDir();
    progress(`starting policy pack ${rel(packDir)}`);
    const { session, info } = await openPack(packDir);
    try {
      await session.configure(packConfig(info, opts.strict));
      for (const plan of plans) {
        progress(`policy pack on ${plan.context.stack}`);
        const tags = { "env-parity:environment": plan.context.env };
        findings.push(...(await session.analyzeSnapshot(plan, { tags })).map((f) => ({ ...f, file: f.file ?? rel(plan.origin) })));
      }
    } finally {
      await session.close();
    }
    catalog = new RuleCatalog({ rules, policies: policyMetadata(info), helpBase: helpBaseFromEnv(ctx.io.env) });
  }

  progress(`comparing ${plans.map((p) => p.context.env).join(", ")}`);
  findings.push(...compareSnapshots(plans.map((p) => normaliseSnapshot(p, rules)), rules, ctx.io.now()).map((f) => ({ ...f, ...(f.file && { file: rel(f.file) }) })));
  return emitReport(ctx, opts, {
    findings,
    rules: catalog.lookup,
    subject: `${rules.project}: ${plans.map((p) => p.context.env).join(", ")}`,
    defaultFile: rel(rules.origin),
  });
}

export function registerCheck(program: Command, ctx: Context, setExit: (p: Promise<number>) => void): void {
  addReportOptions(
    program
      .command("check")
      .summary("the gate: validate configs, plan every stack offline, run the policy pack, compare environments")
      .description(
        "Validate the rule set and every stack config, plan every stack of the project offline (the program under " +
          "Pulumi's mocks), run the policy pack on each plan, compare the stacks under the rules and print one report.",
      )
      .argument("[project-dir]", "directory with Pulumi.yaml (default: current directory)")
      .option("-r, --rules <file>", "rule set (default: <project-dir>/consistency-rules/<project>.rules.json)")
      .option("--policy-pack <dir>", "policy pack directory (default: the repository's policy-pack/)")
      .option("--no-pack", "skip the policy pack (config validation and consistency comparison only)"),
  ).action((dir: string | undefined, opts: CheckOptions) => setExit(runCheck(ctx, dir, opts)));
}
