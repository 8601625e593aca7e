/**
 * Stack policies over one shared view (issue 13): the indexed checks decide exactly what the pairwise scans they
 * replaced decided (the scans are kept here as the specification, run on random small stacks with colliding names,
 * unknown values and dependencies), outcomes are computed once per shared list, and nothing shared is mutated.
 */
import fc from "fast-check";
import { stackView, type PolicyInput } from "../../policy-pack/lib/define";
import { BUCKET_TYPES, s3BucketCompanionsPresent } from "../../policy-pack/policies/s3";
import { QUEUE, REDRIVE_POLICY, sqsQueueRedrive } from "../../policy-pack/policies/sqs";
import { lambdaFunctionsSameRuntime } from "../../policy-pack/policies/lambda";
import { UNKNOWN } from "../../consistency-rules/src/sentinels";

const urn = (type: string, name: string) => `urn:pulumi:dev::shared-view-test::${type}::${name}`;

function input(type: string, name: string, props: Record<string, unknown>, dependencies: string[] = []): PolicyInput {
  return { type, name, urn: urn(type, name), props, protect: false, ignoreChanges: [], dependencies };
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === "object" && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

const run =
  (p: { guard: { evaluate: (r: readonly PolicyInput[], c: Record<string, unknown>) => unknown } }) =>
  (resources: readonly PolicyInput[], config: Record<string, unknown> = {}) =>
    p.guard.evaluate(deepFreeze(resources), config) as { violations: unknown[]; indeterminates: unknown[] };

// ---- s3-bucket-companions-present: the pairwise scan it replaced -------------------------------------------------

const COMPANIONS = [
  { what: "aws.s3.BucketVersioning", type: "aws:s3/bucketVersioning:BucketVersioning" },
  {
    what: "aws.s3.BucketServerSideEncryptionConfiguration",
    type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  },
  {
    what: "aws.s3.BucketLifecycleConfiguration",
    type: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  },
  { what: "aws.s3.BucketPublicAccessBlock", type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock" },
];

function belongsTo(c: PolicyInput, b: PolicyInput): boolean | "unknown" {
  const target = c.props.bucket;
  const name = b.props.bucket;
  if (typeof target === "string" && target !== UNKNOWN && typeof name === "string" && name !== UNKNOWN)
    return target === name;
  if (c.dependencies.includes(b.urn)) return true;
  return target === UNKNOWN || name === UNKNOWN ? "unknown" : false;
}

function companionsSpec(resources: readonly PolicyInput[]) {
  const violations: { message: string; urn?: string }[] = [];
  const indeterminates: { message: string; urn?: string }[] = [];
  const buckets = resources.filter((r) => (BUCKET_TYPES as readonly string[]).includes(r.type));
  for (const { what, type } of COMPANIONS) {
    const candidates = resources.filter((r) => r.type === type);
    for (const b of buckets) {
      const matches = candidates.map((c) => belongsTo(c, b));
      const n = matches.filter((m) => m === true).length;
      if (n === 1) continue;
      if (n > 1)
        violations.push({
          message: `${b.name}: ${n} ${what} resources target this bucket, expected exactly one.`,
          urn: b.urn,
        });
      else if (matches.includes("unknown"))
        indeterminates.push({
          message: `${b.name}: cannot tell whether a ${what} targets this bucket (bucket name unknown at preview, no dependency recorded).`,
          urn: b.urn,
        });
      else violations.push({ message: `${b.name}: no ${what} targets this bucket.`, urn: b.urn });
    }
  }
  return { violations, indeterminates };
}

const bucketName = fc.oneof(fc.constantFrom("a", "b", "c", ""), fc.constant(UNKNOWN), fc.constant(undefined));

const s3Stack = fc
  .record({
    buckets: fc.array(bucketName, { minLength: 1, maxLength: 4 }),
    companions: fc.array(
      fc.record({ kind: fc.nat(3), bucket: bucketName, deps: fc.array(fc.nat(5), { maxLength: 3 }) }),
      { maxLength: 10 },
    ),
  })
  .map(({ buckets, companions }) => {
    const bs = buckets.map((bucket, i) =>
      input(BUCKET_TYPES[i % 2], `bucket${i}`, bucket === undefined ? {} : { bucket }),
    );
    const cs = companions.map((c, i) =>
      input(
        COMPANIONS[c.kind].type,
        `companion${i}`,
        c.bucket === undefined ? {} : { bucket: c.bucket },
        c.deps.map((d) => bs[d % bs.length].urn),
      ),
    );
    return [...bs, ...cs];
  });

describe("s3-bucket-companions-present over the shared view", () => {
  test("decides as the pairwise scan does (random stacks: shared names, unknown and absent names, dependencies)", () => {
    fc.assert(
      fc.property(s3Stack, (resources) => {
        expect(run(s3BucketCompanionsPresent)(resources)).toEqual(companionsSpec(resources));
      }),
      { numRuns: 400 },
    );
  });
  test("the spec can fail: a second versioning for a bucket is counted", () => {
    const b = input(BUCKET_TYPES[0], "b0", { bucket: "x" });
    const v = (n: string) => input(COMPANIONS[0].type, n, { bucket: "x" });
    const out = run(s3BucketCompanionsPresent)([b, v("v1"), v("v2")]);
    expect(out.violations).toContainEqual({
      message: "b0: 2 aws.s3.BucketVersioning resources target this bucket, expected exactly one.",
      urn: b.urn,
    });
  });
});

// ---- sqs-queue-redrive: which queues are dead-letter queues, which have a redrive, which are undecided -------------

type Verdict = "dlq" | "own" | "unknown" | "fail";

const str = (v: unknown) => (typeof v === "string" && v !== UNKNOWN ? v : undefined);
function names(ref: string, q: PolicyInput, kind: "arn" | "url"): boolean {
  const own = str(q.props[kind]);
  if (own !== undefined) return own === ref;
  const name = str(q.props.name);
  return name !== undefined && ref.endsWith(kind === "arn" ? `:${name}` : `/${name}`);
}
const docOf = (raw: unknown): Record<string, unknown> | typeof UNKNOWN | undefined =>
  typeof raw === "string" && raw.includes(UNKNOWN) // as policyDocument: an unknown inside makes the document unknown
    ? UNKNOWN
    : typeof raw === "string"
      ? (JSON.parse(raw) as Record<string, unknown>)
      : undefined;

/** The pairwise scan sqs-queue-redrive replaced: per queue, its verdict. */
function redriveSpec(resources: readonly PolicyInput[]): Map<string, Verdict> {
  const queues = resources.filter((r) => r.type === QUEUE);
  const all: { from: PolicyInput; doc: ReturnType<typeof docOf>; source: PolicyInput | typeof UNKNOWN | undefined }[] =
    [];
  for (const r of resources) {
    if (r.type === QUEUE && r.props.redrivePolicy !== undefined)
      all.push({ from: r, doc: docOf(r.props.redrivePolicy), source: r });
    else if (r.type === REDRIVE_POLICY) {
      const url = r.props.queueUrl;
      const doc = docOf(r.props.redrivePolicy);
      const dlqArn = doc === UNKNOWN ? undefined : str(doc?.deadLetterTargetArn);
      const source =
        typeof url === "string" && url !== UNKNOWN
          ? queues.find((q) => names(url, q, "url"))
          : url === UNKNOWN && dlqArn !== undefined
            ? (queues.find((q) => r.dependencies.includes(q.urn) && !names(dlqArn, q, "arn")) ?? UNKNOWN)
            : UNKNOWN;
      all.push({ from: r, doc, source });
    }
  }
  const refs: { from: PolicyInput; arn: unknown }[] = all.map((d) => ({
    from: d.from,
    arn: d.doc === UNKNOWN ? UNKNOWN : d.doc?.deadLetterTargetArn,
  }));
  for (const r of resources)
    if (r.type === "aws:lambda/function:Function") {
      const v = (r.props.deadLetterConfig as { targetArn?: unknown } | undefined)?.targetArn;
      if (v !== undefined && v !== "") refs.push({ from: r, arn: v });
    }
  const targets = (ref: { from: PolicyInput; arn: unknown }, q: PolicyInput): boolean | "unknown" => {
    if (ref.from === q) return false;
    const arn = ref.arn;
    if (typeof arn === "string" && arn !== UNKNOWN && !arn.includes(UNKNOWN)) return names(arn, q, "arn");
    if (arn === undefined) return false;
    return ref.from.dependencies.includes(q.urn) ? true : "unknown";
  };
  const verdicts = new Map<string, Verdict>();
  for (const q of queues) {
    const hits = refs.map((d) => targets(d, q));
    if (hits.includes(true)) verdicts.set(q.urn, "dlq");
    else if (all.some((d) => d.source === q)) verdicts.set(q.urn, "own");
    else verdicts.set(q.urn, hits.includes("unknown") || all.some((d) => d.source === UNKNOWN) ? "unknown" : "fail");
  }
  return verdicts;
}

const ACCOUNT = "arn:aws:sqs:eu-west-1:111122223333";
const qName = fc.constantFrom("q0", "q1", "x:q0", "q2.fifo");
const arnRef = fc.oneof(
  qName.map((n) => `${ACCOUNT}:${n}`),
  fc.constant(UNKNOWN),
  fc.constant(`${ACCOUNT}:${UNKNOWN}`),
  fc.constant(undefined),
);
const sqsStack = fc
  .record({
    queues: fc.array(
      fc.record({
        name: fc.oneof(qName, fc.constant(UNKNOWN), fc.constant(undefined)),
        arn: fc.oneof(
          qName.map((n) => `${ACCOUNT}:${n}`),
          fc.constant(undefined),
        ),
        redrive: fc.option(arnRef, { nil: null }),
        deps: fc.array(fc.nat(5), { maxLength: 2 }),
      }),
      { minLength: 1, maxLength: 5 },
    ),
    policies: fc.array(
      fc.record({
        url: fc.oneof(
          qName.map((n) => `https://sqs.eu-west-1.amazonaws.com/111122223333/${n}`),
          fc.constant(UNKNOWN),
        ),
        dlq: arnRef,
        deps: fc.array(fc.nat(5), { maxLength: 3 }),
      }),
      { maxLength: 3 },
    ),
    functions: fc.array(fc.record({ dlq: arnRef, deps: fc.array(fc.nat(5), { maxLength: 2 }) }), { maxLength: 3 }),
  })
  .map(({ queues, policies, functions }) => {
    const doc = (arn: unknown) =>
      arn === UNKNOWN
        ? UNKNOWN
        : JSON.stringify({ maxReceiveCount: 3, ...(arn === undefined ? {} : { deadLetterTargetArn: arn }) });
    const qs = queues.map((q, i) =>
      input(QUEUE, `queue${i}`, {
        ...(q.name === undefined ? {} : { name: q.name }),
        ...(q.arn === undefined ? {} : { arn: q.arn }),
        ...(q.redrive === null ? {} : { redrivePolicy: doc(q.redrive) }),
      }),
    );
    const dep = (ds: number[]) => ds.map((d) => qs[d % qs.length].urn);
    const withDeps = (r: PolicyInput, ds: number[]) => ({ ...r, dependencies: dep(ds) });
    const rest = [
      ...policies.map((p, i) =>
        withDeps(input(REDRIVE_POLICY, `redrive${i}`, { queueUrl: p.url, redrivePolicy: doc(p.dlq) }), p.deps),
      ),
      ...functions.map((f, i) =>
        withDeps(
          input(
            "aws:lambda/function:Function",
            `fn${i}`,
            f.dlq === undefined ? {} : { deadLetterConfig: { targetArn: f.dlq } },
          ),
          f.deps,
        ),
      ),
    ];
    return [...qs.map((q, i) => withDeps(q, queues[i].deps)), ...rest];
  });

/** The verdict per queue as the policy reports it (no message: a dead-letter queue or one with its own redrive). */
function verdictsOf(resources: readonly PolicyInput[]): Map<string, Verdict | "ok"> {
  const out = run(sqsQueueRedrive)(resources, { maxReceiveCount: 3 });
  const v = new Map<string, Verdict | "ok">(resources.filter((r) => r.type === QUEUE).map((q) => [q.urn, "ok"]));
  for (const n of out.indeterminates as { message: string; urn: string }[])
    if (n.message.includes("whether it is a dead-letter queue")) v.set(n.urn, "unknown");
  for (const n of out.violations as { message: string; urn: string }[])
    if (n.message.includes(": no redrive policy")) v.set(n.urn, "fail");
  return v;
}

describe("sqs-queue-redrive over the shared view", () => {
  test("decides each queue as the pairwise scan does (random stacks: names, ARNs, URLs, unknowns, dependencies)", () => {
    fc.assert(
      fc.property(sqsStack, (resources) => {
        const spec = new Map([...redriveSpec(resources)].map(([k, v]) => [k, v === "dlq" || v === "own" ? "ok" : v]));
        expect(verdictsOf(resources)).toEqual(spec);
      }),
      { numRuns: 400 },
    );
  });
  test("the spec can fail: a queue nothing uses and without redrive fails", () => {
    const q = input(QUEUE, "lonely", { name: "lonely" });
    expect(verdictsOf([q]).get(q.urn)).toBe("fail");
  });
});

// ---- one outcome per shared list ---------------------------------------------------------------------------------

describe("stack outcomes are computed once per shared list", () => {
  const fns = [
    input("aws:lambda/function:Function", "f1", { runtime: "nodejs20.x" }),
    input("aws:lambda/function:Function", "f2", { runtime: "python3.12" }),
  ];
  test("the same frozen list and config object give the same outcome object (policy-pack-indeterminate's re-run)", () => {
    const list = deepFreeze([...fns]);
    const config = {};
    const first = lambdaFunctionsSameRuntime.guard.evaluate(list, config);
    expect(first.violations).toHaveLength(1);
    expect(lambdaFunctionsSameRuntime.guard.evaluate(list, config)).toBe(first);
    expect(lambdaFunctionsSameRuntime.guard.evaluate(list, {})).not.toBe(first);
  });
  test("a list that is not frozen is evaluated afresh each time (it may have changed)", () => {
    const list = [...fns];
    const config = {};
    const first = lambdaFunctionsSameRuntime.guard.evaluate(list, config);
    list.pop();
    expect(lambdaFunctionsSameRuntime.guard.evaluate(list, config).violations).toHaveLength(0);
    expect(first.violations).toHaveLength(1);
  });
  test("the view indexes by type, name and dependents, in stack order", () => {
    const a = input(QUEUE, "a", {});
    const b = { ...input(REDRIVE_POLICY, "b", {}), dependencies: [a.urn] };
    const c = input(QUEUE, "c", {});
    const v = stackView(deepFreeze([a, b, c]));
    expect(v.ofType(QUEUE)).toEqual([a, c]);
    expect(v.ofTypes([REDRIVE_POLICY, QUEUE])).toEqual([a, b, c]);
    expect(v.named("b")).toEqual([b]);
    expect(v.dependents(a.urn)).toEqual([b]);
    expect(v.byUrn.get(c.urn)).toBe(c);
  });
});
