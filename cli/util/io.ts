/**
 * What a command may touch of the outside world. The real process supplies it in `cli/index.ts`; tests supply a
 * capturing one, so the in-process entry behaves exactly like `bin/parity.js` (same parser, same exit codes).
 */
export interface CliIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stdout is a terminal (colour, progress). */
  readonly isTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** "Now", for approval expiry (injectable for tests). */
  readonly now: () => Date;
}

export function processIO(): CliIO {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    isTTY: Boolean(process.stdout.isTTY),
    env: process.env,
    cwd: process.cwd(),
    now: () => new Date(),
  };
}

/** Colour only on a TTY and never with NO_COLOR (https://no-color.org: any non-empty value). */
export function wantsColour(io: CliIO): boolean {
  const noColor = io.env.NO_COLOR;
  return io.isTTY && (noColor === undefined || noColor === "") && io.env.TERM !== "dumb";
}
