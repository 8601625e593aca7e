import { InputError, InputErrors, isInputError } from "../../consistency-rules/src/errors";

export { InputError, InputErrors, isInputError };

/** A wrong invocation (unknown option, missing argument, kinds that cannot be compared): exit 2, one line. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * The user's Pulumi program threw while it was planned offline (not a config error): bad input, not a bug of
 * env-parity. One line, `<project-dir>: stack <stack>: the program failed: <first line of its error>`; `detail` (the
 * program's stack trace) is printed only with PARITY_DEBUG=1.
 */
export class ProgramFailure extends InputError {
  constructor(
    projectDir: string,
    readonly stack: string,
    readonly firstLine: string,
    readonly detail?: string,
  ) {
    super(projectDir, "", `stack ${stack}: the program failed: ${firstLine}`);
    this.name = "ProgramFailure";
  }
}

/**
 * Recognises the planner's program failure (`ProgramError` of cli/sources/plan.ts: `stackName`, `firstLine`,
 * `detail`) by shape, and the planner's older plain `planning stack <s> failed: <message>` errors as a fallback.
 * Anything else is not a program failure (it stays an internal error).
 */
export function asProgramFailure(e: unknown, projectDir: string, stack: string): ProgramFailure | undefined {
  if (!(e instanceof Error)) return undefined;
  const x = e as Error & { stackName?: unknown; firstLine?: unknown; detail?: unknown };
  if (x.name === "ProgramError" && typeof x.firstLine === "string") {
    return new ProgramFailure(
      projectDir,
      typeof x.stackName === "string" ? x.stackName : stack,
      x.firstLine,
      typeof x.detail === "string" ? x.detail : undefined,
    );
  }
  const m = /^planning stack (\S+) failed: (.*)$/s.exec(e.message);
  if (m) {
    const line =
      m[2]
        .split("\n")
        .map((l) => l.trim())
        .find((l) => l !== "") ?? m[2];
    return new ProgramFailure(projectDir, m[1], line, m[2]);
  }
  return undefined;
}

/** JSON-ish type name for messages: `object`, `array`, `null`, `string`, … */
export function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

/** A short quotation of a value for a message (never used on values that may be secret). */
export function quote(v: unknown, max = 60): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
