/** Counters the planner's child keeps while it boots and compiles (shared by boot.ts and run.ts). */
export interface BootTimings {
  bootMs: number;
  typecheckMs: number;
  typecheckCached: boolean;
  transpileMs: number;
  transpiled: number;
  reused: number;
}

const timings: BootTimings = {
  bootMs: 0,
  typecheckMs: 0,
  typecheckCached: false,
  transpileMs: 0,
  transpiled: 0,
  reused: 0,
};
export const bootTimings = (): BootTimings => timings;
