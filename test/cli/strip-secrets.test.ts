/**
 * stripSecrets walks a value two ways — recursion when a depth limit bounds it (the readers), an explicit stack when
 * nothing does — and both must leave the same value: every secret, at any place in objects and arrays, reduced to its
 * marker, everything else untouched; with a limit, a value nesting deeper than MAX_VALUE_DEPTH is refused.
 */
import fc from "fast-check";
import { MAX_VALUE_DEPTH, stripSecrets } from "../../cli/util/secrets";
import { SECRET_SIG, SIG_KEY } from "../../consistency-rules/src/sentinels";

const secret = fc
  .record({ plaintext: fc.string(), ciphertext: fc.string() }, { requiredKeys: [] })
  .map((r) => ({ [SIG_KEY]: SECRET_SIG, ...r }));
const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)),
    secret,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie("value"), { maxKeys: 4 }),
  ),
}));

const refuse = (): never => {
  throw new Error("too deep");
};
const nested = (depth: number): unknown => {
  let v: unknown = { [SIG_KEY]: SECRET_SIG, plaintext: "deep" };
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { k: v };
  return v;
};

/** The value inside {@link nested}'s containers. */
const innermost = (v: unknown): unknown => {
  let x = v;
  for (;;) {
    if (Array.isArray(x)) x = x[0];
    else if (x && typeof x === "object" && "k" in x) x = (x as { k: unknown }).k;
    else return x;
  }
};

describe("stripSecrets", () => {
  test("with a depth limit (recursive) and without (explicit stack): the same value, no secret content left", () => {
    fc.assert(
      fc.property(value, (v) => {
        const a = stripSecrets(structuredClone(v), refuse);
        const b = stripSecrets(structuredClone(v));
        expect(a).toEqual(b);
        expect(JSON.stringify(a) ?? "").not.toMatch(/"(plaintext|ciphertext)"/);
      }),
      { numRuns: 300 },
    );
  });

  test("a secret inside MAX_VALUE_DEPTH containers is stripped; one container more the value is refused", () => {
    expect(JSON.stringify(stripSecrets(nested(MAX_VALUE_DEPTH), refuse))).not.toContain("deep");
    expect(() => stripSecrets(nested(MAX_VALUE_DEPTH + 1), refuse)).toThrow("too deep");
    // without a limit any depth is walked
    expect(innermost(stripSecrets(nested(20_000)))).toEqual({ [SIG_KEY]: SECRET_SIG });
  });
});
