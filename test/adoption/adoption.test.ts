/**
 * The real install path, as a team adopts env-parity (README "Use env-parity in your project"): `npm pack` this
 * repository, install the tarball into a scratch copy (in os.tmpdir()) of a public Pulumi TypeScript AWS program run
 * as three stacks (test/adoption/fixture, pulumi/examples aws-ts-stepfunctions), then exactly the README's commands:
 * `npx parity init --pack`, `npx parity baseline --owner platform`, `npx parity check` → 0; one unapproved change in
 * one stack → 1 naming it; the pack `init --pack` wrote (built with `envParityPack`) starts under run-policy-pack and
 * reports the same violation. Needs `npm run build` first (CI's `npm ci` runs it) and the registry (or npm's cache).
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startPack } from "../../policy-pack/harness";
import { planAll } from "../../cli/sources/plan";

const ROOT = path.resolve(__dirname, "../..");
const FIXTURE = path.join(__dirname, "fixture/aws-ts-stepfunctions");
const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

function sh(cmd: string, args: string[], cwd: string, timeout = 300_000): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, encoding: "utf8", timeout, env: { ...process.env, NO_COLOR: "1", CI: "true" } });
}
const npx = (dir: string, ...args: string[]) => sh("npx", ["--no-install", ...args], dir);
const out = (r: SpawnSyncReturns<string>) => `${r.stdout}\n${r.stderr}`;

/** The README section's commands (the ```sh block under "Use env-parity in your project"). */
function readmeCommands(): string[] {
  const section = README.split(/^## /m).find((s) => s.startsWith("Use env-parity in your project"));
  const block = section && /```sh\n([\s\S]*?)```/.exec(section);
  return block
    ? block[1]
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l.startsWith("npx parity"))
    : [];
}

const readmeHas = (cmd: string) => readmeCommands().includes(cmd);

let scratch = "";
const rulesFile = () => path.join(scratch, "consistency-rules/stepfunctions.rules.json");

beforeAll(() => {
  const built = ["dist/cli/index.js", "dist/policy/index.js", "dist/consistency-rules/src/index.js"].every((f) =>
    fs.existsSync(path.join(ROOT, f)),
  );
  if (!built) throw new Error("run `npm run build` first (dist/ is what is packed)");
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "env-parity-adopt-"));
  const packDir = path.join(scratch, ".tarballs");
  fs.mkdirSync(packDir);
  const pack = sh("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", packDir], ROOT);
  expect(pack.status).toBe(0);
  const tarball = path.join(packDir, fs.readdirSync(packDir).find((f) => f.endsWith(".tgz")) ?? "missing.tgz");

  const proj = path.join(scratch, "proj");
  fs.cpSync(FIXTURE, proj, { recursive: true });
  scratch = proj;
  fs.renameSync(path.join(proj, "index.ts.vendored"), path.join(proj, "index.ts"));
  // The team's program reads one config key that differs in prod (see fixture/ORIGIN.md).
  const src = fs.readFileSync(path.join(proj, "index.ts"), "utf8");
  const patched = src.replace(
    `"helloFunction", {\n  role: lambdaRole,`,
    `"helloFunction", {\n  role: lambdaRole,\n  memorySize: new pulumi.Config().getNumber("memorySize"),`,
  );
  expect(patched).not.toBe(src);
  fs.writeFileSync(path.join(proj, "index.ts"), patched);
  fs.appendFileSync(path.join(proj, "Pulumi.prod.yaml"), "  stepfunctions:memorySize: 256\n");
  // The SDK and provider versions this repository tests with (the fixture pins older ones), and ts-node for the program.
  const pkg = JSON.parse(fs.readFileSync(path.join(proj, "package.json"), "utf8")) as Record<
    string,
    Record<string, string>
  >;
  const ours = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as Record<
    string,
    Record<string, string>
  >;
  pkg.dependencies["@pulumi/aws"] = ours.devDependencies["@pulumi/aws"];
  pkg.dependencies["@pulumi/pulumi"] = ours.devDependencies["@pulumi/pulumi"];
  pkg.devDependencies = {
    "@types/node": ours.devDependencies["@types/node"],
    typescript: ours.devDependencies.typescript,
    "ts-node": ours.devDependencies["ts-node"],
  };
  fs.writeFileSync(path.join(proj, "package.json"), JSON.stringify(pkg, null, 2));
  const install = sh(
    "npm",
    [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      tarball,
      `@pulumi/policy@${ours.devDependencies["@pulumi/policy"]}`,
    ],
    proj,
    600_000,
  );
  if (install.status !== 0) throw new Error(`npm install failed: ${out(install).slice(-2000)}`);
}, 900_000);

afterAll(() => {
  if (scratch) fs.rmSync(path.dirname(scratch), { recursive: true, force: true });
});

test("the README's section lists the commands this test runs", () => {
  expect(readmeCommands()).toEqual([
    "npx parity init --pack",
    "npx parity baseline --owner platform",
    "npx parity check",
  ]);
});

test("init, baseline, check on the installed package: green; re-running init and baseline adds nothing", () => {
  expect(readmeHas("npx parity init --pack")).toBe(true);
  const init = npx(scratch, "parity", "init", "--pack");
  expect(out(init)).toMatch(/wrote consistency-rules\/stepfunctions\.rules\.json/);
  expect(init.status).toBe(0);
  for (const f of [
    "policy-pack/config/dev.json",
    "policy-pack/config/staging.json",
    "policy-pack/config/prod.json",
    "policy-pack/index.js",
    "policy-pack/PulumiPolicy.yaml",
  ]) {
    expect(fs.existsSync(path.join(scratch, f))).toBe(true);
  }
  const rules = JSON.parse(fs.readFileSync(rulesFile(), "utf8")) as {
    environments: Record<string, { stacks: string[]; region?: string; accountId?: string }>;
  };
  expect(rules.environments.prod).toEqual({ stacks: ["prod"], region: "us-east-1", accountId: "333333333333" });

  const baseline = npx(scratch, "parity", "baseline", "--owner", "platform");
  expect(out(baseline)).toMatch(/added [1-9]\d* baseline approvals? and [1-9]\d* exemptions?/);
  expect(baseline.status).toBe(0);
  const after = JSON.parse(fs.readFileSync(rulesFile(), "utf8")) as {
    approvals: Record<string, unknown>[];
    exemptions: Record<string, unknown>[];
  };
  // One approval per cause: the config key, with the function property it feeds.
  const memory = after.approvals.filter((a) => a.path === "memorySize");
  expect(memory).toHaveLength(1);
  expect(memory[0]).toMatchObject({ resource: "config", owner: "platform", baseline: true, values: { prod: 256 } });
  expect(memory[0].feeds).toEqual([expect.objectContaining({ resource: "helloFunction", path: "memorySize" })]);
  expect(
    after.exemptions.every((e) => e.owner === "platform" && e.baseline === true && typeof e.expires === "string"),
  ).toBe(true);

  const check = npx(scratch, "parity", "check");
  expect(out(check)).toMatch(/^OK 0 failed/m);
  expect(check.status).toBe(0);

  // Idempotent: init keeps (unchanged) what it wrote; a second baseline has nothing new to add.
  expect(npx(scratch, "parity", "init", "--pack").stdout).not.toMatch(/wrote|replaced/);
  const again = npx(scratch, "parity", "baseline", "--owner", "platform");
  expect(again.stdout).toMatch(/added 0 baseline approvals and 0 exemptions/);
  expect(fs.readFileSync(rulesFile(), "utf8")).toBe(JSON.stringify(after, null, 2) + "\n");
}, 600_000);

test("one unapproved change in one stack: check exits 1 naming it, and the user's pack reports the same violation", async () => {
  const prod = path.join(scratch, "Pulumi.prod.yaml");
  fs.writeFileSync(
    prod,
    fs.readFileSync(prod, "utf8").replace("stepfunctions:memorySize: 256", "stepfunctions:memorySize: 1024"),
  );
  const check = npx(scratch, "parity", "check");
  expect(check.status).toBe(1);
  expect(check.stdout).toMatch(/helloFunction.*memorySize|memorySize.*helloFunction/);

  const [plan] = await planAll([{ projectDir: scratch, stack: "prod" }]);
  if (plan.status !== "fulfilled") throw plan.reason;
  const session = await startPack({ packDir: path.join(scratch, "policy-pack") });
  try {
    const info = await session.info();
    expect(info.name).toBe("stepfunctions-parity");
    const found = await session.analyzeSnapshot(
      { ...plan.value, context: { ...plan.value.context, env: "prod" } },
      { tags: { "env-parity:environment": "prod" } },
    );
    const fails = found.filter((f) => f.status === "fail");
    expect(fails.map((f) => `${f.ruleId}: ${f.message}`)).toEqual([
      expect.stringMatching(/^parity-consistency-rules: .*helloFunction.*memorySize.*1024/),
    ]);
  } finally {
    await session.close();
  }
}, 600_000);
