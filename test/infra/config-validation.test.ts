/**
 * Stack config validation through the real program: a copy of Pulumi.dev.yaml with one mistake, planned offline,
 * must fail with the exact one-line message(s) (InputErrors), never a stack trace.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Document, parseDocument } from "yaml";
import { planAll, planStacks } from "../../cli/sources/plan";
import type { Snapshot } from "../../consistency-rules/src/model";
import { InputErrors } from "../../consistency-rules/src/errors";

const ROOT = path.resolve(__dirname, "../..");
let tmpRoot: string;

beforeAll(() => {
  // Under the repository so the project resolves the repository's node_modules, as a real project would its own.
  tmpRoot = fs.mkdtempSync(path.join(ROOT, "test/infra/.tmp-config-"));
});
afterAll(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

let counter = 0;
/** A project that runs the real infra/ program with Pulumi.dev.yaml edited by `edit`. */
function projectWith(edit: (config: Record<string, unknown>) => void): string {
  const dir = path.join(tmpRoot, `p${counter++}`);
  fs.mkdirSync(dir);
  fs.writeFileSync(
    path.join(dir, "Pulumi.yaml"),
    `name: data-platform\nruntime: nodejs\nmain: ${path.join(ROOT, "infra")}/\n`,
  );
  fs.copyFileSync(path.join(ROOT, "tsconfig.json"), path.join(dir, "tsconfig.json"));
  const doc = parseDocument(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8"));
  const js = doc.toJS() as { config: Record<string, unknown> };
  edit(js.config);
  fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), new Document(js).toString());
  return dir;
}

function planError(result: PromiseSettledResult<Snapshot>): InputErrors {
  if (result.status === "fulfilled") throw new Error("planning succeeded, expected config errors");
  expect(result.reason).toBeInstanceOf(InputErrors);
  expect((result.reason as Error).message).not.toMatch(/\n\s+at /); // no stack trace
  return result.reason as InputErrors;
}

const CASES: [string, (c: Record<string, unknown>) => void, string[]][] = [
  [
    "wrong type",
    (c) => (c["data-platform:lambdaMemoryMb"] = "lots"),
    ['data-platform:lambdaMemoryMb must be one of 128..10240, got "lots"'],
  ],
  [
    "out of range",
    (c) => (c["data-platform:lambdaTimeoutSec"] = 900),
    ["data-platform:lambdaTimeoutSec must be one of 1..300, got 900"],
  ],
  ["missing key", (c) => delete c["data-platform:team"], ["data-platform:team is required"]],
  [
    "bad CIDR",
    (c) => (c["data-platform:vpcCidr"] = "10.0.0.0/33"),
    ['data-platform:vpcCidr must be a valid ipv4-cidr, got "10.0.0.0/33"'],
  ],
  [
    "bad email",
    (c) => (c["data-platform:alertEmails"] = ["oncall@example.com", "not-an-email"]),
    ['data-platform:alertEmails[1] must be a valid email, got "not-an-email"'],
  ],
  [
    "not a CloudWatch retention",
    (c) => (c["data-platform:logRetentionDays"] = 10),
    [
      "data-platform:logRetentionDays must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653, got 10",
    ],
  ],
  ["unknown key", (c) => (c["data-platform:lambdaMemory"] = 512), ["data-platform:lambdaMemory is not a known key"]],
  [
    "secret in plain text",
    (c) => (c["data-platform:validatorApiToken"] = "hunter2"),
    ["data-platform:validatorApiToken must be a secret (set it with `pulumi config set --secret`)"],
  ],
  [
    "missing region",
    (c) => delete c["aws:region"],
    ['aws:region is required (environment dev has region "us-east-2" in data-platform.rules.json)'],
  ],
  [
    "account of another environment",
    (c) => (c["data-platform:accountId"] = "333333333333"),
    [
      'data-platform:accountId must be "111111111111" (environment dev in data-platform.rules.json), got "333333333333"',
    ],
  ],
  [
    "two mistakes, two lines",
    (c) => {
      c["data-platform:xrayTracing"] = "yes";
      c["data-platform:sseAlgorithm"] = "DES";
    },
    [
      'data-platform:xrayTracing must be boolean, got "yes"',
      'data-platform:sseAlgorithm must be one of "aws:kms", "AES256", got "DES"',
    ],
  ],
];

describe("config validation through the program", () => {
  let dirs: string[];
  let results: PromiseSettledResult<Snapshot>[];
  beforeAll(async () => {
    // All cases in one worker, one after the other, as the planner batches stacks.
    dirs = CASES.map(([, edit]) => projectWith(edit));
    results = await planAll(dirs.map((projectDir) => ({ projectDir, stack: "dev" })));
  }, 120_000);

  test.each(CASES.map((c, i) => [...c, i] as const))("%s", (_name, _edit, lines, i) => {
    const dir = dirs[i];
    const err = planError(results[i]);
    const file = path.join(dir, "Pulumi.dev.yaml");
    expect(err.message.split("\n").sort()).toEqual(lines.map((l) => `${file}: ${l}`).sort());
    expect(err.errors.every((e) => e.file === file)).toBe(true);
    expect(err.message).not.toContain("hunter2");
  });

  test("the reference stacks pass", async () => {
    await expect(planStacks(ROOT, ["dev", "staging", "prod"])).resolves.toHaveLength(3);
  });
});
