/**
 * The `parity` program: a commander 14 parser, one function per command, and the exit-code contract
 * (consistency-rules/src/errors.ts `ExitCode`): 0 clean, 1 findings, 2 bad input or usage (one line per problem,
 * never a stack), 70 internal error. `run` is the whole CLI minus the process: tests drive it in-process.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Command, CommanderError } from "commander";
import { ExitCode, InputError, InputErrors, isInputError } from "../consistency-rules/src/errors";
import type { Context } from "./commands/common";
import { ProgramFailure, UsageError, asProgramFailure } from "./util/errors";
import type { CliIO } from "./util/io";

export function packageVersion(): string {
  for (const rel of ["../package.json", "../../package.json"]) {
    const file = path.join(__dirname, rel);
    try {
      const pkg = JSON.parse(fs.readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "env-parity" && pkg.version) return pkg.version;
    } catch {
      // try the next candidate (source tree vs dist/)
    }
  }
  return "0.0.0";
}

type Register = (program: Command, ctx: Context, setExit: (p: Promise<number>) => void) => void;

/*
 * The commands in help order, each module loaded only when registered: a run registers only the command it names
 * (a `parity diff` does not load the planner, the pack harness, gRPC…); help, version, an unknown or no command
 * register them all.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const COMMANDS: readonly (readonly [string, () => Register])[] = [
  ["check", () => (require("./commands/check") as typeof import("./commands/check")).registerCheck],
  ["diff", () => (require("./commands/diff") as typeof import("./commands/diff")).registerDiff],
  ["plan", () => (require("./commands/plan") as typeof import("./commands/plan")).registerPlan],
  ["rules", () => (require("./commands/rules") as typeof import("./commands/rules")).registerRules],
  ["explain", () => (require("./commands/explain") as typeof import("./commands/explain")).registerExplain],
  ["init", () => (require("./commands/init") as typeof import("./commands/init")).registerInit],
  ["baseline", () => (require("./commands/baseline") as typeof import("./commands/baseline")).registerBaseline],
  ["lock", () => (require("./commands/lock") as typeof import("./commands/lock")).registerLock],
];
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * The commands a run of `argv` needs registered: the one it names first, none for `--version` alone (commander
 * answers it before any command), else (help, an unknown command…) all of them.
 */
export function commandsFor(argv: readonly string[]): readonly string[] | undefined {
  if (argv.length === 1 && (argv[0] === "-V" || argv[0] === "--version")) return [];
  return COMMANDS.some(([name]) => name === argv[0]) ? [argv[0]] : undefined;
}

/** The program with every command, or with those in `only` (the same parser for a run of one of them). */
export function buildProgram(ctx: Context, setExit: (p: Promise<number>) => void, only?: readonly string[]): Command {
  const program = new Command("parity")
    .description("env-parity: fail CI on drift between environments and between code and deployed state")
    .version(ctx.version, "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: (s) => ctx.io.stdout(s), writeErr: () => undefined, outputError: () => undefined })
    .addHelpText(
      "after",
      "\nExit codes: 0 clean · 1 findings (violations, unapproved differences, expired approvals; indeterminates with --strict)\n" +
        "            2 bad input or usage · 70 internal error\nEnvironment: NO_COLOR disables colour; PARITY_TIMINGS=1 prints phase timings; PARITY_DEBUG=1 prints stacks of internal errors.\n",
    );
  program.helpCommand("help [command]", "show help for a command");
  for (const [name, register] of COMMANDS) if (!only || only.includes(name)) register()(program, ctx, setExit);
  return program;
}

function oneLine(s: string): string {
  return s
    .replace(/^error: /, "")
    .replace(/\s*\n\s*/g, " ")
    .trim();
}

/** Runs the CLI on `argv` (without `node parity`) and returns the exit code; writes only through `io`. */
export async function run(argv: readonly string[], io: CliIO): Promise<number> {
  const ctx: Context = { io, version: packageVersion() };
  let pending: Promise<number> | undefined;
  try {
    if (argv.length === 0) throw new UsageError("missing command (try `parity --help`)");
    const program = buildProgram(ctx, (p) => (pending = p), commandsFor(argv));
    await program.parseAsync([...argv], { from: "user" });
    return pending ? await pending : ExitCode.Clean;
  } catch (e) {
    return handleError(e, io);
  }
}

/** One line per problem; a file under the working directory is named relative to it, as the user would type it. */
function inputErrorLines(e: InputError | InputErrors, cwd: string): string[] {
  return (e instanceof InputErrors ? e.errors : [e]).flatMap((x) => {
    const rel = path.isAbsolute(x.file) ? path.relative(cwd, x.file) : x.file;
    const shown = rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : x.file;
    return (x.message.startsWith(x.file) ? shown + x.message.slice(x.file.length) : x.message).split("\n");
  });
}

export function handleError(e: unknown, io: CliIO): number {
  if (e instanceof CommanderError) {
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help")
      return ExitCode.Clean;
    io.stderr(`parity: ${oneLine(e.message)}\n`);
    return ExitCode.BadInput;
  }
  if (isInputError(e)) {
    for (const line of inputErrorLines(e, io.cwd)) io.stderr(`parity: ${line}\n`);
    if (io.env.PARITY_DEBUG) {
      for (const x of e instanceof InputErrors ? e.errors : [e])
        if (x instanceof ProgramFailure && x.detail) io.stderr(`${x.detail}\n`);
    }
    return ExitCode.BadInput;
  }
  // The planner's program failure reaching here unwrapped: still the user's program, not env-parity.
  const program = asProgramFailure(e, "project", "?");
  if (program) return handleError(program, io);
  if (e instanceof UsageError) {
    io.stderr(`parity: ${oneLine(e.message)}\n`);
    return ExitCode.BadInput;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  io.stderr(
    `parity: internal error: ${oneLine(err.message.split("\n")[0]).slice(0, 300)} (please report; rerun with PARITY_DEBUG=1 for the stack)\n`,
  );
  if (io.env.PARITY_DEBUG) io.stderr(`${err.stack ?? err.message}\n`);
  return ExitCode.Internal;
}
