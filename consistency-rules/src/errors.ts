/**
 * Bad input is reported as one line naming the file and the path inside it, and a distinct exit code.
 * Throw {@link InputError} for anything a user supplied that is wrong; the CLI prints `error.message`
 * (never a stack) and exits with {@link ExitCode.BadInput}.
 */
export enum ExitCode {
  /** No violations and no unapproved differences. */
  Clean = 0,
  /** Violations, unapproved differences, expired approvals (or indeterminates under --strict). */
  Findings = 1,
  /** Bad input or usage: unreadable/invalid files, schema errors, unknown stacks, bad flags. */
  BadInput = 2,
  /** A bug in env-parity itself (or the policy pack process died): please report it. */
  Internal = 70,
}

export class InputError extends Error {
  /** @param file the file at fault (as the user named it) @param pointer path inside it (`deployment.resources[3].urn`, `data-platform:lambdaMemoryMb`) */
  constructor(
    readonly file: string,
    readonly pointer: string,
    readonly problem: string,
  ) {
    super(pointer ? `${file}: ${pointer} ${problem}` : `${file}: ${problem}`);
    this.name = "InputError";
  }
}

/** Several problems in one input, one line each (e.g. all config keys that fail the schema). */
export class InputErrors extends Error {
  constructor(readonly errors: readonly InputError[]) {
    super(errors.map((e) => e.message).join("\n"));
    this.name = "InputErrors";
  }
}

export function isInputError(e: unknown): e is InputError | InputErrors {
  return e instanceof InputError || e instanceof InputErrors;
}
