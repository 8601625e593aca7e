/** Options and output shared by the commands that print a report. */
import * as path from "node:path";
import { Command, Option } from "commander";
import type { Finding } from "../../consistency-rules/src/model";
import { FORMATS, renderReport, summarise } from "../reports";
import type { ReportFormat, ReportInput, RuleLookup } from "../reports";
import type { CliIO } from "../util/io";
import { wantsColour } from "../util/io";
import { writeTextFile } from "../util/files";

export interface ReportOptions {
  readonly format: ReportFormat;
  readonly out?: string;
  readonly strict: boolean;
  readonly quiet: boolean;
  readonly progress: boolean;
  /** --timings: per-phase wall time on stderr (also PARITY_TIMINGS=1). */
  readonly timings?: boolean;
  /** --show-approved: the table lists approved differences one by one. */
  readonly showApproved?: boolean;
}

export function addReportOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option("-f, --format <format>", "report format").choices(FORMATS as unknown as string[]).default("table"),
    )
    .option("-o, --out <file>", "write the report to FILE (a one-line summary still goes to stdout unless --quiet)")
    .option("--strict", "indeterminate checks (values unknown until apply) fail", false)
    .option("-q, --quiet", "print nothing but the report and errors", false)
    .option("--progress", "progress lines on stderr even when stdout is not a terminal", false)
    .option("--timings", "print the wall time of each phase to stderr (also PARITY_TIMINGS=1)", false)
    .option("--show-approved", "table: list approved differences one by one (default: their count)", false);
}

export interface Context {
  readonly io: CliIO;
  readonly version: string;
}

/**
 * Progress on stderr: only when stdout is a terminal (or with --progress), never with --quiet. A `long` command
 * (check: seconds of planning) shows every step; others show steps only once they have run for a second, so a quick
 * run prints nothing but its report.
 */
export function progressReporter(
  ctx: Context,
  opts: Pick<ReportOptions, "progress" | "quiet">,
  how: { long?: boolean } = {},
): (line: string) => void {
  const on = !opts.quiet && (opts.progress || ctx.io.isTTY);
  const start = Date.now();
  return (line) => {
    const elapsed = Date.now() - start;
    if (on && (how.long || opts.progress || elapsed >= 1000))
      ctx.io.stderr(`parity: [${(elapsed / 1000).toFixed(1)}s] ${line}\n`);
  };
}

/** Renders and writes the report; returns the exit code the findings call for. */
export function emitReport(
  ctx: Context,
  opts: ReportOptions,
  input: {
    findings: readonly Finding[];
    rules: RuleLookup;
    subject: string;
    defaultFile?: string;
    sourcePositions?: ReportInput["sourcePositions"];
  },
): number {
  // paths in reports relative to the working directory (stable across machines and CI checkouts); findings name a
  // few files (one per environment), each made relative once
  const relative = new Map<string, string | undefined>();
  const relativeOf = (file: string): string | undefined => {
    if (!relative.has(file)) {
      const rel = path.isAbsolute(file) ? path.relative(ctx.io.cwd, file) : undefined;
      relative.set(file, rel !== undefined && !rel.startsWith("..") ? rel : undefined);
    }
    return relative.get(file);
  };
  const findings = input.findings.map((f) => {
    const rel = f.file ? relativeOf(f.file) : undefined;
    return rel !== undefined ? { ...f, file: rel } : f;
  });
  const defaultFile =
    input.defaultFile && path.isAbsolute(input.defaultFile)
      ? path.relative(ctx.io.cwd, input.defaultFile)
      : input.defaultFile;
  input = { ...input, findings, ...(defaultFile && { defaultFile }) };
  const colour = opts.format === "table" && !opts.out && wantsColour(ctx.io);
  const text = renderReport(opts.format, {
    ...input,
    strict: opts.strict,
    toolVersion: ctx.version,
    cwd: ctx.io.cwd,
    colour,
    showApproved: Boolean(opts.showApproved),
  });
  const s = summarise(input.findings, opts.strict);
  if (opts.out) {
    writeTextFile(opts.out, text);
    if (!opts.quiet) {
      ctx.io.stdout(
        `parity: ${s.failing > 0 ? "FAIL" : "OK"} ${s.fail} failed, ${s.indeterminate} indeterminate, ${s.approved} approved, ${s.pass} passed — ${opts.format} report written to ${opts.out}\n`,
      );
    }
  } else {
    ctx.io.stdout(text);
  }
  return s.exitCode;
}
