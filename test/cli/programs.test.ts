/**
 * Programs we did not write (test/programs: public Pulumi examples and the stock aws-typescript template, each with
 * two stacks): `parity plan --stack <s>` and `parity check` run on them to a verdict — never exit 70.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { cli, ROOT } from "./run-cli";

const PROGRAMS = path.join(ROOT, "test/programs");
const dirs = fs.readdirSync(PROGRAMS).filter((d) => fs.existsSync(path.join(PROGRAMS, d, "Pulumi.yaml")));
/** Programs that no longer type-check against the SDKs pinned here: exit 2 with the compiler's first diagnostic. */
const TYPE_ERRORS: Record<string, RegExp> = {
  "aws-ts-serverless-raw":
    /^parity: test\/programs\/aws-ts-serverless-raw: stack (dev|prod): the program failed: index\.ts:120:5 TS2353: /m,
};

test("at least five vendored programs and the stock template are here", () => {
  expect(dirs.length).toBeGreaterThanOrEqual(6);
  expect(dirs).toContain("aws-typescript");
});

describe.each(dirs)("%s", (dir) => {
  const projectDir = path.join("test/programs", dir);

  test.each(["dev", "prod"])(
    "parity plan --stack %s",
    async (stack) => {
      const r = await cli(["plan", "--stack", stack, projectDir]);
      if (TYPE_ERRORS[dir]) {
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(TYPE_ERRORS[dir]);
        expect(r.stderr.trim().split("\n")).toHaveLength(1);
        return;
      }
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
      const plan = JSON.parse(r.stdout) as {
        snapshot: { resources: { custom: boolean; sourcePosition?: unknown; props: Record<string, unknown> }[] };
      };
      const custom = plan.snapshot.resources.filter((x) => x.custom);
      expect(custom.length).toBeGreaterThan(0);
      // the engine's wire form reaches the plan: no resource-reference objects, no "undefined" strings
      expect(r.stdout).not.toContain("5cf8f73096256a8f31e491e813e4eb8e");
      expect(r.stdout).not.toMatch(/\/undefined\b|"undefined"/);
    },
    240_000,
  );

  test("parity check", async () => {
    const r = await cli(["check", projectDir]);
    expect(r.code).not.toBe(70);
    if (TYPE_ERRORS[dir]) expect(r.code).toBe(2);
    else expect([0, 1]).toContain(r.code);
  }, 300_000);
});
