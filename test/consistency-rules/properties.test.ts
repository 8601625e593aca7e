import fc from "fast-check";
import {
  checkStack,
  compareSnapshots,
  normaliseSnapshot,
  SECRET_SIG,
  SIG_KEY,
  UNKNOWN,
  type Snapshot,
} from "../../consistency-rules/src";
import { rules } from "./helpers";

const RULES = rules({
  invariants: [
    { id: "parity-any-runtime", type: "*", path: "runtime", expect: "nodejs22.x" },
    { id: "parity-any-nested", type: "*", resource: "*", path: "a.*.b" },
    { id: "parity-tag-keys", type: "*", path: "tags.$keys" },
  ],
  approvals: [
    {
      id: "any-mem",
      type: "*",
      resource: "*",
      path: "memorySize",
      values: { dev: { min: 0, max: 10 }, prod: { oneOf: [1, "x"] }, staging: { any: true } },
      reason: "property-test approval",
      owner: "t",
    },
    {
      id: "any-tag",
      type: "*",
      resource: "r-*",
      path: "tags.Team",
      values: { dev: "dev", prod: "prod" },
      reason: "property-test approval",
      owner: "t",
      expires: "2020-01-01",
    },
    {
      id: "any-present",
      type: "*",
      resource: "*",
      path: "$present",
      values: { dev: true },
      reason: "property-test approval",
      owner: "t",
    },
    {
      id: "cfg",
      type: "config",
      resource: "config",
      path: "k",
      values: { dev: 1 },
      reason: "property-test approval",
      owner: "t",
    },
  ],
});

/** A secret whose plaintext is unique (a uuid cannot occur in generated data by chance). */
const secretArb = fc.uuid().map((u) => `SECRET-${u}`);
const marker = (s: string, how: "value" | "ciphertext") => ({ [SIG_KEY]: SECRET_SIG, [how]: s });

const keyArb = fc.constantFrom(
  "runtime",
  "memorySize",
  "tags",
  "Team",
  "a",
  "b",
  "0",
  "x.y",
  "__defaults",
  "dev",
  "hash",
  "$keys",
  "*",
);
const leafArb = fc.oneof(
  fc.constantFrom<unknown>(
    UNKNOWN,
    "nodejs22.x",
    "dev",
    "prod-x1",
    "arn:aws:iam::111111111111:role/dev-r",
    "us-east-1",
    '{"b":1,"a":[1]}',
    null,
    true,
    0,
    1,
    -1.5,
  ),
  fc.string(),
  fc.integer(),
);

/** JSON-shaped values with secret markers (plaintext `SECRET-<uuid>`) and unknowns sprinkled in. */
function valueArb(): fc.Arbitrary<unknown> {
  const { value } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      leafArb,
      fc
        .tuple(secretArb, fc.constantFrom<"value" | "ciphertext">("value", "ciphertext"))
        .map(([s, how]) => marker(s, how)),
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(keyArb, tie("value"), { maxKeys: 5 }),
    ),
  }));
  return value;
}

const snapshotArb = (): fc.Arbitrary<Snapshot> => {
  const resourceArb = fc.record({
    urn: fc.string(),
    type: fc.constantFrom("aws:lambda/function:Function", "aws:sqs/queue:Queue", "pulumi:providers:aws", "x"),
    name: fc.constantFrom("dev-r-1", "prod-r-1", "r-1", "staging-r-1-x1", "default_7", "r-1-a1b2c3d", ""),
    custom: fc.boolean(),
    dependencies: fc.constant([]),
    props: fc.dictionary(keyArb, valueArb(), { maxKeys: 6 }),
  });
  return fc.record({
    context: fc.record({
      env: fc.constantFrom("dev", "staging", "prod", "qa", ""),
      stack: fc.constantFrom("dev", "prod", "x"),
      project: fc.constantFrom("demo", ""),
      accountId: fc.option(fc.constantFrom("111111111111", "1"), { nil: undefined }),
      region: fc.option(fc.constantFrom("us-east-1", "r"), { nil: undefined }),
      suffix: fc.option(fc.constantFrom("x1", "", "r"), { nil: undefined }),
    }),
    source: fc.constantFrom("plan", "export", "preview", "config"),
    origin: fc.string(),
    resources: fc.array(resourceArb, { maxLength: 5 }),
    config: fc.option(
      fc.dictionary(fc.constantFrom("demo:k", "k", "aws:region", "demo:x"), valueArb(), { maxKeys: 4 }),
      { nil: undefined },
    ),
  }) as fc.Arbitrary<Snapshot>;
};

/** No secret plaintext (they all start with SECRET-) anywhere in `out`; counts inputs that had one. */
let inputsWithSecrets = 0;
function expectNoSecret(input: unknown, out: unknown): void {
  if (JSON.stringify(input).includes("SECRET-")) inputsWithSecrets++;
  expect(JSON.stringify(out) ?? "").not.toContain("SECRET-");
}

const DATES = fc.date({ min: new Date("2019-01-01"), max: new Date("2030-01-01"), noInvalidDate: true });

describe("properties", () => {
  it("normaliseSnapshot never throws on anything", () => {
    fc.assert(
      fc.property(fc.anything(), (x) => {
        normaliseSnapshot(x as Snapshot, RULES);
      }),
      { numRuns: 500 },
    );
  });

  it("normaliseSnapshot never throws on snapshot-shaped JSON, and never lets a secret through", () => {
    inputsWithSecrets = 0;
    fc.assert(
      fc.property(snapshotArb(), (s) => {
        const n = normaliseSnapshot(s, RULES);
        expectNoSecret(s, { r: [...n.resources.values()].map((r) => r.props), c: n.config });
      }),
      { numRuns: 300 },
    );
    expect(inputsWithSecrets).toBeGreaterThan(30); // the property was exercised
  });

  it("compareSnapshots and checkStack never throw and never put a secret in a finding", () => {
    inputsWithSecrets = 0;
    fc.assert(
      fc.property(fc.array(snapshotArb(), { minLength: 1, maxLength: 3 }), DATES, (snaps, now) => {
        const normalised = snaps.map((s) => normaliseSnapshot(s, RULES));
        const findings = [
          ...compareSnapshots(normalised, RULES, now),
          ...normalised.flatMap((n) => checkStack(n, RULES, now)),
        ];
        expectNoSecret(snaps, findings);
        for (const f of findings) {
          expect(["fail", "pass", "approved", "indeterminate"]).toContain(f.status);
          expect(f.message).not.toContain("\n");
        }
      }),
      { numRuns: 300 },
    );
    expect(inputsWithSecrets).toBeGreaterThan(30);
  });

  it("compareSnapshots never throws on arbitrary (even non-normalised) input", () => {
    fc.assert(
      fc.property(fc.array(fc.anything()), (xs) => {
        compareSnapshots(xs as never, RULES);
        checkStack(xs[0] as never, RULES);
      }),
      { numRuns: 300 },
    );
  });

  it("an environment compared with itself has no unapproved differences (unknowns are indeterminate, never fail)", () => {
    fc.assert(
      fc.property(snapshotArb(), (s) => {
        const a = normaliseSnapshot(s, RULES);
        const fs = compareSnapshots([a, a], RULES, new Date("2019-06-01"));
        const bad = fs.filter(
          (f) =>
            (f.ruleId === "parity-unapproved-difference" || f.ruleId === "parity-resource-inventory") &&
            f.status !== "indeterminate",
        );
        expect(bad).toEqual([]);
        for (const f of fs.filter((x) => x.status === "indeterminate" && x.ruleId === "parity-unapproved-difference"))
          expect(JSON.stringify(f.values)).toContain(UNKNOWN);
      }),
      { numRuns: 200 },
    );
  });
});
