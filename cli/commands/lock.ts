/**
 * `parity lock [project-dir]`: writes `<project>.parity-lock.json` beside the rules — what every environment agrees
 * on (consistency-rules/src/lock.ts), from the offline plans of every stack (default) or from exports
 * (`--export env=file`, one per environment). The pack enforces it per stack; `parity check` fails when it is stale.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import {
  diffLocks,
  loadLock,
  lockFileFor,
  lockFromSnapshots,
  serialiseLock,
  type ParityLock,
} from "../../consistency-rules/src/lock";
import type { Snapshot } from "../../consistency-rules/src/model";
import { loadRules, type RuleSet } from "../../consistency-rules/src/rules";
import { readAnySnapshot } from "../sources/detect";
import { UsageError } from "../util/errors";
import { writeTextFile } from "../util/files";
import { findRulesFile, readProject, resolverFor } from "../util/project";
import type { Context } from "./common";
import { planProject, stacksOf, validateConfigs } from "./check";

export interface LockOptions {
  readonly rules?: string;
  readonly export?: string[];
  readonly out?: string;
  readonly quiet?: boolean;
}

/** The environments' first stacks (a lock describes environments, one stack each). */
export function lockStacks(rules: RuleSet, projectDir: string): { env: string; stack: string }[] {
  const seen = new Set<string>();
  return stacksOf(rules, projectDir).filter((s) => !seen.has(s.env) && seen.add(s.env));
}

/**
 * The project's snapshots: read from `--export env=file` specs when given, else planned offline (configs validated
 * first) for `stacks`. One home for `parity lock` and `parity baseline`.
 */
export async function exportsOrPlans(
  ctx: Context,
  rules: RuleSet,
  projectDir: string,
  exports: readonly string[] | undefined,
  stacks: { env: string; stack: string }[],
): Promise<Snapshot[]> {
  if (exports && exports.length > 0)
    return readExports(
      ctx,
      rules,
      exports,
      fs.existsSync(path.join(projectDir, "Pulumi.yaml")) ? projectDir : undefined,
    );
  validateConfigs(rules, projectDir);
  return planProject(ctx, projectDir, stacks);
}

/** One snapshot per environment from `--export env=file` specs (every environment exactly once). */
export function readExports(ctx: Context, rules: RuleSet, specs: readonly string[], projectDir?: string): Snapshot[] {
  const byEnv = new Map<string, Snapshot>();
  for (const spec of specs) {
    const m = /^([^=]+)=(.+)$/.exec(spec);
    if (!m) throw new UsageError(`--export ${JSON.stringify(spec)}: expected env=file`);
    const [, env, file] = m;
    if (!(env in rules.environments))
      throw new UsageError(
        `--export ${env}=…: ${env} is not an environment of ${rules.origin} (known: ${rules.envNames.join(", ")})`,
      );
    const snap = readAnySnapshot(path.resolve(ctx.io.cwd, file), {
      resolveEnvironment: resolverFor(rules, projectDir),
    });
    byEnv.set(env, { ...snap, context: { ...snap.context, env } });
  }
  const missing = rules.envNames.filter((e) => !byEnv.has(e));
  if (missing.length > 0)
    throw new UsageError(`--export: no export for ${missing.join(", ")} (give one env=file per environment)`);
  return rules.envNames.map((e) => byEnv.get(e)!);
}

export async function runLock(ctx: Context, dirArg: string | undefined, opts: LockOptions): Promise<number> {
  const projectDir = path.resolve(ctx.io.cwd, dirArg ?? ".");
  const rel = (f: string) => path.relative(ctx.io.cwd, f) || f;
  const rules = loadRules(opts.rules ? path.resolve(ctx.io.cwd, opts.rules) : findRulesFile(readProject(projectDir)));
  const snapshots = await exportsOrPlans(ctx, rules, projectDir, opts.export, lockStacks(rules, projectDir));
  const lock = lockFromSnapshots(snapshots, rules);
  const file = opts.out ? path.resolve(ctx.io.cwd, opts.out) : lockFileFor(rules);
  let before: ParityLock | undefined;
  try {
    before = fs.existsSync(file) ? loadLock(file) : undefined;
  } catch {
    before = undefined; // an unreadable or hand-edited lock is replaced
  }
  const text = serialiseLock(lock);
  writeTextFile(file, text);
  if (!opts.quiet) {
    const changes = before ? diffLocks(before, lock) : [];
    const n = Object.keys(lock.resources).length;
    const what = !before
      ? "written"
      : changes.length === 0
        ? "unchanged"
        : `updated (${changes.length} change${changes.length === 1 ? "" : "s"})`;
    ctx.io.stdout(
      `parity: lock ${rel(file)} ${what}: ${n} resources, ${Buffer.byteLength(text)} bytes, ${lock.hash}\n`,
    );
    for (const c of changes) ctx.io.stdout(`  ${c}\n`);
  }
  return 0;
}

export function registerLock(program: Command, ctx: Context, setExit: (p: Promise<number>) => void): void {
  program
    .command("lock")
    .summary("write <project>.parity-lock.json: what every environment agrees on, for the pack to enforce per stack")
    .description(
      "Plan every environment offline (or read `--export env=file` for each) and write the parity lock beside the rules: " +
        "per resource, the environments it exists in and every normalised property all environments agree on (approved " +
        "paths excluded). The policy pack enforces it at `pulumi preview`; `parity check` fails when it is stale.",
    )
    .argument("[project-dir]", "directory with Pulumi.yaml (default: current directory)")
    .option("-r, --rules <file>", "rule set (default: <project-dir>/consistency-rules/<project>.rules.json)")
    .option(
      "-e, --export <env=file...>",
      "build from a stack export (or preview/plan file) per environment instead of offline plans",
    )
    .option("-o, --out <file>", "write the lock to FILE (default: beside the rules)")
    .option("-q, --quiet", "no summary", false)
    .action((dir: string | undefined, opts: LockOptions) => setExit(runLock(ctx, dir, opts)));
}
