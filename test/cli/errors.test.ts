/** Exit codes of failures: the user's program failing is bad input (2); env-parity's own bugs are internal (70). */
import { handleError } from "../../cli/main";
import { ProgramError } from "../../cli/sources/plan";
import { InputErrors, ProgramFailure, asProgramFailure } from "../../cli/util/errors";
import type { CliIO } from "../../cli/util/io";

function capture(env: Record<string, string> = {}): { io: CliIO; err: () => string } {
  let err = "";
  return {
    io: { stdout: () => undefined, stderr: (t) => (err += t), isTTY: false, env, cwd: "/", now: () => new Date() },
    err: () => err,
  };
}

test("the planner's ProgramError is bad input: exit 2, one line naming project dir, stack and the error's first line", () => {
  const e = asProgramFailure(
    new ProgramError("staging", "boom: queue name too long", "Error: boom: queue name too long\n    at index.ts:3:9"),
    "examples/payments",
    "staging",
  );
  expect(e).toBeInstanceOf(ProgramFailure);
  const c = capture();
  expect(handleError(new InputErrors([e!]), c.io)).toBe(2);
  expect(c.err()).toBe("parity: examples/payments: stack staging: the program failed: boom: queue name too long\n");
  const d = capture({ PARITY_DEBUG: "1" });
  expect(handleError(e, d.io)).toBe(2);
  expect(d.err()).toContain("at index.ts:3:9");
});

test("fallbacks: an unwrapped ProgramError and the planner's plain `planning stack … failed` errors are exit 2 too", () => {
  const a = capture();
  expect(handleError(new ProgramError("dev", "x is not defined"), a.io)).toBe(2);
  expect(a.err()).toMatch(/^parity: [^\n]*stack dev: the program failed: x is not defined\n$/);
  const b = capture();
  expect(
    handleError(new Error("planning stack prod failed: TypeError: cannot read properties of undefined\n  at y"), b.io),
  ).toBe(2);
  expect(b.err()).toMatch(/stack prod: the program failed: TypeError: cannot read properties of undefined\n$/);
});

test("anything else stays an internal error: exit 70, one line, the stack only with PARITY_DEBUG", () => {
  const c = capture();
  expect(handleError(new Error("policy pack process exited (SIGKILL)"), c.io)).toBe(70);
  expect(c.err()).toMatch(
    /^parity: internal error: policy pack process exited \(SIGKILL\) \(please report; rerun with PARITY_DEBUG=1 for the stack\)\n$/,
  );
  expect(asProgramFailure(new TypeError("x"), ".", "dev")).toBeUndefined();
});
