import fc from "fast-check";
import { backoffDelay, isTransient, withRetry } from "./retry";

const err = (name: string, status?: number, extra: object = {}) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status }, ...extra });

describe("backoffDelay (full jitter)", () => {
  it("is bounded by min(cap, base·2^(n-1)) and never negative", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (n, base, cap, r) => {
          const d = backoffDelay(n, base, cap, () => r);
          return d >= 0 && d < Math.max(1, Math.min(cap, base * 2 ** (n - 1)));
        },
      ),
    );
  });

  it("grows exponentially until the cap (upper end of the jitter range)", () => {
    const top = (n: number) => backoffDelay(n, 100, 5000, () => 0.999999);
    expect([1, 2, 3, 4, 5, 6, 7, 10].map(top)).toEqual([99, 199, 399, 799, 1599, 3199, 4999, 4999]);
  });

  it("is jittered: the same attempt spreads uniformly over its range", () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const delays = Array.from({ length: 2000 }, () => backoffDelay(4, 100, 5000, random));
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
    expect(new Set(delays).size).toBeGreaterThan(500);
    expect(mean).toBeGreaterThan(350);
    expect(mean).toBeLessThan(450); // uniform on [0, 800)
  });
});

describe("isTransient", () => {
  it.each([
    ["ThrottlingException", 400],
    ["TooManyUpdates", 400],
    ["Whatever", 429],
    ["InternalServerError", 500],
    ["ServiceUnavailable", 503],
    ["TimeoutError", undefined],
    ["ECONNRESET", undefined],
  ])("retries %s (%s)", (name, status) => expect(isTransient(err(name, status))).toBe(true));

  it.each([
    ["AccessDeniedException", 400],
    ["ParameterNotFound", 400],
    ["ValidationException", 400],
  ])("does not retry %s", (name, status) => expect(isTransient(err(name, status))).toBe(false));

  it("does not retry non-errors", () => {
    expect(isTransient(undefined)).toBe(false);
    expect(isTransient("ThrottlingException")).toBe(false);
  });
});

describe("withRetry", () => {
  it("retries transient failures with the computed delays, then succeeds", async () => {
    const slept: number[] = [];
    let calls = 0;
    const out = await withRetry(
      async () => {
        calls++;
        if (calls < 4) throw err("ThrottlingException", 400);
        return "ok";
      },
      { sleep: async (ms) => void slept.push(ms), random: () => 0.5, baseMs: 100, capMs: 5000 },
    );
    expect(out).toBe("ok");
    expect(slept).toEqual([50, 100, 200]);
  });

  it("gives up after maxAttempts with the last error", async () => {
    let calls = 0;
    const run = withRetry(
      async () => {
        calls++;
        throw err("InternalServerError", 500);
      },
      { maxAttempts: 3, sleep: async () => undefined },
    );
    await expect(run).rejects.toThrow("InternalServerError");
    expect(calls).toBe(3);
  });

  it("throws a permanent error at once", async () => {
    let calls = 0;
    const run = withRetry(
      async () => {
        calls++;
        throw err("AccessDeniedException", 400);
      },
      { sleep: async () => undefined },
    );
    await expect(run).rejects.toThrow("AccessDeniedException");
    expect(calls).toBe(1);
  });
});
