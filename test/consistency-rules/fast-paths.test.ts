/**
 * The diff path's shortcuts (issue 13.3) give the results of the plain algorithms they replace: each is checked
 * against a copy of the plain version, kept here, on generated values built so that equal subtrees, renamed and
 * colliding keys, `__proto__` keys, secrets, assets, unknowns and JSON-object strings are common.
 */
import fc from "fast-check";
import { walkDifferences } from "../../consistency-rules/src/compare";
import { normaliseValue, stringNormaliser, VOLATILE_KEYS } from "../../consistency-rules/src/normalise";
import { container, deepEqual, isPlainObject } from "../../consistency-rules/src/paths";
import {
  ARCHIVE_SIG,
  ASSET_SIG,
  containsUnknown,
  isSecret,
  SECRET_PLACEHOLDER,
  SECRET_SIG,
  SIG_KEY,
  UNKNOWN,
} from "../../consistency-rules/src/sentinels";

// ------------------------------------------------------------------------------------------ plain versions

function plainNormaliseValue(v: unknown, norm: (s: string) => string, depth = 0): unknown {
  if (typeof v === "string") return norm(v);
  if (v === null || typeof v !== "object") return typeof v === "bigint" ? String(v) : v;
  if (depth > 100) return "[too deep]";
  if (isSecret(v)) return SECRET_PLACEHOLDER;
  if (Array.isArray(v)) return v.map((x) => plainNormaliseValue(x, norm, depth + 1));
  const sig = (v as Record<string, unknown>)[SIG_KEY];
  const asset = sig === ASSET_SIG || sig === ARCHIVE_SIG;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[k];
    if (VOLATILE_KEYS.has(k) || (asset && k === "hash")) continue;
    const nk = norm(k);
    const key = nk !== k && Object.prototype.hasOwnProperty.call(v, nk) ? k : nk;
    if (Object.prototype.hasOwnProperty.call(out, key)) out[k] = plainNormaliseValue(x, norm, depth + 1);
    else out[key] = plainNormaliseValue(x, norm, depth + 1);
  }
  return out;
}

const ABSENT = Symbol("absent");
function childSlot(c: unknown[] | Record<string, unknown> | undefined, key: string): unknown {
  if (c === undefined) return ABSENT;
  if (Array.isArray(c)) {
    const i = Number(key);
    return i >= 0 && i < c.length && String(i) === key ? c[i] : ABSENT;
  }
  return Object.prototype.hasOwnProperty.call(c, key) ? c[key] : ABSENT;
}
function sameKnown(a: unknown, b: unknown): boolean {
  if (a === UNKNOWN || b === UNKNOWN) return false;
  if (a === b) return typeof a !== "object" || a === null ? true : !containsUnknown(a);
  return deepEqual(a, b) && !containsUnknown(a);
}
function unionKeys(cs: readonly (unknown[] | Record<string, unknown> | undefined)[]): string[] {
  const keys = new Set<string>();
  for (const c of cs)
    if (c) for (const k of Array.isArray(c) ? c.map((_, i) => String(i)) : Object.keys(c)) keys.add(k);
  return [...keys];
}
/** The leaf-by-leaf walk without the equal-subtree shortcut. */
function plainWalk(slots: unknown[], segs: string[], onLeaf: (s: string[], v: unknown[]) => void, raws?: unknown[]) {
  const n = slots.length;
  if (slots.every((v) => v === slots[0])) {
    if (slots[0] === UNKNOWN && segs.length > 0) onLeaf([...segs], slots.slice());
    return;
  }
  if (slots.includes(SECRET_PLACEHOLDER)) {
    if (slots.includes(ABSENT) && segs.length > 0)
      onLeaf(
        [...segs],
        slots.map((v) => (v === ABSENT ? undefined : SECRET_PLACEHOLDER)),
      );
    return;
  }
  if (raws && !raws.includes(ABSENT) && raws.every((r) => sameKnown(r, raws[0]))) return;
  const depth = segs.length;
  const atomic = depth >= 64 || (depth === 1 && segs[0] === "$ignoreChanges");
  const cs = slots.map((v) => {
    if (v === ABSENT) return undefined;
    const c = atomic ? undefined : container(v);
    return c === undefined || (Array.isArray(c) ? c.length === 0 : Object.keys(c).length === 0) ? undefined : c;
  });
  const leafSomewhere = slots.some((v, i) => v !== ABSENT && cs[i] === undefined);
  if (leafSomewhere && depth > 0) {
    const values = slots.map((v) => (v === ABSENT ? undefined : v));
    if (!values.every((v) => deepEqual(v, values[0]))) onLeaf([...segs], values);
  }
  if (cs.every((c) => c === undefined)) return;
  const rawCs = raws?.map((r) => (r === ABSENT ? undefined : container(r)));
  for (const k of unionKeys(cs)) {
    const rawNext = rawCs?.map((c) => childSlot(c, k));
    segs.push(k);
    plainWalk(
      cs.map((c) => childSlot(c, k)),
      segs,
      onLeaf,
      rawNext && !rawNext.includes(ABSENT) ? rawNext : undefined,
    );
    segs.pop();
  }
  void n;
}

// ------------------------------------------------------------------------------------------ generated values

const KEYS = [
  "a",
  "b",
  "dev",
  "dev-a",
  "{env}",
  "{env}-a",
  "__proto__",
  "__defaults",
  "hash",
  "tags",
  "0",
  "1",
  SIG_KEY,
];
const leaf = fc.constantFrom<unknown>(
  "dev",
  "dev-a",
  "{env}",
  "{env}-a",
  "x",
  "",
  0,
  1,
  -0,
  true,
  false,
  null,
  UNKNOWN,
  SECRET_PLACEHOLDER,
  SECRET_SIG,
  ASSET_SIG,
  ARCHIVE_SIG,
  '{"a":1}',
  '{"a":"dev"}',
  "111111111111",
  "us-east-2",
);
const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("value"), { maxLength: 3 }),
    fc.array(fc.tuple(fc.constantFrom(...KEYS), tie("value")), { maxLength: 4 }).map((entries) => {
      // Own properties (`__proto__` included), as JSON.parse makes them.
      const o: Record<string, unknown> = {};
      for (const [k, v] of entries)
        Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      return o;
    }),
  ),
}));

/** A canonical form that tells own keys, their order and prototypes apart. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return ["array", v.map(shape)];
  if (typeof v === "object" && v !== null) {
    const proto = Object.getPrototypeOf(v);
    return [
      "object",
      Object.keys(v).map((k) => [k, shape((v as Record<string, unknown>)[k])]),
      proto === Object.prototype ? "Object" : shape(proto),
    ];
  }
  return [typeof v, Object.is(v, -0) ? "-0" : v];
}

const norm = () =>
  stringNormaliser(
    { env: "dev", stack: "dev", accountId: "111111111111", region: "us-east-2", suffix: "x1" },
    { names: new Set(["dev-a"]) },
  );

describe("fast paths give the plain algorithms' results", () => {
  it("normaliseValue equals the key-by-key normalisation (renamed and colliding keys, __proto__, secrets, assets)", () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(shape(normaliseValue(v, norm()))).toEqual(shape(plainNormaliseValue(v, norm())));
      }),
      { numRuns: 3000 },
    );
  });

  it("walkDifferences reports the same leaves as the walk without the equal-subtree shortcut", () => {
    // Environments that are often equal: each is a copy of the first, or of another generated value.
    const triple = fc.tuple(value, value, value, fc.constantFrom(0, 1, 2, 3)).map(([a, b, c, mode]) => {
      const copy = (x: unknown) => (x === undefined ? x : structuredClone(x));
      return mode === 0
        ? [a, copy(a), copy(a)]
        : mode === 1
          ? [a, copy(a), b]
          : mode === 2
            ? [a, b, c]
            : [a, a, copy(a)];
    });
    fc.assert(
      fc.property(triple, fc.option(triple, { nil: undefined }), (slots, raws) => {
        const got: [string[], unknown[]][] = [];
        const want: [string[], unknown[]][] = [];
        walkDifferences(slots, [], (s, v) => got.push([[...s], v]), raws);
        plainWalk(slots, [], (s, v) => want.push([s, v]), raws);
        expect(got.map(([s, v]) => [s, v.map(shape)])).toEqual(want.map(([s, v]) => [s, v.map(shape)]));
      }),
      { numRuns: 3000 },
    );
  });

  it("containsUnknown equals the search through Object.values", () => {
    const plain = (v: unknown): boolean =>
      v === UNKNOWN ||
      (Array.isArray(v) ? v.some(plain) : typeof v === "object" && v !== null && Object.values(v).some(plain));
    fc.assert(
      fc.property(value, (v) => {
        expect(containsUnknown(v)).toBe(plain(v));
        // A prototype set through a `__proto__` key is not searched: only own properties are the value's.
        expect(containsUnknown(normaliseValue(v, norm()))).toBe(plain(normaliseValue(v, norm())));
      }),
      { numRuns: 2000 },
    );
  });

  it("the generated values do exercise the shortcuts", () => {
    // Guard against a generator that never makes equal environments (the test above would then prove nothing).
    let equal = 0;
    fc.assert(
      fc.property(value, (v) => {
        const c = structuredClone(v);
        if (isPlainObject(v) && Object.keys(v).length > 1 && deepEqual(v, c) && !containsUnknown(v)) equal++;
      }),
      { numRuns: 500 },
    );
    expect(equal).toBeGreaterThan(20);
  });
});
