/** The rules/lock reader's duplicate-key scan against the yaml parser it replaced (same first duplicate, same offset). */
import fc from "fast-check";
import { parseDocument } from "yaml";
import { duplicateKeyOffset } from "../../consistency-rules/src/rules";

function yamlOffset(text: string): number {
  const dup = parseDocument(text, { uniqueKeys: true }).errors.find((e) => e.code === "DUPLICATE_KEY");
  return dup ? dup.pos[0] : -1;
}

describe("duplicateKeyOffset", () => {
  it("finds the repeated key's opening quote, escapes decoded, nested and in arrays", () => {
    expect(duplicateKeyOffset('{"a": 1, "b": {"a": 2}, "c": [{"a": 1, "b": 2}]}')).toBe(-1);
    const text = '{\n  "a": "x,{\\"a\\":1}",\n  "b": [{"k": 1}, {"k": 2, "\\u006b": 3}]\n}';
    expect(duplicateKeyOffset(text)).toBe(text.indexOf('"\\u006b"'));
    expect(duplicateKeyOffset(text)).toBe(yamlOffset(text));
  });

  it("agrees with yaml on JSON texts with and without repeated keys", () => {
    const key = fc.constantFrom("a", "b", "a\\u0062", "ab", 'c\\"', "");
    const value: fc.Arbitrary<string> = fc.letrec<{ v: string }>((tie) => ({
      v: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        fc.constantFrom('"s"', "1", "null", '"{\\"a\\":[1]}"', "[]", "{}"),
        fc.array(tie("v"), { maxLength: 3 }).map((xs) => `[${xs.join(", ")}]`),
        fc
          .array(fc.tuple(key, tie("v")), { maxLength: 4 })
          .map((kv) => `{${kv.map(([k, v]) => `"${k}": ${v}`).join(",\n ")}}`),
      ),
    })).v;
    fc.assert(
      fc.property(value, (text) => {
        JSON.parse(text);
        expect(duplicateKeyOffset(text)).toBe(yamlOffset(text));
      }),
      { numRuns: 500 },
    );
  });
});
