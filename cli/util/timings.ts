/**
 * Per-phase wall time of one command, printed to stderr with `--timings` or `PARITY_TIMINGS=1`:
 * `parity: timing <phase> <ms> ms (at <start> ms)`, then `parity: timing total <ms> ms`. Phases may overlap (the
 * policy pack starts while the stacks are planned), so the start offset is printed too. bench/ parses these lines.
 */
import type { CliIO } from "./io";

/**
 * Milliseconds on the monotonic clock. `process.hrtime` rather than `performance.now()` from perf_hooks: the same clock,
 * without loading perf_hooks (a few ms of start-up for every command, timed or not).
 */
function now(): number {
  const [s, ns] = process.hrtime();
  return s * 1e3 + ns / 1e6;
}

export interface Phase {
  readonly name: string;
  readonly startMs: number;
  readonly ms: number;
}

export class Timings {
  private readonly t0 = now();
  readonly phases: Phase[] = [];

  constructor(readonly enabled: boolean) {}

  static from(io: CliIO, flag: boolean | undefined): Timings {
    const env = io.env.PARITY_TIMINGS;
    return new Timings(Boolean(flag) || (env !== undefined && env !== "" && env !== "0"));
  }

  add(name: string, startMs: number, ms: number): void {
    this.phases.push({ name, startMs, ms });
  }

  /** Times a synchronous step. */
  sync<T>(name: string, fn: () => T): T {
    const start = now();
    try {
      return fn();
    } finally {
      this.add(name, start - this.t0, now() - start);
    }
  }

  /** Times an asynchronous step (its wall time, which may overlap others). */
  async async<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const start = now();
    try {
      return await fn();
    } finally {
      this.add(name, start - this.t0, now() - start);
    }
  }

  elapsed(): number {
    return now() - this.t0;
  }

  print(io: CliIO): void {
    if (!this.enabled) return;
    const lines = this.phases.map(
      (p) => `parity: timing ${p.name} ${p.ms.toFixed(0)} ms (at ${p.startMs.toFixed(0)} ms)\n`,
    );
    io.stderr(`${lines.join("")}parity: timing total ${this.elapsed().toFixed(0)} ms\n`);
  }
}

/** Parses the lines {@link Timings.print} writes (for bench/ and tests). */
export function parseTimings(stderr: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of stderr.matchAll(/^parity: timing (\S+) (\d+) ms/gm)) out[m[1]] = (out[m[1]] ?? 0) + Number(m[2]);
  return out;
}
