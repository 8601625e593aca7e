/**
 * The rules validator `npm run build` generates (consistency-rules/src/precompile.ts) against the shared ajv's
 * compiled one: same verdict and same error objects (so the same one-line messages) on valid and broken rule sets.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import fc from "fast-check";
import type { ValidateFunction } from "ajv";
import * as formats from "../../consistency-rules/src/formats";
import { createAjv } from "../../consistency-rules/src/ajv";
import { validatorSource, writeValidators } from "../../consistency-rules/src/precompile";
import lockSchema from "../../consistency-rules/lock.schema.json";
import rulesSchema from "../../consistency-rules/rules.schema.json";
import { rulesObject } from "./helpers";

/** Evaluates a generated module as Node would, its `./formats.js` being the source module. */
function load(source: string): ValidateFunction & { schemaText?: string } {
  const mod = { exports: {} as unknown };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const req = (id: string) => (id === "./formats.js" ? formats : require(id));
  new Function("module", "exports", "require", source)(mod, mod.exports, req);
  return mod.exports as ValidateFunction & { schemaText?: string };
}

const generated = load(validatorSource(rulesSchema));
const compiled = createAjv().compile(rulesSchema);

function verdicts(data: unknown) {
  const a = generated(data);
  const b = compiled(data);
  return { a: [a, generated.errors ?? null], b: [b, compiled.errors ?? null] };
}

const approval = (over: Record<string, unknown>) => ({
  id: "a1",
  type: "aws:lambda/function:Function",
  resource: "fn",
  path: "memorySize",
  values: { dev: 1 },
  reason: "a good reason here",
  owner: "platform-team",
  ...over,
});

describe("generated rules validator", () => {
  it("carries the schema it was generated from", () => {
    expect(generated.schemaText).toBe(JSON.stringify(rulesSchema));
  });

  it("accepts the reference rule sets as the compiled one does", () => {
    for (const file of [
      "consistency-rules/data-platform.rules.json",
      "examples/payments/consistency-rules/payments.rules.json",
      "test/fixtures/rules/data-platform.rules.json",
    ]) {
      const data = JSON.parse(fs.readFileSync(path.join(__dirname, "../..", file), "utf8"));
      const { a, b } = verdicts(data);
      expect(a).toEqual(b);
      expect(a[0]).toBe(true);
    }
  });

  it("reports the same errors as the compiled one on broken rule sets", () => {
    const broken = [
      rulesObject({ version: 2, extra: true, project: "a b" }),
      rulesObject({ environments: {} }),
      rulesObject({ environments: { Dev: { stacks: [] } } }),
      rulesObject({
        approvals: [
          approval({ reason: undefined }),
          approval({ reason: "short" }),
          approval({ expires: "2027-13-45" }),
          approval({ id: "Not An Id", severity: "urgent" }),
        ],
      }),
      rulesObject({ environments: { dev: { stacks: ["dev"], accountId: "12", region: "mars-1" } } }),
      rulesObject({ invariants: [{ id: "x" }, 7, null] }),
      [],
      "rules",
      null,
    ];
    for (const data of broken) {
      const { a, b } = verdicts(JSON.parse(JSON.stringify(data)));
      expect(a[0]).toBe(false);
      expect(a).toEqual(b);
    }
  });

  it("agrees with the compiled one on any value put anywhere in a rule set", () => {
    const base = rulesObject({ approvals: [approval({ expires: "2027-12-31" })] });
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom("2027-02-30", "2027-02-28", "10.0.0.0/8", "111111111111", "us-east-1", "nodejs22.x", ""),
    );
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 3 }), { minLength: 1, maxLength: 4 }), value, (keys, v) => {
        const data = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
        // put v at a path made of existing keys where they exist (so deep places are reached), else the given key
        let at = data as Record<string, unknown>;
        for (const k of keys.slice(0, -1)) {
          const names = Object.keys(at);
          const next = names.length > 0 ? at[names[k.length % names.length]] : undefined;
          if (typeof next !== "object" || next === null) break;
          at = next as Record<string, unknown>;
        }
        const names = Object.keys(at);
        const last = keys[keys.length - 1];
        at[last.length > 1 && names.length > 0 ? names[last.charCodeAt(0) % names.length] : last] = v;
        const { a, b } = verdicts(data);
        expect(a).toEqual(b);
      }),
      { numRuns: 300 },
    );
  });

  it("is written by the build step into the given directory and loads there", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parity-precompiled-"));
    try {
      fs.writeFileSync(path.join(dir, "formats.js"), "module.exports = require(process.env.FORMATS_MODULE);");
      const [file] = writeValidators(dir);
      expect(path.basename(file)).toBe("rules.validate.js");
      expect(load(fs.readFileSync(file, "utf8")).schemaText).toBe(JSON.stringify(rulesSchema));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("generated lock validator", () => {
  const generatedLock = load(validatorSource(lockSchema));
  const compiledLock = createAjv().compile(lockSchema);
  const both = (data: unknown) => ({
    a: [generatedLock(data), generatedLock.errors ?? null],
    b: [compiledLock(data), compiledLock.errors ?? null],
  });
  const lockFile = path.join(__dirname, "../..", "consistency-rules/data-platform.parity-lock.json");

  it("accepts the reference locks and reports the same errors on broken ones as the compiled one", () => {
    const lock = JSON.parse(fs.readFileSync(lockFile, "utf8"));
    const payments = JSON.parse(
      fs.readFileSync(
        path.join(__dirname, "../..", "examples/payments/consistency-rules/payments.parity-lock.json"),
        "utf8",
      ),
    );
    for (const ok of [lock, payments]) expect(both(ok)).toEqual({ a: [true, null], b: [true, null] });
    const [firstKey] = Object.keys(lock.resources);
    for (const data of [
      { ...lock, version: 9 },
      { ...lock, resources: { [firstKey]: { ...lock.resources[firstKey], in: "dev" } } },
      { ...lock, project: 7, extra: true },
      [],
      null,
    ]) {
      const { a, b } = both(JSON.parse(JSON.stringify(data)));
      expect(a[0]).toBe(false);
      expect(a).toEqual(b);
    }
  });

  it("is bundled, with the rules validator, into the policy pack and the published library (no schema compiled at start)", () => {
    for (const bundle of ["policy-pack/dist/index.js", "dist/policy/index.js"]) {
      const text = fs.readFileSync(path.join(__dirname, "../..", bundle), "utf8");
      // each generated module's `schemaText = <string literal>`, as the bundler wrote it
      const carried = [...text.matchAll(/schemaText = ("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')/g)].map(
        (m) => new Function(`return ${m[1]}`)() as string,
      );
      expect([bundle, carried.sort()]).toEqual([
        bundle,
        [JSON.stringify(rulesSchema), JSON.stringify(lockSchema)].sort(),
      ]);
    }
  });
});
