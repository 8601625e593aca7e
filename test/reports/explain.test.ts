/** `parity explain` knows every id the gate reports: each built-in `parity-*` rule and the pack's `parity-consistency-rules`. */
import { BUILTIN_RULE_TEXTS } from "../../cli/util/builtin-rules";
import { cli } from "../cli/run-cli";

jest.setTimeout(60_000);

test.each(BUILTIN_RULE_TEXTS.map((r) => [r.id, r] as const))(
  "explain %s: what, why, fix from builtin-rules.json",
  async (id, r) => {
    const out = await cli(["explain", id]);
    expect([out.code, out.stderr]).toEqual([0, ""]);
    expect(out.stdout).toContain(`  what: ${r.title}`);
    expect(out.stdout).toContain(`  why:  ${r.why}`);
    expect(out.stdout).toContain(`  fix:  ${r.fix}`);
  },
);

test("explain parity-consistency-rules (a pack policy the gate reports) works", async () => {
  const out = await cli(["explain", "parity-consistency-rules"]);
  expect([out.code, out.stderr]).toEqual([0, ""]);
  expect(out.stdout).toMatch(/^parity-consistency-rules \(policy, high\)\n {2}what: /);
});

test("an unknown id is still one line and exit 2", async () => {
  const out = await cli(["explain", "parity-no-such-rule"]);
  expect(out.code).toBe(2);
  expect(out.stderr).toMatch(/^parity: unknown rule id "parity-no-such-rule"[^\n]*\n$/);
});

test("every parity-* rule id the sources report has its text in builtin-rules.json (or is a pack policy)", () => {
  const fs = jest.requireActual<typeof import("node:fs")>("node:fs");
  const path = jest.requireActual<typeof import("node:path")>("node:path");
  const root = path.resolve(__dirname, "../..");
  const files = ["consistency-rules/src/compare.ts", "consistency-rules/src/lock.ts", "cli/commands/rules.ts"].filter(
    (f) => fs.existsSync(path.join(root, f)),
  );
  const ids = new Set(
    files
      .flatMap((f) => fs.readFileSync(path.join(root, f), "utf8").match(/"parity-[a-z-]+"/g) ?? [])
      .map((s) => s.slice(1, -1)),
  );
  const known = new Set(BUILTIN_RULE_TEXTS.map((r) => r.id));
  expect([...ids].filter((id) => !known.has(id) && id !== "parity-consistency-rules")).toEqual([]);
});
