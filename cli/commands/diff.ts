/**
 * `parity diff <file> <file> [...]`: compare the environments in several files under the rules.
 *
 * Kinds: exports, previews and plans all describe resources, so they may be mixed (deployed prod against the goal of
 * staging is a meaningful question); a Pulumi.<stack>.yaml has no resources, so config files compare only with
 * config files. Each environment may appear once.
 */
import type { Command } from "commander";
import { compareSnapshots } from "../../consistency-rules/src/compare";
import type { Snapshot } from "../../consistency-rules/src/model";
import { normaliseSnapshot } from "../../consistency-rules/src/normalise";
import type { RuleSet } from "../../consistency-rules/src/rules";
import type { Finding } from "../../consistency-rules/src/model";
import { oddEnvironment } from "../reports/group";
import { readAnySnapshot } from "../sources/detect";
import { RuleCatalog, helpBaseFromEnv } from "../util/catalog";
import { UsageError } from "../util/errors";
import { resolveRules, resolverFor } from "../util/project";
import { loadConfigSchema } from "../util/stack-config";
import { Timings } from "../util/timings";
import type { Context, ReportOptions } from "./common";
import { addReportOptions, emitReport, progressReporter } from "./common";

export interface DiffOptions extends ReportOptions {
  readonly rules?: string;
}

export function checkComparable(snapshots: readonly Snapshot[]): void {
  const configs = snapshots.filter((s) => s.source === "config");
  if (configs.length > 0 && configs.length < snapshots.length) {
    const other = snapshots.find((s) => s.source !== "config")!;
    throw new UsageError(
      `cannot compare config files with resource snapshots (${configs[0].origin} is a stack config, ${other.origin} is a ${other.source}): compare Pulumi.<stack>.yaml files together, or exports/previews/plans together`,
    );
  }
  const seen = new Map<string, string>();
  for (const s of snapshots) {
    const prev = seen.get(s.context.env);
    if (prev)
      throw new UsageError(
        `${prev} and ${s.origin} are both environment ${s.context.env}: give one file per environment`,
      );
    seen.set(s.context.env, s.origin);
  }
}

/**
 * Each finding about the compared files points at the file of the environment whose value differs (the comparer names
 * the first environment's), as config findings point at the differing environment's Pulumi.<stack>.yaml.
 */
export function locateInFiles(findings: readonly Finding[], snapshots: readonly Snapshot[]): Finding[] {
  const fileOf = new Map(snapshots.map((s) => [s.context.env, s.origin]));
  const origins = new Set(fileOf.values());
  return findings.map((f) => {
    if (!f.file || !origins.has(f.file)) return f;
    const odd =
      (sameInThreeOrMore(f.values) ? undefined : oddEnvironment(f)) ??
      (f.environments.length === 1 ? f.environments[0] : undefined);
    const file = odd !== undefined ? fileOf.get(odd) : undefined;
    return file && file !== f.file ? { ...f, file } : f;
  });
}

/**
 * The same scalar in three or more environments: {@link oddEnvironment} finds no odd one out (every passing
 * invariant of every resource, ~10k findings in a 10k-resource diff), decided without serialising the values.
 */
function sameInThreeOrMore(values: Finding["values"]): boolean {
  if (!values) return false;
  const keys = Object.keys(values);
  if (keys.length < 3) return false;
  const first = values[keys[0]];
  if (typeof first === "object" && first !== null) return false;
  for (let i = 1; i < keys.length; i++) if (values[keys[i]] !== first) return false;
  return true;
}

export async function runDiff(ctx: Context, files: string[], opts: DiffOptions): Promise<number> {
  if (files.length < 2) throw new UsageError("diff needs at least two files (one per environment)");
  const timings = Timings.from(ctx.io, opts.timings);
  const { rules, findings, subject } = compareFiles(ctx, files, opts, timings);
  const catalog = new RuleCatalog({ rules, helpBase: helpBaseFromEnv(ctx.io.env) });
  const code = timings.sync("report", () =>
    emitReport(ctx, opts, { findings, rules: catalog.lookup, subject, defaultFile: files[0] }),
  );
  timings.print(ctx.io);
  return code;
}

/**
 * Reads, normalises and compares the files. A function of its own so that the parsed files and their normalised
 * copies (most of the heap: ~100 MB for 3 × 10k resources) are unreachable once it returns: the collections while the
 * report is written mark the findings only, not every resource read.
 */
function compareFiles(
  ctx: Context,
  files: readonly string[],
  opts: DiffOptions,
  timings: Timings,
): { rules: RuleSet; findings: Finding[]; subject: string } {
  const progress = progressReporter(ctx, opts);
  const { rules, projectDir } = timings.sync("rules", () => resolveRules(ctx.io.cwd, opts.rules));
  const resolveEnvironment = resolverFor(rules, projectDir);
  const schema = loadConfigSchema(rules);
  const snapshots = files.map((f) => {
    progress(`reading ${f}`);
    return readAnySnapshot(f, { resolveEnvironment, ...(schema && { validate: { rules, schema } }) }, timings);
  });
  checkComparable(snapshots);
  progress(`comparing ${snapshots.map((s) => `${s.context.env} (${s.source})`).join(", ")}`);
  const normalised = timings.sync("normalise", () => snapshots.map((s) => normaliseSnapshot(s, rules)));
  const findings = timings.sync("compare", () =>
    locateInFiles(compareSnapshots(normalised, rules, ctx.io.now()), snapshots),
  );
  return { rules, findings, subject: `${rules.project}: ${snapshots.map((s) => s.context.env).join(", ")}` };
}

export function registerDiff(program: Command, ctx: Context, setExit: (p: Promise<number>) => void): void {
  addReportOptions(
    program
      .command("diff")
      .summary("compare environments from stack exports, previews, plans or stack configs")
      .description(
        "Compare the environments in FILEs (one per environment) under the consistency rules. Each FILE is a " +
          "`pulumi stack export`, `pulumi preview --json` output, a `parity plan` file or a Pulumi.<stack>.yaml; " +
          "the kind is read from the content. Exports, previews and plans may be mixed; config files compare only with config files.",
      )
      .argument("<files...>", "one file per environment")
      .option(
        "-r, --rules <file>",
        "rule set (default: <project>/consistency-rules/<project>.rules.json, found from the current directory)",
      ),
  ).action((files: string[], opts: DiffOptions) => setExit(runDiff(ctx, files, opts)));
}
