/**
 * The pack never prints a secret. The engine sends an analyzer each secret's plaintext in the secret signature and
 * the policy SDK unwraps it before any policy runs; the pack's deserialiser records where the secrets were
 * (policy-pack/lib/sdk/secrets.js), so:
 *  - `parity-consistency-rules` reads the stack with its secrets wrapped again (as `parity check` does): a secret is
 *    `[secret]` in every lock and rules finding — new in one environment, at a path the lock holds a plain value
 *    for, nested in objects and arrays — and the locked value at a path secret here is not shown either;
 *  - every other policy's message (Analyze and AnalyzeStack, violations and indeterminates) has each secret's
 *    plaintext of the resources it is about replaced by `[secret]`.
 * Each case: the pack still reports the violation, no diagnostic contains the plaintext, a plain value still prints.
 * The pack is started as the engine starts it, on the synthetic reference stacks with a lock built from them.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { lockFromSnapshots, withLockConfig, type ParityLock } from "../../consistency-rules/src/lock";
import type { Snapshot } from "../../consistency-rules/src/model";
import { SECRET_SIG, SIG_KEY } from "../../consistency-rules/src/sentinels";
import { startPack, type Diagnostic, type PackSession } from "../../policy-pack/harness";
import { buildPack, ENVS, mutate, PACK_DIR, referenceStack, RULES } from "../policy-pack/fixtures";

jest.setTimeout(300_000);

const PLAIN = "pl41nt3xt";
const secret = (value: unknown) => ({ [SIG_KEY]: SECRET_SIG, value });
const VALIDATOR = "aws:lambda/function:Function::ingest-validator-function";

let session: PackSession;
let lock: ParityLock;
let config: Record<string, unknown>;

beforeAll(async () => {
  buildPack();
  lock = lockFromSnapshots(
    ENVS.map((e) => referenceStack(e)),
    RULES,
  );
  config = withLockConfig({}, lock);
  session = await startPack({ packDir: PACK_DIR });
});
afterAll(async () => {
  await session?.close();
});

type Props = Record<string, unknown>;
const vars = (p: Props) => (p.environment as { variables: Props }).variables;

/** Every message of the staging stack's Analyze and AnalyzeStack diagnostics (and the findings' JSON). */
async function run(s: Snapshot): Promise<{ messages: string[]; everything: string }> {
  await session.configure(config as Parameters<PackSession["configure"]>[0]);
  const found = await session.analyzeSnapshot(s, { tags: { "env-parity:environment": s.context.env } });
  const messages = found.filter((f) => f.status === "fail" || f.status === "indeterminate").map((f) => f.message);
  return { messages, everything: JSON.stringify(found) };
}
const lockMessages = (ms: readonly string[]) => ms.filter((m) => /parity-lock-/.test(m));

test("baseline: the unmutated staging stack passes the lock built from the three stacks", async () => {
  const { messages } = await run(referenceStack("staging"));
  expect(lockMessages(messages)).toEqual([]);
});

test("(1) a secret env var present only in staging is a lock difference shown as [secret]; a plain new var prints", async () => {
  const s = mutate(referenceStack("staging"), "validator-function", (p) => {
    vars(p).API_TOKEN = secret(`${PLAIN}-only-staging`);
    vars(p).MUTATED_FLAG = "on";
  });
  const { messages, everything } = await run(s);
  expect(lockMessages(messages)).toEqual([
    `parity-lock-mismatch: ${VALIDATOR}: environment.variables.API_TOKEN is "[secret]" in staging; the lock has no value there (not agreed by all environments) (parity-lock-mismatch)`,
    `parity-lock-mismatch: ${VALIDATOR}: environment.variables.MUTATED_FLAG is "on" in staging; the lock has no value there (not agreed by all environments) (parity-lock-mismatch)`,
  ]);
  expect(everything).not.toContain(PLAIN);
});

test("(2) a secret where the lock holds a plain value: a difference, neither the secret nor the locked value shown", async () => {
  const s = mutate(referenceStack("staging"), "validator-function", (p) => {
    vars(p).TABLE_NAME = secret(`${PLAIN}-table`);
    p.handler = "index.mutated";
  });
  const { messages, everything } = await run(s);
  const lockLines = lockMessages(messages);
  expect(lockLines).toContain(
    `parity-lock-mismatch: ${VALIDATOR}: environment.variables.TABLE_NAME is [secret] in staging; the lock has a plain value there (not shown: it is secret here) (parity-lock-mismatch)`,
  );
  // a plain difference still names both values
  expect(lockLines).toContain(
    `parity-lock-mismatch: ${VALIDATOR}: handler is "index.mutated" in staging; the lock says "index.handler" (parity-lock-mismatch)`,
  );
  expect(everything).not.toContain(PLAIN);
  expect(lockLines.find((m) => /TABLE_NAME/.test(m))).not.toContain("ingest-events-table");
});

test("(2b) the same plaintext as the lock's value, now a secret, is reported too (the gate sees [secret] as well)", async () => {
  const s = mutate(referenceStack("staging"), "validator-function", (p) => {
    vars(p).TABLE_NAME = secret(vars(p).TABLE_NAME);
  });
  const { messages } = await run(s);
  expect(lockMessages(messages)).toEqual([
    `parity-lock-mismatch: ${VALIDATOR}: environment.variables.TABLE_NAME is [secret] in staging; the lock has a plain value there (not shown: it is secret here) (parity-lock-mismatch)`,
  ]);
});

test("(3) secrets nested in objects and arrays: a whole env var map, an array element's field", async () => {
  const s = mutate(
    mutate(referenceStack("staging"), "validator-function", (p) => {
      (p.environment as Props).variables = secret({ LOG_LEVEL: `${PLAIN}-nested`, TABLE_NAME: `${PLAIN}-table` });
    }),
    "raw-bucket-sse",
    (p) => {
      const rules = p.rules as { applyServerSideEncryptionByDefault: Props }[];
      rules[0].applyServerSideEncryptionByDefault.sseAlgorithm = secret(`${PLAIN}-kms`);
    },
  );
  const { messages, everything } = await run(s);
  const lockLines = lockMessages(messages);
  // the whole map is secret here: each locked variable under it is undecidable, its locked value not shown
  expect(lockLines).toEqual(
    expect.arrayContaining([
      `parity-lock-mismatch: ${VALIDATOR}: environment.variables.TABLE_NAME is inside environment.variables, secret as a whole in staging; the lock has a value there (not shown) (parity-lock-mismatch)`,
      expect.stringMatching(
        /raw-bucket-sse: rules\.0\.applyServerSideEncryptionByDefault\.sseAlgorithm is \[secret\] in staging; the lock has a plain value there \(not shown: it is secret here\)/,
      ),
    ]),
  );
  // s3's own policy quotes the algorithm it rejects: the plaintext is redacted there too
  expect(messages).toEqual(
    expect.arrayContaining([expect.stringMatching(/raw-bucket-sse: sseAlgorithm "\[secret\]" is not one of/)]),
  );
  expect(everything).not.toContain(PLAIN);
});

describe("(4) another policy's message quoting a value given as a secret", () => {
  const tagged = () =>
    mutate(referenceStack("staging"), "raw-bucket", (p) => {
      (p.tags as Props).Environment = secret(`${PLAIN}-env`);
    });

  test("AnalyzeStack and Analyze: the violation is reported with [secret], no plaintext in any diagnostic", async () => {
    const { messages, everything } = await run(tagged());
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/ingest-raw-bucket: tag Environment is "\[secret\]", expected "staging"/),
      ]),
    );
    expect(everything).not.toContain(PLAIN);
  });

  test("Analyze alone (the resource's inputs); a plain wrong tag still prints its value", async () => {
    await session.configure(config as Parameters<PackSession["configure"]>[0]);
    const bucket = (s: Snapshot) => s.resources.find((r) => r.name.endsWith("-raw-bucket"))!;
    const diags: Diagnostic[] = await session.analyze(bucket(tagged()));
    const env = diags.filter((d) => /tag Environment is/.test(d.message));
    expect(env.map((d) => d.message)).toEqual([expect.stringContaining('tag Environment is "[secret]"')]);
    expect(JSON.stringify(diags)).not.toContain(PLAIN);
    const plain = mutate(referenceStack("staging"), "raw-bucket", (p) => {
      (p.tags as Props).Environment = "qa";
    });
    const shown = (await session.analyze(bucket(plain))).map((d) => d.message);
    expect(shown).toEqual(expect.arrayContaining([expect.stringContaining('tag Environment is "qa"')]));
  });

  test("a numeric secret (a Lambda timeout above the limit) is redacted; the limit still prints", async () => {
    const s = mutate(referenceStack("staging"), "validator-function", (p) => {
      p.timeout = secret(8137);
    });
    const { messages, everything } = await run(s);
    const timeout = messages.filter((m) => /validator-function: timeout is .* s, expected/.test(m));
    expect(timeout.length).toBeGreaterThan(0);
    for (const m of timeout) expect(m).toMatch(/timeout is \[secret\] s, expected ≤ \d+ s/);
    expect(everything).not.toContain("8137");
  });
});

describe("the deserialiser shim (policy-pack/lib/sdk/deserialize.js)", () => {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const shim = require("../../policy-pack/lib/sdk/deserialize.js") as {
    deserializeProperties(s: unknown, proxySecrets: boolean): Props;
  };
  const sdk = require("@pulumi/policy/deserialize.js") as typeof shim;
  const marks = require("../../policy-pack/lib/sdk/secrets.js") as typeof import("../../policy-pack/lib/sdk/secrets");
  /* eslint-enable @typescript-eslint/no-require-imports */
  const struct = (v: Props) => ({ toJavaScript: () => JSON.parse(JSON.stringify(v)) as Props });
  const ASSET = { [SIG_KEY]: "c44067f5952c0a294b673a41bacd8c17", text: "hello" };

  test("deserialises as the SDK does and records each secret's path (outer first), none without a secret", () => {
    const given = {
      n: 1,
      s: "x",
      z: null,
      list: [1, { token: secret(`${PLAIN}-a`) }],
      whole: secret({ inner: "v", deeper: [secret(2)] }),
      code: ASSET,
    };
    const mine = shim.deserializeProperties(struct(given), false);
    expect(JSON.stringify(mine)).toBe(JSON.stringify(sdk.deserializeProperties(struct(given), false)));
    expect(mine.code).toBeInstanceOf(
      (sdk.deserializeProperties(struct({ code: ASSET }), false).code as object).constructor,
    );
    expect([...(marks.secretPathsOf(mine) ?? [])]).toEqual(["list.1.token", "whole", "whole.deeper.0"]);
    expect(marks.isSecretPath(mine, "whole.inner")).toBe(true);
    expect(marks.isSecretPath(mine, "list.0")).toBe(false);
    expect(marks.withSecretMarks(mine)).toEqual({
      ...mine,
      list: [1, { token: secret(`${PLAIN}-a`) }],
      whole: secret({ inner: "v", deeper: [2] }),
    });
    const plain = shim.deserializeProperties(struct({ n: 1, list: [{ a: "b" }] }), false);
    expect(marks.secretsOf(plain)).toBeUndefined();
    expect(marks.withSecretMarks(plain)).toBe(plain);
  });

  test("a message hides long plaintexts anywhere, short ones where quoted, numbers as whole numbers", () => {
    const p = shim.deserializeProperties(
      struct({ a: secret({ env: "staging", token: `${PLAIN}-long`, port: 5432 }), b: secret("on") }),
      false,
    );
    expect(
      marks.redactSecrets(`in staging: "staging" ${PLAIN}-long, port 5432 (not 54321), "on" but not one`, [p]),
    ).toBe('in staging: "[secret]" [secret], port [secret] (not 54321), "[secret]" but not one');
  });
});

test("the ready pack (the published library on the installed @pulumi/policy) hides secrets too", async () => {
  const ready = path.join(PACK_DIR, "ready");
  expect(fs.existsSync(path.join(PACK_DIR, "..", "dist", "policy", "index.js"))).toBe(true); // npm run build
  const rules = JSON.parse(
    fs.readFileSync(path.join(PACK_DIR, "..", "consistency-rules", "data-platform.rules.json"), "utf8"),
  ) as unknown;
  const s = mutate(referenceStack("staging"), "raw-bucket", (p) => {
    (p.tags as Props).Environment = secret(`${PLAIN}-env`);
  });
  const pack = await startPack({ packDir: ready });
  try {
    await pack.configure({ "tags-environment-matches-stack": { rules }, "parity-consistency-rules": { rules } });
    const found = await pack.analyzeSnapshot(s, { tags: { "env-parity:environment": "staging" } });
    expect(found.map((f) => f.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/ingest-raw-bucket: tag Environment is "\[secret\]"/)]),
    );
    expect(JSON.stringify(found)).not.toContain(PLAIN);
  } finally {
    await pack.close();
  }
});
