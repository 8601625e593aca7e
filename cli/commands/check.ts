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
import {
  firstPerEnvironment,
  loadLock,
  lockFileFor,
  lockFromSnapshots,
  staleLockFindings,
} from "../../consistency-rules/src/lock";
import { contentDigest } from "../../consistency-rules/src/digest";
import { loadRules } from "../../consistency-rules/src/rules";
import type { RuleSet } from "../../consistency-rules/src/rules";
import { readStackConfigSnapshot } from "../sources/config";
import { planAll } from "../sources/plan";
import { RuleCatalog, helpBaseFromEnv } from "../util/catalog";
import { asProgramFailure, UsageError } from "../util/errors";
import type { PackInfo, PackSession, PolicyPackConfig } from "../../policy-pack/harness";
import {
  envPackConfigFile,
  openPack,
  packLockConfig,
  policyMetadata,
  projectPackConfig,
  readPackConfigFile,
} from "../util/pack";
import { findRulesFile, readProject, resolverFor } from "../util/project";
import { loadConfigSchema } from "../util/stack-config";
import { Timings } from "../util/timings";
import type { Context, ReportOptions } from "./common";
import { expiryFindings, matchesNothingFindings, projectPackDir, unmappedStackFindings } from "./rules";
import { addReportOptions, emitReport, progressReporter } from "./common";
import { sourcePositionsOf } from "../reports/model";

export interface CheckOptions extends ReportOptions {
  readonly rules?: string;
  readonly policyPack?: string;
  /** `--policy-pack-config FILE`: the pack config for every environment (`{env}` in it: the environment's name). */
  readonly policyPackConfig?: string;
  /** false with --no-pack */
  readonly pack: boolean;
  /** --pack-only: only the policy pack on each stack's plan (with the lock), as `pulumi preview --policy-pack` sees it. */
  readonly packOnly?: boolean;
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

/**
 * Plans the stacks of one project offline (one worker for all of them: the SDK and ts-node load once). Every failure
 * of every stack is reported: config errors and program failures (the user's program threw) are bad input, exit 2;
 * anything else (the planner itself broke) stays an internal error.
 */
export async function planProject(
  ctx: Context,
  projectDir: string,
  stacks: readonly { env: string; stack: string }[],
  /** Each stack's plan as soon as it is made (the same object returned at the end), while the others are planned. */
  onPlanned?: (index: number, plan: Snapshot) => void,
): Promise<Snapshot[]> {
  const withEnv = (plan: Snapshot, i: number): Snapshot => ({
    ...plan,
    context: { ...plan.context, env: stacks[i].env },
  });
  const early: Snapshot[] = [];
  const settled = await planAll(
    stacks.map(({ stack }) => ({ projectDir, stack })),
    onPlanned && {
      settled: (i, r) => {
        if (r.status !== "fulfilled") return;
        early[i] = withEnv(r.value, i);
        onPlanned(i, early[i]);
      },
    },
  );
  const shownDir = path.relative(ctx.io.cwd, projectDir) || projectDir;
  const bad: InputError[] = [];
  let internal: unknown;
  const plans = settled.map((r, i) => {
    if (r.status === "fulfilled") return early[i] ?? withEnv(r.value, i);
    const e: unknown = r.reason;
    const program = asProgramFailure(e, shownDir, stacks[i].stack);
    if (program) bad.push(program);
    else if (e instanceof InputErrors) bad.push(...e.errors);
    else if (e instanceof InputError) bad.push(e);
    else internal ??= e;
    return undefined;
  });
  if (internal !== undefined) throw internal;
  if (bad.length > 0) {
    // one worker plans every stack, so a worker-level failure repeats per stack: print each line once
    const seen = new Set<string>();
    throw new InputErrors(bad.filter((e) => !seen.has(e.message) && seen.add(e.message)));
  }
  return plans as Snapshot[];
}

/**
 * The pack config for each environment, as `pulumi preview --policy-pack-config` would give it, plus the project's
 * rule set inline (read now from the rules file: a rules edit needs no pack rebuild). Bad files are input errors.
 */
export function packConfigs(
  info: PackInfo,
  rules: RuleSet,
  projectDir: string,
  opts: { strict: boolean; file?: string },
  rel: (f: string) => string,
): Map<string, PolicyPackConfig> {
  const rulesObject: unknown = rules.source;
  const rulesDigest = contentDigest(rulesObject);
  const errors: InputError[] = [];
  const out = new Map<string, PolicyPackConfig>();
  for (const env of rules.envNames) {
    const file = envPackConfigFile(projectDir, env, opts.file);
    try {
      const given = file ? readPackConfigFile(file, info, rel(file)) : undefined;
      out.set(env, projectPackConfig(info, { strict: opts.strict, rules: rulesObject, rulesDigest, file: given }));
    } catch (e) {
      if (e instanceof InputError) errors.push(e);
      else throw e;
    }
  }
  if (errors.length > 0)
    throw new InputErrors(errors.filter((e, i) => errors.findIndex((x) => x.message === e.message) === i));
  return out;
}

export async function runCheck(ctx: Context, dirArg: string | undefined, opts: CheckOptions): Promise<number> {
  const progress = progressReporter(ctx, opts, { long: true });
  const timings = Timings.from(ctx.io, opts.timings);
  const projectDir = path.resolve(ctx.io.cwd, dirArg ?? ".");
  const rel = (f: string) => path.relative(ctx.io.cwd, f) || f;
  const rules = timings.sync("rules", () =>
    loadRules(opts.rules ? path.resolve(ctx.io.cwd, opts.rules) : findRulesFile(readProject(projectDir))),
  );
  progress(`rules ${rel(rules.origin)}: ${rules.envNames.join(", ")}`);
  timings.sync("configs", () => validateConfigs(rules, projectDir));
  const stacks = stacksOf(rules, projectDir);
  if (opts.packOnly && !opts.pack) throw new UsageError("--pack-only and --no-pack exclude each other");
  // The parity lock beside the rules, if the project has one: the pack enforces it, the gate keeps it current.
  const lockFile = lockFileFor(rules);
  const lock = fs.existsSync(lockFile) ? timings.sync("lock", () => loadLock(lockFile)) : undefined;
  if (lock) progress(`lock ${rel(lockFile)}: ${Object.keys(lock.resources).length} resources`);

  // The pack starts while the stacks are planned, and analyses each stack as soon as its plan is made (stacks in
  // order: one session answers for one stack at a time, Configure and ConfigureStack being the pack's state).
  const packDir = opts.pack
    ? opts.policyPack
      ? path.resolve(ctx.io.cwd, opts.policyPack)
      : projectPackDir(projectDir)
    : undefined;
  if (packDir) progress(`starting policy pack ${rel(packDir)}`);
  const packStart = packDir ? timings.async("pack-start", () => openPack(packDir)) : undefined;
  const planned = stacks.map(() => {
    let resolve!: (plan: Snapshot | undefined) => void;
    const promise = new Promise<Snapshot | undefined>((r) => (resolve = r));
    return { promise, resolve };
  });
  const packFindings: Finding[] = [];
  const packRun =
    packStart &&
    runPackOnPlans(
      packStart,
      planned.map((p) => p.promise),
    );
  packRun?.catch(() => undefined); // awaited below, after the plans' own errors; never an unhandled rejection
  async function runPackOnPlans(
    started: Promise<{ session: PackSession; info: PackInfo }>,
    plansInOrder: Promise<Snapshot | undefined>[],
  ): Promise<PackInfo> {
    const { session, info } = await started;
    try {
      // Each environment's pack config (its file, the project's rules inline, --strict), as a preview would send it.
      const configs = packConfigs(
        info,
        rules,
        projectDir,
        { strict: opts.strict, file: opts.policyPackConfig && path.resolve(ctx.io.cwd, opts.policyPackConfig) },
        rel,
      );
      await timings.async("pack", async () => {
        for (const [i, next] of plansInOrder.entries()) {
          // The environment's config does not wait for the plan: the pack takes it in while the stack is planned.
          await session.configure(packLockConfig(info, configs.get(stacks[i].env) ?? {}, lock));
          const plan = await next;
          if (!plan) return; // planning failed: its errors are reported, not the pack's
          progress(`policy pack on ${plan.context.stack}`);
          const tags = { "env-parity:environment": plan.context.env };
          // every resource of a stack at once
          const found = await session.analyzeSnapshot(plan, { tags, concurrency: plan.resources.length });
          packFindings.push(...found.map((f) => ({ ...f, file: f.file ?? rel(plan.origin) })));
        }
      });
    } finally {
      await session.close();
    }
    return info;
  }
  progress(`planning ${stacks.map((s) => s.stack).join(", ")} offline`);
  let plans: Snapshot[];
  try {
    plans = await timings.async("plan", () =>
      planProject(ctx, projectDir, stacks, (i, plan) => planned[i].resolve(plan)),
    );
  } catch (e) {
    for (const p of planned) p.resolve(undefined);
    await packRun?.catch(() => undefined);
    throw e;
  }
  plans.forEach((plan, i) => planned[i].resolve(plan));
  progress(`planned ${plans.map((p) => `${p.context.stack} (${p.resources.length} resources)`).join(", ")}`);

  const findings: Finding[] = [];
  let catalog = new RuleCatalog({ rules, helpBase: helpBaseFromEnv(ctx.io.env) });
  if (packRun) {
    const info = await packRun;
    findings.push(...packFindings);
    catalog = new RuleCatalog({ rules, policies: policyMetadata(info), helpBase: helpBaseFromEnv(ctx.io.env) });
  }

  if (opts.packOnly) {
    const code = emitReport(ctx, opts, {
      findings,
      rules: catalog.lookup,
      subject: `${rules.project} (policy pack): ${plans.map((p) => p.context.env).join(", ")}`,
      defaultFile: rel(rules.origin),
    });
    timings.print(ctx.io);
    return code;
  }
  progress(`comparing ${plans.map((p) => p.context.env).join(", ")}`);
  const normalised = timings.sync("normalise", () => plans.map((p) => normaliseSnapshot(p, rules)));
  const compared = timings.sync("compare", () => compareSnapshots(normalised, rules, ctx.io.now()));
  findings.push(...compared.map((f) => ({ ...f, ...(f.file && { file: rel(f.file) }) })));
  // Rules that cannot rot: stack files of no environment fail; rules matching nothing warn; baseline debt expires.
  const expiry = expiryFindings(rules, ctx.io.now());
  for (const w of expiry.warnings) ctx.io.stderr(`parity: ${w}\n`);
  for (const f of [
    ...unmappedStackFindings(rules, projectDir),
    ...matchesNothingFindings(rules, normalised),
    ...expiry.findings,
  ])
    findings.push({ ...f, ...(f.file && { file: rel(f.file) }) });
  // A stale lock: the environments now agree on something else than the lock says (`parity lock` rewrites it).
  if (lock)
    findings.push(
      ...timings.sync("lock-check", () =>
        staleLockFindings(lock, lockFromSnapshots(firstPerEnvironment(plans), rules), rel(lockFile)),
      ),
    );
  const code = timings.sync("report", () =>
    emitReport(ctx, opts, {
      findings,
      rules: catalog.lookup,
      subject: `${rules.project}: ${plans.map((p) => p.context.env).join(", ")}`,
      defaultFile: rel(rules.origin),
      sourcePositions: sourcePositionsOf(plans, projectDir, ctx.io.cwd),
    }),
  );
  timings.print(ctx.io);
  return code;
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
      .option(
        "--policy-pack <dir>",
        "policy pack directory (default: <project-dir>/policy-pack if it is one, else env-parity's)",
      )
      .option(
        "--policy-pack-config <file>",
        "pack config for every environment, as `pulumi preview --policy-pack-config` reads it ({env} in the path: the environment; default: <project-dir>/policy-pack/config/<env>.json where it exists)",
      )
      .option("--no-pack", "skip the policy pack (config validation and consistency comparison only)")
      .option(
        "--pack-only",
        "run only the policy pack (with the parity lock) on each stack's offline plan, as `pulumi preview --policy-pack` sees it",
      ),
  ).action((dir: string | undefined, opts: CheckOptions) => setExit(runCheck(ctx, dir, opts)));
}
