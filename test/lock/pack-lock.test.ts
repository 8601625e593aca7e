/**
 * The lock inside the pack, started as the engine starts it (`node …/run-policy-pack <engine> policy-pack`):
 *  - this repository's own pack carries both projects' locks (envParityPack({ lock })): a one-environment change is
 *    reported with NO lock in policy config, and the published library / ready pack carry no lock;
 *  - a secret never reaches the lock or a message: plans whose secret carries its plaintext (as the engine sends it to
 *    an analyzer, and as the SDK's mock monitor lifts it to the whole env var map) lock the variable as `[secret]`,
 *    and the pack, which the policy SDK hands every secret as plaintext, compares it by presence only.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { lockFromSnapshots, serialiseLock, withLockConfig, type ParityLock } from "../../consistency-rules/src/lock";
import type { Snapshot } from "../../consistency-rules/src/model";
import { loadRules } from "../../consistency-rules/src/rules";
import { SECRET_SIG, SIG_KEY } from "../../consistency-rules/src/sentinels";
import { startPack, type PackSession } from "../../policy-pack/harness";
import { cli } from "../cli/run-cli";
import { buildPack, PACK_DIR } from "../policy-pack/fixtures";
import { ROOT } from "./mutate";

jest.setTimeout(300_000);

const ENVS = ["dev", "staging", "prod"] as const;
const RULES = loadRules(path.join(ROOT, "consistency-rules/data-platform.rules.json"));
const LOCK_FILE = path.join(ROOT, "consistency-rules/data-platform.parity-lock.json");
const VALIDATOR = /^[a-z]+-ingest-validator-function$/;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "parity-pack-lock-"));
const plans: Record<string, Snapshot> = {};
let pack: { session: PackSession };

beforeAll(async () => {
  buildPack();
  for (const env of ENVS) {
    const out = path.join(tmp, `${env}.json`);
    const r = await cli(["plan", ROOT, "-s", env, "-o", out, "-q"]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    plans[env] = (JSON.parse(fs.readFileSync(out, "utf8")) as { snapshot: Snapshot }).snapshot;
  }
  pack = { session: await startPack({ packDir: PACK_DIR }) };
});
afterAll(async () => {
  await pack?.session.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
/** The snapshot with the validator function edited (its inputs and its outputs). */
type Editable = { props: Record<string, unknown>; outputs?: Record<string, unknown> };
function editValidator(s: Snapshot, edit: (r: Editable) => void): Snapshot {
  const out = copy(s);
  const fn = out.resources.find((r) => r.type === "aws:lambda/function:Function" && VALIDATOR.test(r.name));
  if (!fn) throw new Error("no validator function in the plan");
  edit(fn as unknown as Editable);
  return out;
}
async function packMessages(s: Snapshot, config: Record<string, unknown>): Promise<string[]> {
  await pack.session.configure(config as Parameters<PackSession["configure"]>[0]);
  const found = await pack.session.analyzeSnapshot(s, { tags: { "env-parity:environment": s.context.env } });
  return found.filter((f) => f.status === "fail" || f.status === "indeterminate").map((f) => f.message);
}

describe("this repository's pack carries the locks (no lock in policy config)", () => {
  test("the unmutated staging plan passes; a handler changed in staging only is a lock mismatch naming both values", async () => {
    expect((await packMessages(plans.staging, {})).filter((m) => /parity-lock-/.test(m))).toEqual([]);
    const mutated = editValidator(plans.staging, (r) => {
      r.props.handler = "index.mutated";
      if (r.outputs) r.outputs.handler = "index.mutated";
    });
    expect(await packMessages(mutated, {})).toContain(
      'parity-lock-mismatch: env-parity:processing:ValidatorFunction$aws:lambda/function:Function::ingest-validator-function: handler is "index.mutated" in staging; the lock says "index.handler" (parity-lock-mismatch)',
    );
  });
  test("only the repository's own pack bundles them: the published library and the ready pack carry no lock", () => {
    const hashes = [LOCK_FILE, path.join(ROOT, "examples/payments/consistency-rules/payments.parity-lock.json")].map(
      (f) => (JSON.parse(fs.readFileSync(f, "utf8")) as ParityLock).hash,
    );
    const own = fs.readFileSync(path.join(PACK_DIR, "dist/index.js"), "utf8");
    for (const h of hashes) expect(own).toContain(h);
    for (const published of [path.join(ROOT, "dist/policy/index.js"), path.join(ROOT, "policy-pack/ready/index.js")]) {
      if (!fs.existsSync(published)) continue; // dist/policy exists after `npm run build`
      const text = fs.readFileSync(published, "utf8");
      for (const h of hashes) expect(text).not.toContain(h);
      expect(text).not.toContain("ingest-validator-function");
    }
  });
});

describe("a secret never reaches the lock or a message", () => {
  const plain = (env: string) => `pl41nt3xt-${env}-token`;
  /** The token with its plaintext, as the engine has it: nested in the inputs, the whole map secret in the mock's outputs. */
  const withPlaintext = (s: Snapshot, token: string | undefined, extra: Record<string, string> = {}) =>
    editValidator(s, (r) => {
      const vars = (r.props.environment as { variables: Record<string, unknown> }).variables;
      if (token === undefined) delete vars.VALIDATOR_API_TOKEN;
      else vars.VALIDATOR_API_TOKEN = { [SIG_KEY]: SECRET_SIG, value: token };
      Object.assign(vars, extra);
      const plainVars = Object.fromEntries(
        Object.entries(vars).map(([k, v]) => [k, k === "VALIDATOR_API_TOKEN" ? token : v]),
      );
      // no secret variable left: the mock's output is not secret either (it lifts a nested secret, none here)
      const environment = { variables: plainVars };
      r.outputs = {
        ...r.outputs,
        environment: token === undefined ? environment : { [SIG_KEY]: SECRET_SIG, value: environment },
      };
    });
  let lock: ParityLock;
  beforeAll(() => {
    lock = lockFromSnapshots(
      ENVS.map((e) => withPlaintext(plans[e], plain(e))),
      RULES,
    );
  });

  test("the lock has the variable as [secret], its neighbours by value, no plaintext", () => {
    const text = serialiseLock(lock);
    for (const e of ENVS) expect(text).not.toContain(plain(e));
    expect(text).not.toContain("pl41nt3xt");
    const fn =
      lock.resources["env-parity:processing:ValidatorFunction$aws:lambda/function:Function::ingest-validator-function"];
    expect(fn.props["environment.variables.VALIDATOR_API_TOKEN"]).toBe("[secret]");
    expect(fn.props["environment.variables.MAX_RECORD_BYTES"]).toBe("262144");
    expect(fn.props.environment).toBeUndefined();
    // the committed lock is the same shape (built from plans, which never carry a secret's value)
    const committed = fs.readFileSync(LOCK_FILE, "utf8");
    expect(committed).toContain('"environment.variables.VALIDATOR_API_TOKEN": "[secret]"');
    expect(committed).not.toMatch(/"environment": "\[secret\]"/);
  });

  test("the pack, handed the plaintext: another secret value is no difference, an added variable is, nothing prints the secret", async () => {
    const config = withLockConfig({}, lock);
    const same = await packMessages(withPlaintext(plans.staging, plain("staging")), config);
    expect(same.filter((m) => /parity-lock-/.test(m))).toEqual([]);
    const changed = await packMessages(
      withPlaintext(plans.staging, "pl41nt3xt-rotated", { MUTATED_FLAG: "1" }),
      config,
    );
    expect(changed.filter((m) => /parity-lock-/.test(m))).toEqual([
      'parity-lock-mismatch: env-parity:processing:ValidatorFunction$aws:lambda/function:Function::ingest-validator-function: environment.variables.MUTATED_FLAG is "1" in staging; the lock has no value there (not agreed by all environments) (parity-lock-mismatch)',
    ]);
    const removed = await packMessages(withPlaintext(plans.staging, undefined), config);
    expect(removed.filter((m) => /parity-lock-/.test(m))).toEqual([
      "parity-lock-mismatch: env-parity:processing:ValidatorFunction$aws:lambda/function:Function::ingest-validator-function: environment.variables.VALIDATOR_API_TOKEN is <absent> in staging; the lock says [secret] (a secret in every other environment) (parity-lock-mismatch)",
    ]);
    for (const m of [...same, ...changed, ...removed]) expect(m).not.toContain("pl41nt3xt");
  });
});
