/** Runs the CLI in-process (same parser and exit codes as bin/parity.js) or as a child process through bin/parity.js. */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { run } from "../../cli/main";

export const ROOT = path.resolve(__dirname, "../..");
export const FIX = path.join(ROOT, "test/fixtures");
export const RULES = path.join(FIX, "rules/data-platform.rules.json");
export const fx = (...p: string[]): string => path.join(FIX, ...p);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(
  argv: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined>; isTTY?: boolean; now?: string } = {},
): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    isTTY: opts.isTTY ?? false,
    env: opts.env ?? {},
    cwd: opts.cwd ?? ROOT,
    now: () => new Date(opts.now ?? "2026-06-01T12:00:00Z"),
  });
  return { code, stdout, stderr };
}

/** Through the built CLI (`npm run build` first): the real process, exit code and streams. */
export function binParity(
  argv: string[],
  /** `nodeArgs`: options for node itself, before the script (`-r <probe>`). */
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; nodeArgs?: readonly string[] } = {},
): CliResult {
  const r = spawnSync(process.execPath, [...(opts.nodeArgs ?? []), path.join(ROOT, "bin/parity.js"), ...argv], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: "1", ...opts.env },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
