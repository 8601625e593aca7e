/**
 * The ready pack (policy-pack/ready, shipped in the env-parity package for `pulumi policy publish`) has no rules built
 * in: started as the engine starts it, it knows no project until policy config gives the rule set inline.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startPack } from "../../policy-pack/harness";
import { applyCase, CASES } from "../policy-pack/cases";
import { referenceStack, ROOT } from "../policy-pack/fixtures";

const READY = path.join(ROOT, "policy-pack", "ready");

test("rules come from policy config only: none bundled, the inline rule set enforced", async () => {
  expect(fs.existsSync(path.join(ROOT, "dist", "policy", "index.js"))).toBe(true); // npm run build
  const rules = JSON.parse(
    fs.readFileSync(path.join(ROOT, "consistency-rules", "data-platform.rules.json"), "utf8"),
  ) as unknown;
  const c = CASES.find((x) => x.policy === "parity-consistency-rules");
  if (!c) throw new Error("no parity-consistency-rules case");
  const mutant = applyCase(c.fail, referenceStack("prod"), "prod");
  const pack = await startPack({ packDir: READY });
  try {
    const info = await pack.info();
    expect(info.policies.some((p) => p.name === "parity-consistency-rules")).toBe(true);
    const without = await pack.analyzeSnapshot(mutant);
    expect(without.filter((f) => f.ruleId === "parity-consistency-rules").map((f) => [f.status, f.message])).toEqual([
      ["indeterminate", expect.stringMatching(/no consistency rules for project 'data-platform'/)],
    ]);
    await pack.configure({ "parity-consistency-rules": { rules } });
    const withRules = await pack.analyzeSnapshot(mutant);
    expect(
      withRules.filter((f) => f.ruleId === "parity-consistency-rules" && f.status === "fail").map((f) => f.message),
    ).toEqual([expect.stringMatching(/memorySize/)]);
  } finally {
    await pack.close();
  }
}, 120_000);

test("envParityPack overrides: an enforcement level and a policy's config, as the engine sees them", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parity-user-pack-"));
  try {
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    fs.writeFileSync(path.join(dir, "PulumiPolicy.yaml"), "runtime: nodejs\n");
    fs.writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify({ name: "acme-pack", version: "1.0.0", main: "index.js" }),
    );
    fs.writeFileSync(
      path.join(dir, "index.js"),
      `require(${JSON.stringify(path.join(ROOT, "dist", "policy", "index.js"))}).envParityPack("acme-parity", {\n` +
        `  rules: [require(${JSON.stringify(path.join(ROOT, "consistency-rules", "data-platform.rules.json"))})],\n` +
        `  overrides: { "s3-bucket-versioning-enabled": "disabled", "naming-resource-convention": { service: "billing" } },\n});\n`,
    );
    const pack = await startPack({ packDir: dir });
    try {
      const info = await pack.info();
      expect(info.name).toBe("acme-parity");
      expect(info.policies.find((p) => p.name === "s3-bucket-versioning-enabled")?.enforcementLevel).toBe("disabled");
      // the reference stack is named for service "ingest": under the override it breaks the naming convention
      const found = await pack.analyzeSnapshot(referenceStack("dev"));
      expect(found.some((f) => f.ruleId === "naming-resource-convention" && f.status === "fail")).toBe(true);
    } finally {
      await pack.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
