/* eslint-disable @typescript-eslint/no-explicit-any -- the cases rewrite parsed third-party JSON of every shape */
/**
 * The corpus of real files (test/fixtures/real, origin and licence in its README): every file is read, or rejected
 * with the one-line reason that names its kind; none gives exit 70. Environment pairs are derived from them: the same
 * deployment under another (dashed) stack name must diff clean, one injected drift must be caught, and no secret
 * (ciphertext, or the plaintext a `b64` ciphertext encodes) may appear in any format.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readAnySnapshot } from "../../cli/sources/detect";
import { stackIsEnvironment } from "../../cli/util/environment";
import { binParity, cli, fx } from "./run-cli";

const REAL = fx("real");
const real = (...p: string[]) => path.join(REAL, ...p);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parity-real-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** Writes `text` as `name` in a fresh directory (with the given siblings) and returns its path. */
function write(name: string, text: string, siblings: Record<string, string> = {}): string {
  const sub = path.join(dir, String(n++));
  fs.mkdirSync(sub);
  for (const [k, v] of Object.entries(siblings)) fs.writeFileSync(path.join(sub, k), v);
  fs.writeFileSync(path.join(sub, name), text);
  return path.join(sub, name);
}

/**
 * The same deployment as the stack `to` would have it: every URN's stack renamed, and the names the program derived
 * from the stack name (`pulumi-<stack>-log-collector`, in names, ids and ARNs) renamed with it.
 */
function renamed(file: string, from: string, to: string, edit?: (doc: any) => void): string {
  let text = fs
    .readFileSync(file, "utf8")
    .split(`urn:pulumi:${from}::`)
    .join(`urn:pulumi:${to}::`)
    .split(`pulumi-${from}-`)
    .join(`pulumi-${to}-`);
  if (edit) {
    const doc = JSON.parse(text);
    edit(doc);
    text = JSON.stringify(doc, null, 2);
  }
  return write(`${path.basename(file, ".json")}-${to}.json`, text);
}

const COUNTDOWN = real("countdown.rules.json");
const FORMATS = ["table", "json", "markdown", "sarif"];

describe("every corpus file is read or rejected with its reason (never exit 70)", () => {
  const readable = ["checkpoint-v1.json", "checkpoint-v3.json", "checkpoint-v4.json", "checkpoint-secrets.json"];
  test.each(readable)(
    "%s is read (diffed against itself under a dashed stack name: exit 0 or 1, never 2 or 70)",
    async (f) => {
      const file = real("pulumi", f);
      const r = await cli([
        "diff",
        file,
        renamed(file, "foo", "shop-prd-eu"),
        "--rules",
        COUNTDOWN,
        "--format",
        "json",
      ]);
      expect(r.stderr).toBe("");
      expect([0, 1]).toContain(r.code);
      expect(JSON.parse(r.stdout).summary.exitCode).toBe(r.code);
      // every resource the file records is read (v1–v4: 30 resources, none pending deletion)
      const s = readAnySnapshot(file, { resolveEnvironment: stackIsEnvironment });
      expect({ stack: s.context.stack, project: s.context.project, resources: s.resources.length }).toEqual({
        stack: "foo",
        project: "countdown",
        resources: 30,
      });
    },
  );

  test("checkpoint-v0.json (schema v0, no version) → exit 2, one line naming the kind and what to run", async () => {
    const file = real("pulumi", "checkpoint-v0.json");
    const r = await cli(["diff", file, real("pulumi", "checkpoint-v3.json"), "--rules", COUNTDOWN]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^parity: [^\n]*checkpoint-v0\.json: target is a version-0 state checkpoint .*`pulumi stack export`[^\n]*\n$/,
    );
  });

  test.each(["events-stack-output-resource-diff.json", "events-aliases-t1-preview.json"])(
    "%s (an engine event stream) → exit 2, one line naming it and --show-sames",
    async (f) => {
      const r = await cli(["diff", real("pulumi", f), real("pulumi", "checkpoint-v3.json"), "--rules", COUNTDOWN]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /^parity: [^\n]*: is a Pulumi engine event stream .*`pulumi preview --json --show-sames`\n$/,
      );
    },
  );

  test("checkpoint-v4-unsupported-feature.json → exit 2, one line naming the feature", async () => {
    const file = real("pulumi", "checkpoint-v4-unsupported-feature.json");
    const r = await cli(["diff", file, real("pulumi", "checkpoint-v3.json"), "--rules", COUNTDOWN]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^parity: [^\n]*: features needs deployment features this reader does not know \("unsupported-feature"\)[^\n]*\n$/,
    );
  });

  test.each([
    ["nested_config", "Pulumi.dev.yaml", "dev"],
    ["testproj", "Pulumi.int_test_983828.yaml", "int_test_983828"],
  ])("%s/%s (stack config) is read and diffs clean against itself under another stack name", async (proj, name) => {
    const file = real("pulumi", proj, name);
    const copy = write("Pulumi.shop-prd-eu.yaml", fs.readFileSync(file, "utf8"), {
      "Pulumi.yaml": fs.readFileSync(real("pulumi", proj, "Pulumi.yaml"), "utf8"),
    });
    const r = await cli(["diff", file, copy, "--rules", real(`${proj}.rules.json`)]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
});

describe("environment pairs derived from real checkpoints", () => {
  const v3 = real("pulumi", "checkpoint-v3.json");

  test("the same deployment under a dashed stack name diffs clean (exit 0)", async () => {
    const r = await cli(["diff", v3, renamed(v3, "foo", "shop-prd-eu"), "--rules", COUNTDOWN]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  test("one injected drift (another memory size on a Lambda) → exit 1 naming the resource and the property", async () => {
    const fnOf = (doc: any) =>
      doc.checkpoint.latest.resources.find((x: any) => x.type === "aws:lambda/function:Function");
    const drifted = renamed(v3, "foo", "shop-prd-eu", (doc) => {
      const fn = fnOf(doc);
      fn.inputs.memorySize = 2048;
    });
    const name = fnOf(JSON.parse(fs.readFileSync(v3, "utf8")))
      .urn.split("::")
      .pop();
    const r = await cli(["diff", v3, drifted, "--rules", COUNTDOWN, "--format", "json"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("memorySize");
    expect(r.stdout).toContain(name);
  });

  test("v4 (a features list) reads as the same stack as v3 (exit 0)", async () => {
    const r = await cli([
      "diff",
      v3,
      renamed(real("pulumi", "checkpoint-v4.json"), "foo", "shop-prd-eu"),
      "--rules",
      COUNTDOWN,
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  test("no secret from either side appears in any format (b64 ciphertexts and the plaintexts they encode)", async () => {
    const file = real("pulumi", "checkpoint-secrets.json");
    const text = fs.readFileSync(file, "utf8");
    const ciphertexts = [...text.matchAll(/"ciphertext": "([^"]+)"/g)].map((m) => m[1]);
    expect(ciphertexts.length).toBeGreaterThan(0);
    // A changed secret on the other side: the difference is reported as [secret], never by value.
    const other = renamed(file, "foo", "shop-prd-eu", (doc) => {
      const role = doc.checkpoint.latest.resources.find((x: any) => x.inputs?.assumeRolePolicy?.ciphertext);
      role.inputs.assumeRolePolicy.ciphertext = Buffer.from('"other-plaintext-policy"').toString("base64");
    });
    const plaintexts = ciphertexts.map((c) => Buffer.from(c, "base64").toString("utf8")).filter((p) => p.length > 8);
    for (const format of FORMATS) {
      const r = await cli(["diff", file, other, "--rules", COUNTDOWN, "--format", format]);
      expect({ format, code: r.code }).toEqual({ format, code: r.code === 0 ? 0 : 1 });
      const out = r.stdout + r.stderr;
      for (const c of ciphertexts) expect(out).not.toContain(c);
      for (const p of plaintexts) expect(out).not.toContain(JSON.parse(p));
      expect(out).not.toContain("other-plaintext-policy");
    }
  });

  test("a stack config's secure value is never printed", async () => {
    const file = real("pulumi", "testproj", "Pulumi.int_test_983828.yaml");
    const secure = /secure: (\S+)/.exec(fs.readFileSync(file, "utf8"))![1];
    const copy = write(
      "Pulumi.shop-prd-eu.yaml",
      fs.readFileSync(file, "utf8").replace(secure, "AAABAOtherCiphertextValue0000000000000000000="),
      {
        "Pulumi.yaml": fs.readFileSync(real("pulumi", "testproj", "Pulumi.yaml"), "utf8"),
      },
    );
    for (const format of FORMATS) {
      const r = await cli(["diff", file, copy, "--rules", real("testproj.rules.json"), "--format", format]);
      expect(r.code === 0 || r.code === 1).toBe(true);
      expect(r.stdout + r.stderr).not.toContain(secure);
      expect(r.stdout + r.stderr).not.toContain("AAABAOtherCiphertextValue");
    }
  });
});

describe("pulumi-aws upgrade-test recordings (stack exports, a --save-plan plan)", () => {
  const aws = (f: string) => real("pulumi-aws", f);
  /** The export as stack `shop-prd-eu` would have it: URNs and the root stack's name (`<project>-<stack>`). */
  const asProd = (f: string, project: string, edit?: (doc: any) => void) => {
    const text = fs
      .readFileSync(aws(f), "utf8")
      .split("urn:pulumi:test::")
      .join("urn:pulumi:shop-prd-eu::")
      .split(`::${project}-test"`)
      .join(`::${project}-shop-prd-eu"`);
    const doc = JSON.parse(text);
    edit?.(doc);
    return write(f, JSON.stringify(doc, null, 2));
  };

  test("bucket: `propertyDependencies: { bucket: null }` (a Go nil slice) is read; the same state as another stack diffs clean", async () => {
    const s = readAnySnapshot(aws("bucket-5.42.0-stack.json"), { resolveEnvironment: stackIsEnvironment });
    expect(s.resources.map((r) => r.type)).toEqual([
      "pulumi:pulumi:Stack",
      "pulumi:providers:aws",
      "aws:s3/bucket:Bucket",
    ]);
    const r = await cli([
      "diff",
      aws("bucket-5.42.0-stack.json"),
      asProd("bucket-5.42.0-stack.json", "test"),
      "--rules",
      real("test.rules.json"),
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  test("bucket: an injected drift (acl) → exit 1 naming the bucket and acl", async () => {
    const other = asProd(
      "bucket-5.42.0-stack.json",
      "test",
      (doc) => (doc.deployment.resources[2].inputs.acl = "public-read"),
    );
    const r = await cli([
      "diff",
      aws("bucket-5.42.0-stack.json"),
      other,
      "--rules",
      real("test.rules.json"),
      "--format",
      "json",
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("tested-resource");
    expect(r.stdout).toContain("acl");
  });

  test("secretversion: the plaintext input of an additionalSecretOutputs property is never printed, in any format", async () => {
    const f = "secretversion-5.42.0-stack.json";
    const text = fs.readFileSync(aws(f), "utf8");
    expect(text).toContain('"secretString": "MySecretVersionValue"');
    const other = asProd(
      f,
      "secretversion",
      (doc) => (doc.deployment.resources[3].inputs.secretString = "AnotherPlaintextValue"),
    );
    for (const format of FORMATS) {
      const r = await cli(["diff", aws(f), other, "--rules", real("secretversion.rules.json"), "--format", format]);
      expect(r.code === 0 || r.code === 1).toBe(true);
      const out = r.stdout + r.stderr;
      expect(out).not.toContain("MySecretVersionValue");
      expect(out).not.toContain("AnotherPlaintextValue");
      expect(out).not.toContain("BXTDAGZN80SeGJNxead2Q2dMkw");
    }
  });

  test("a `pulumi preview --save-plan` plan → exit 2, one line naming the kind and what to run instead", async () => {
    const r = await cli([
      "diff",
      aws("openzfs-new-version-plan.json"),
      aws("bucket-5.42.0-stack.json"),
      "--rules",
      real("openzfs.rules.json"),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^parity: [^\n]*openzfs-new-version-plan\.json: resourcePlans is a `pulumi preview --save-plan` update plan, which parity does not compare; write the goal state with `pulumi preview --json --show-sames`[^\n]*\n$/,
    );
  });
});

describe("values at the nesting bound go through the whole pipeline", () => {
  test("an input nested 60 levels deep (under the readers' 64-level bound) is compared: exit 1 naming it, never 70", async () => {
    const v3 = real("pulumi", "checkpoint-v3.json");
    const DEPTH = 60;
    const deep = (leaf: string) => `${'{"a":'.repeat(DEPTH)}"${leaf}"${"}".repeat(DEPTH)}`;
    const withDeep = (file: string, leaf: string) => {
      const doc = JSON.parse(fs.readFileSync(file, "utf8"));
      doc.checkpoint.latest.resources.find((x: any) => x.type === "aws:lambda/function:Function").inputs.deep =
        "__deep__";
      return write(path.basename(file), JSON.stringify(doc).replace('"__deep__"', deep(leaf)));
    };
    const r = await cli([
      "diff",
      withDeep(v3, "one"),
      withDeep(renamed(v3, "foo", "shop-prd-eu"), "two"),
      "--rules",
      COUNTDOWN,
      "--format",
      "json",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("deep.a.a");
  });
});

describe("through the real process (node bin/parity.js; dist built by `npm run build`)", () => {
  /** [dir, file, rules, stack in the file, expected exit]: every corpus file, against itself as stack shop-prd-eu. */
  const corpus: [string, string, string, string, number][] = [
    ["pulumi", "checkpoint-v0.json", "countdown", "foo", 2],
    ["pulumi", "checkpoint-v1.json", "countdown", "foo", 0],
    ["pulumi", "checkpoint-v3.json", "countdown", "foo", 0],
    ["pulumi", "checkpoint-v4.json", "countdown", "foo", 0],
    ["pulumi", "checkpoint-v4-unsupported-feature.json", "countdown", "foo", 2],
    ["pulumi", "checkpoint-secrets.json", "countdown", "foo", 0],
    ["pulumi", "events-stack-output-resource-diff.json", "countdown", "dev", 2],
    ["pulumi", "events-aliases-t1-preview.json", "countdown", "test", 2],
    ["pulumi-aws", "bucket-5.42.0-stack.json", "test", "test", 0],
    ["pulumi-aws", "secretversion-5.42.0-stack.json", "secretversion", "test", 0],
    ["pulumi-aws", "openzfs-new-version-plan.json", "openzfs", "test", 2],
  ];
  test("the table covers every JSON file of the corpus", () => {
    const files = ["pulumi", "pulumi-aws"].flatMap((d) =>
      fs
        .readdirSync(real(d))
        .filter((f) => f.endsWith(".json"))
        .map((f) => `${d}/${f}`),
    );
    expect(corpus.map(([d, f]) => `${d}/${f}`).sort()).toEqual(files.sort());
  });
  test.each(corpus)(
    "%s/%s (rules %s, stack %s) → exit %i, stderr one line at most, never 70",
    (sub, f, rules, stack, code) => {
      const file = real(sub, f);
      const r = binParity(["diff", file, renamed(file, stack, "shop-prd-eu"), "--rules", real(`${rules}.rules.json`)]);
      expect({ code: r.code, stderr: r.stderr }).toEqual({
        code,
        stderr: code === 2 ? expect.stringMatching(/^parity: [^\n]+\n$/) : "",
      });
    },
  );
});

describe("drift injected into a real deployment moved to another account and region", () => {
  const v3 = real("pulumi", "checkpoint-v3.json");
  const RULES2 = real("countdown-accounts.rules.json");
  /** The countdown stack as prod would have it: stack shop-prd-eu, account 444455556666, region eu-west-1. */
  const prod = (edit?: (doc: any) => void) => {
    const text = fs
      .readFileSync(renamed(v3, "foo", "shop-prd-eu"), "utf8")
      .split("153052954103")
      .join("444455556666")
      .split("us-east-2")
      .join("eu-west-1");
    const doc = JSON.parse(text);
    edit?.(doc);
    return write("prod.json", JSON.stringify(doc, null, 2));
  };
  const resources = (doc: any): any[] => doc.checkpoint.latest.resources;
  const watcher = (doc: any) =>
    resources(doc).find((r) => r.type === "aws:lambda/function:Function" && r.urn.endsWith("::countDown_watcher"));

  test("moved whole (own account and region replaced everywhere): exit 0", async () => {
    const r = await cli(["diff", v3, prod(), "--rules", RULES2]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  test("prod's Lambda assumes the dev account's role (cross-environment reference): exit 1 naming role", async () => {
    const other = prod(
      (doc) => (watcher(doc).inputs.role = watcher(doc).inputs.role.replace("444455556666", "153052954103")),
    );
    const r = await cli(["diff", v3, other, "--rules", RULES2, "--format", "json"]);
    expect(r.code).toBe(1);
    const f = JSON.parse(r.stdout).findings.filter((x: any) => x.status === "fail");
    expect(f.some((x: any) => String(x.resource).includes("countDown_watcher") && x.path === "role")).toBe(true);
  });

  test("a re-parented resource: exit 1", async () => {
    const other = prod((doc) => {
      const lg = resources(doc).find(
        (r) => r.type === "aws:cloudwatch/logGroup:LogGroup" && r.urn.endsWith("::heartbeat-func-logs"),
      );
      lg.parent = resources(doc).find(
        (r) => r.type === "cloud:function:Function" && r.urn.endsWith("::countDown_watcher"),
      ).urn;
    });
    const r = await cli(["diff", v3, other, "--rules", RULES2, "--format", "json"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("heartbeat-func-logs");
  });
});
