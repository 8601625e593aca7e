import { createAjv, describeAjvErrors, IPV4_CIDR } from "../consistency-rules/src/ajv";

describe("shared ajv", () => {
  it("knows the ipv4-cidr format", () => {
    const validate = createAjv().compile({ type: "string", format: "ipv4-cidr" });
    expect(validate("10.0.0.0/16")).toBe(true);
    expect(validate("10.0.0.0/33")).toBe(false);
    expect(validate("300.0.0.0/8")).toBe(false);
    expect(IPV4_CIDR.test("10.2.0.0")).toBe(false);
  });
  it("describes errors with the path and the offending value", () => {
    const schema = {
      type: "object",
      properties: { a: { type: "object", properties: { b: { type: "integer" } } }, c: { type: "string" } },
      required: ["c"],
    };
    const v = createAjv().compile(schema);
    const data = { a: { b: "lots" } };
    expect(v(data)).toBe(false);
    const d = describeAjvErrors(v.errors, data);
    expect(d).toEqual(
      expect.arrayContaining([
        { path: "a.b", message: 'must be integer, got "lots"' },
        { path: "c", message: "is required" },
      ]),
    );
  });
});
