/**
 * The parity lock end to end, as a user runs it: `parity check --pack-only` (the pack alone, started as the engine
 * starts it, the lock in its policy config) on copies of the reference project and examples/payments where one
 * environment changed — a property, an env var, a tag, a resource added, one removed, a parent — and `parity check`
 * on copies where every environment changed the same way (a stale lock). The committed locks must be current.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  buildLock,
  diffLocks,
  lockFromSnapshots,
  parseLock,
  serialiseLock,
  type ParityLock,
} from "../../consistency-rules/src/lock";
import { loadRules } from "../../consistency-rules/src/rules";
import { cli } from "../cli/run-cli";
import { buildPack } from "../policy-pack/fixtures";
import { mutatedCopy, ROOT } from "./mutate";

jest.setTimeout(300_000);
// The pack as it is now (the CLI starts policy-pack/dist): a bundle built before the lock code changed proves nothing.
beforeAll(() => buildPack());

interface Finding {
  ruleId: string;
  status: string;
  message: string;
  environments: string[];
  path?: string;
}
const PAYMENTS = path.join(ROOT, "examples/payments");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

async function findings(args: string[]): Promise<{ code: number; findings: Finding[]; stderr: string }> {
  const r = await cli([...args, "--format", "json"]);
  // the JSON report has one entry per cause; the findings it stands for are in `related`
  const causes = r.stdout ? (JSON.parse(r.stdout) as { findings: (Finding & { related?: Finding[] })[] }).findings : [];
  return {
    code: r.code,
    stderr: r.stderr,
    findings: causes.flatMap(({ related, ...f }) => [f as Finding, ...(related ?? [])]),
  };
}
const failing = (fs: Finding[]) =>
  fs
    .filter((f) => f.status === "fail" || f.status === "indeterminate")
    .map((f) => `${f.status} ${f.environments.join(",")} ${f.message}`);

// Each mutation, in one stack (staging) or in all, and the message the pack / the stale lock must give for it.
const dataPlatform = (stacks: string[]) =>
  mutatedCopy(ROOT, "infra/index.ts", {
    stacks,
    handler: "index.mutated",
    tag: ["Mutated", "yes"],
    // env vars of the validator, whose map also holds a secret (VALIDATOR_API_TOKEN): one added, one removed, and
    // one changed through the stack file (below)
    envVar: ["MUTATED_FLAG", "1"],
    removeEnvVars: ["MAX_RECORD_BYTES"],
    addQueue: "mutated-queue",
    copy: ["infra", "package.json"],
    sourceEdits: {
      // a parent: the tasks DLQ leaves its Messaging component for the stack
      "infra/components/messaging.ts": (t) =>
        t.replace(
          /(naming\.resource\("tasks-dlq"\),[\s\S]*?tags: args\.tags,\s*\},\s*)\{ parent: this \}/,
          "$1{ parent: __COND__ ? undefined : this }",
        ),
    },
    // a removal: the second alert subscription goes with its address (dev has none); a changed env var
    stackFiles: Object.fromEntries(
      stacks.map((s) => [
        s,
        (t: string) => {
          const v3 = t.replace(
            "SCHEMA_REGISTRY_URL: https://schemas.example.com/v2",
            "SCHEMA_REGISTRY_URL: https://schemas.example.com/v3",
          );
          return s === "dev" ? v3 : v3.replace("    - data-oncall@example.com\n", "");
        },
      ]),
    ),
  });

const payments = (stacks: string[]) =>
  mutatedCopy(PAYMENTS, "index.ts", {
    stacks,
    handler: "index.mutated",
    tag: ["Mutated", "yes"],
    envVar: ["MUTATED_FLAG", "1"],
    addQueue: "mutated-queue",
    // a parent: the VPC-access policy leaves its FunctionRole for the stack (the program copied; the rest stays put)
    copy: ["index.ts"],
    sourceEdits: {
      "index.ts": (t) =>
        t
          .replace("  { parent: role },", "  { parent: __COND__ ? undefined : role },")
          .replace('from "./config"', `from ${JSON.stringify(path.join(PAYMENTS, "config"))}`)
          .replace('path.join(__dirname, "functions"', `path.join(${JSON.stringify(PAYMENTS)}, "functions"`)
          .replace('path.resolve(__dirname, "../..")', JSON.stringify(ROOT)),
    },
    // a removal: the database CPU alarm exists where the stack sets a threshold (staging, prod)
    stackFiles: Object.fromEntries(
      stacks
        .filter((s) => s !== "dev")
        .map((s) => [s, (t: string) => t.replace(/^ {2}payments:dbCpuAlarmThresholdPercent: \d+\n/m, "")]),
    ),
  });

describe.each([
  ["the reference stacks", ROOT],
  ["examples/payments", PAYMENTS],
])("%s unmutated", (_name, dir) => {
  test("pass the pack with the lock in every environment, 0 indeterminates (also under --strict)", async () => {
    for (const extra of [[], ["--strict"]]) {
      const r = await findings(["check", dir, "--pack-only", ...extra]);
      expect(failing(r.findings)).toEqual([]);
      expect([r.code, r.stderr]).toEqual([0, ""]);
    }
  });
  test("the committed lock is current (parity check reports no stale lock)", async () => {
    const r = await findings(["check", dir]);
    expect(r.findings.filter((f) => f.ruleId === "parity-lock-stale").map((f) => f.message)).toEqual([]);
  });
});

describe("the reference stacks, one environment (staging) mutated: the pack alone catches each change", () => {
  let r: Awaited<ReturnType<typeof findings>>;
  beforeAll(async () => {
    const dir = dataPlatform(["staging"]);
    dirs.push(dir);
    r = await findings(["check", dir, "--pack-only"]);
  });
  const lockMessages = () =>
    r.findings.filter((f) => /parity-lock-/.test(f.message)).map((f) => `${f.environments.join(",")} ${f.message}`);
  test("exit 1, only staging", () => {
    expect(r.code).toBe(1);
    expect(new Set(r.findings.filter((f) => /parity-lock-/.test(f.message)).flatMap((f) => f.environments))).toEqual(
      new Set(["staging"]),
    );
  });
  test("a property: resource, path, value here, locked value", () => {
    expect(lockMessages()).toContain(
      'staging parity-lock-mismatch: env-parity:processing:ValidatorFunction$aws:lambda/function:Function::ingest-validator-function: handler is "index.mutated" in staging; the lock says "index.handler" (parity-lock-mismatch)',
    );
  });
  test("a tag", () => {
    expect(lockMessages()).toContainEqual(
      expect.stringMatching(
        /ingest-validator-function: tags\.Mutated is "yes" in staging; the lock has no value there/,
      ),
    );
  });
  test("env vars beside a secret one: added, removed, changed — each by name and value; the secret one never", () => {
    const fn = "env-parity:processing:ValidatorFunction$aws:lambda/function:Function::ingest-validator-function";
    expect(lockMessages()).toEqual(
      expect.arrayContaining([
        `staging parity-lock-mismatch: ${fn}: environment.variables.MUTATED_FLAG is "1" in staging; the lock has no value there (not agreed by all environments) (parity-lock-mismatch)`,
        `staging parity-lock-mismatch: ${fn}: environment.variables.MAX_RECORD_BYTES is <absent> in staging; the lock says "262144" (parity-lock-mismatch)`,
        `staging parity-lock-mismatch: ${fn}: environment.variables.SCHEMA_REGISTRY_URL is "https://schemas.example.com/v3" in staging; the lock says "https://schemas.example.com/v2" (parity-lock-mismatch)`,
      ]),
    );
    expect(lockMessages().filter((m) => /VALIDATOR_API_TOKEN|\benvironment is\b/.test(m))).toEqual([]);
  });
  test("a resource added", () => {
    expect(lockMessages()).toContainEqual(
      expect.stringMatching(
        /pulumi:pulumi:Stack\$aws:sqs\/queue:Queue::mutated-queue exists in staging; the lock expects it in no environment \(parity-lock-inventory\)/,
      ),
    );
  });
  test("a resource removed", () => {
    expect(lockMessages()).toContainEqual(
      expect.stringMatching(
        /TopicSubscription::ingest-alerts-email-1 is missing in staging; the lock expects it in staging, prod \(parity-lock-inventory\)/,
      ),
    );
  });
  test("a parent (the identity moves: the old one is missing, the new one unexpected)", () => {
    expect(lockMessages()).toContainEqual(
      expect.stringMatching(/Messaging\$aws:sqs\/queue:Queue::ingest-tasks-dlq is missing in staging/),
    );
    expect(lockMessages()).toContainEqual(
      expect.stringMatching(
        /pulumi:pulumi:Stack\$aws:sqs\/queue:Queue::ingest-tasks-dlq exists in staging; the lock expects it in no environment/,
      ),
    );
  });
});

describe("examples/payments, one environment (staging) mutated: the pack alone catches each change", () => {
  let r: Awaited<ReturnType<typeof findings>>;
  beforeAll(async () => {
    const dir = payments(["staging"]);
    dirs.push(dir);
    r = await findings(["check", dir, "--pack-only"]);
  });
  const lockMessages = () => r.findings.filter((f) => /parity-lock-/.test(f.message)).map((f) => f.message);
  test("a parent (the identity moves) and a resource removed", () => {
    expect(lockMessages()).toContainEqual(
      expect.stringMatching(
        /^parity-lock-inventory: env-parity:iam:FunctionRole\$aws:iam\/rolePolicy:RolePolicy::payments-payment-role-vpc-access is missing in staging; the lock expects it in dev, staging, prod/,
      ),
    );
    expect(lockMessages()).toContainEqual(
      expect.stringMatching(
        /pulumi:pulumi:Stack\$aws:iam\/rolePolicy:RolePolicy::payments-payment-role-vpc-access exists in staging; the lock expects it in no environment \(parity-lock-inventory\)/,
      ),
    );
    expect(lockMessages()).toContainEqual(
      expect.stringMatching(
        /MetricAlarm::payments-db-cpu-alarm is missing in staging; the lock expects it in staging, prod \(parity-lock-inventory\)/,
      ),
    );
    expect(new Set(r.findings.filter((f) => /parity-lock-/.test(f.message)).flatMap((f) => f.environments))).toEqual(
      new Set(["staging"]),
    );
  });
  test("exit 1; a property, an env var, a tag, a resource added", () => {
    expect(r.code).toBe(1);
    expect(lockMessages()).toContainEqual(
      expect.stringMatching(
        /Function::payments-payment-function: handler is "index\.mutated" in staging; the lock says "index\.handler"/,
      ),
    );
    expect(lockMessages()).toContainEqual(
      expect.stringMatching(
        /Function::payments-payment-function: environment\.variables\.MUTATED_FLAG is "1" in staging; the lock has no value there/,
      ),
    );
    expect(lockMessages()).toContainEqual(
      expect.stringMatching(/Function::payments-payment-function: tags\.Mutated is "yes" in staging/),
    );
    expect(lockMessages()).toContainEqual(
      expect.stringMatching(/Queue::mutated-queue exists in staging; the lock expects it in no environment/),
    );
  });
});

describe("the same mutations in every environment: parity check fails on a stale lock, naming each change", () => {
  test("the reference stacks", async () => {
    const dir = dataPlatform(["dev", "staging", "prod"]);
    dirs.push(dir);
    const r = await findings(["check", dir, "--no-pack"]);
    expect(r.code).toBe(1);
    const stale = r.findings.filter((f) => f.ruleId === "parity-lock-stale").map((f) => f.message);
    expect(stale).toContainEqual(
      expect.stringMatching(/ingest-validator-function: handler: "index\.handler" → "index\.mutated"/),
    );
    expect(stale).toContainEqual(expect.stringMatching(/ingest-validator-function: tags\.Mutated: not locked → "yes"/));
    expect(stale).toContainEqual(expect.stringMatching(/Queue::mutated-queue: new resource \(in dev, staging, prod\)/));
    expect(stale).toContainEqual(
      expect.stringMatching(/TopicSubscription::ingest-alerts-email-1: removed \(was in staging, prod\)/),
    );
    expect(stale).toContainEqual(expect.stringMatching(/Messaging\$aws:sqs\/queue:Queue::ingest-tasks-dlq: removed/));
    expect(stale).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/ingest-validator-function: environment\.variables\.MUTATED_FLAG: not locked → "1"/),
        expect.stringMatching(
          /ingest-validator-function: environment\.variables\.MAX_RECORD_BYTES: "262144" → no longer agreed/,
        ),
        expect.stringMatching(
          /ingest-validator-function: environment\.variables\.SCHEMA_REGISTRY_URL: "https:\/\/schemas\.example\.com\/v2" → "https:\/\/schemas\.example\.com\/v3"/,
        ),
      ]),
    );
    // `parity lock` rewrites it; then the gate has no stale lock
    expect((await cli(["lock", dir])).code).toBe(0);
    const again = await findings(["check", dir, "--no-pack"]);
    expect(again.findings.filter((f) => f.ruleId === "parity-lock-stale")).toEqual([]);
  });
  test("examples/payments", async () => {
    const dir = payments(["dev", "staging", "prod"]);
    dirs.push(dir);
    const r = await findings(["check", dir, "--no-pack"]);
    expect(r.code).toBe(1);
    const stale = r.findings.filter((f) => f.ruleId === "parity-lock-stale").map((f) => f.message);
    expect(stale).toContainEqual(
      expect.stringMatching(/payments-payment-function: environment\.variables\.MUTATED_FLAG: not locked → "1"/),
    );
    expect(stale).toContainEqual(
      expect.stringMatching(/payments-payment-function: handler: "index\.handler" → "index\.mutated"/),
    );
    expect(stale).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /FunctionRole\$aws:iam\/rolePolicy:RolePolicy::payments-payment-role-vpc-access: removed/,
        ),
        expect.stringMatching(
          /pulumi:pulumi:Stack\$aws:iam\/rolePolicy:RolePolicy::payments-payment-role-vpc-access: new resource \(in dev, staging, prod\)/,
        ),
        expect.stringMatching(/MetricAlarm::payments-db-cpu-alarm: removed \(was in staging, prod\)/),
        expect.stringMatching(/Function::payments-payment-function: tags\.Mutated: not locked → "yes"/),
        expect.stringMatching(/Queue::mutated-queue: new resource \(in dev, staging, prod\)/),
      ]),
    );
  });
});

describe("the lock file", () => {
  const file = path.join(ROOT, "consistency-rules/data-platform.parity-lock.json");
  const lock = JSON.parse(fs.readFileSync(file, "utf8")) as ParityLock;
  test("is what serialiseLock writes (sorted keys, one leaf per line) and its hash matches", () => {
    expect(serialiseLock(parseLock(lock, file))).toBe(fs.readFileSync(file, "utf8"));
  });
  test("a hand edit is bad input naming the file and the field", () => {
    const edited = JSON.parse(JSON.stringify(lock)) as {
      resources: Record<string, { props: Record<string, unknown> }>;
    };
    const key = Object.keys(edited.resources)[0];
    edited.resources[key].props.x = 1;
    expect(() => parseLock(edited, "x.parity-lock.json")).toThrow(
      /^x\.parity-lock\.json: hash does not match the content/,
    );
    expect(() => parseLock({ ...lock, version: 2 }, "x.parity-lock.json")).toThrow(
      /^x\.parity-lock\.json: version must be 1/,
    );
  });
  test("one value changed in every environment is one changed line in the file and one line of diff", () => {
    const rules = loadRules(path.join(ROOT, "consistency-rules/data-platform.rules.json"));
    const snap = (env: string, timeout: number) => ({
      context: { env, stack: env, project: "data-platform" },
      source: "plan" as const,
      origin: env,
      resources: [
        {
          urn: `urn:pulumi:${env}::data-platform::aws:sqs/queue:Queue::${env}-ingest-q`,
          type: "aws:sqs/queue:Queue",
          name: `${env}-ingest-q`,
          custom: true,
          dependencies: [],
          props: { visibilityTimeoutSeconds: timeout, name: `${env}-ingest-q` },
        },
      ],
    });
    const a = lockFromSnapshots(
      ["dev", "staging", "prod"].map((e) => snap(e, 60)),
      rules,
    );
    const b = lockFromSnapshots(
      ["dev", "staging", "prod"].map((e) => snap(e, 90)),
      rules,
    );
    expect(serialiseLock(a)).toBe(
      serialiseLock(
        lockFromSnapshots(
          ["dev", "staging", "prod"].map((e) => snap(e, 60)),
          rules,
        ),
      ),
    ); // deterministic
    const la = serialiseLock(a).split("\n");
    const lb = serialiseLock(b).split("\n");
    const changed = la.filter((l, i) => l !== lb[i]);
    expect(changed.filter((l) => !/"hash"/.test(l))).toEqual(['        "visibilityTimeoutSeconds": 60']);
    expect(diffLocks(a, b)).toEqual(["aws:sqs/queue:Queue::ingest-q: visibilityTimeoutSeconds: 60 → 90"]);
    expect(buildLock([], rules).resources).toEqual({});
  });
});

describe("parity lock --export", () => {
  const exp = (e: string) => `${e}=${path.join(ROOT, `test/fixtures/exports/${e}.json`)}`;
  test("builds the lock from one stack export per environment", async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "parity-lock-out-")), "x.parity-lock.json");
    dirs.push(path.dirname(out));
    const r = await cli(["lock", ROOT, "--export", exp("dev"), exp("staging"), exp("prod"), "--out", out]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    const lock = parseLock(JSON.parse(fs.readFileSync(out, "utf8")), out);
    expect(Object.keys(lock.resources).length).toBeGreaterThan(5);
    expect(Object.values(lock.resources).every((x) => x.in.length > 0)).toBe(true);
  });
  test("an environment without an export is a usage error (exit 2, one line)", async () => {
    const r = await cli(["lock", ROOT, "--export", exp("dev"), "--out", "/nonexistent/x.json"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("parity: --export: no export for staging, prod (give one env=file per environment)\n");
  });
});
