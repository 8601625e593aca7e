/**
 * The done-when, as a user runs it: a copy of the reference project, one value changed in one
 * `Pulumi.<env>.yaml`, `node bin/parity.js check` (the built CLI: `npm run build` first).
 * - `lambdaTimeoutSec` feeds the invariant `parity-lambda-timeout`: a different staging value fails the gate,
 *   naming the rule, the resource and the values of every environment;
 * - `logLevel` feeds an approved difference (`lambda-log-level`: staging may be debug or info): it passes and is
 *   listed as approved with its approval.
 * - a program that throws while planned is bad input (exit 2, one line naming the project and stack), not exit 70.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { binParity, ROOT } from "./run-cli";

jest.setTimeout(240_000);

const COPY = [
  "Pulumi.yaml",
  "Pulumi.dev.yaml",
  "Pulumi.staging.yaml",
  "Pulumi.prod.yaml",
  "tsconfig.json",
  "package.json",
  "infra",
  "consistency-rules",
];
let tmp: string;

beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, "dist/cli/index.js")))
    throw new Error("dist/cli/index.js missing: run `npm run build` first");
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "parity-drift-"));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A fresh copy of the reference project (node_modules linked), with `edit` applied to one file. */
function project(name: string, file: string, edit: (text: string) => string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  for (const p of COPY)
    fs.cpSync(path.join(ROOT, p), path.join(dir, p), {
      recursive: true,
      filter: (src) => !src.includes(`${path.sep}node_modules`),
    });
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  const target = path.join(dir, file);
  const before = fs.readFileSync(target, "utf8");
  const after = edit(before);
  expect(after).not.toBe(before); // the edit applied: a test that changes nothing proves nothing
  fs.writeFileSync(target, after);
  return dir;
}

const setKey = (key: string, value: string) => (text: string) =>
  text.replace(new RegExp(`^(  data-platform:${key}:) .*$`, "m"), `$1 ${value}`);

test("an invariant differing in one stack config fails the gate, naming the rule, the resource and the values", () => {
  const dir = project("timeout", "Pulumi.staging.yaml", setKey("lambdaTimeoutSec", "30"));
  const r = binParity(["check", dir, "--format", "json"], { cwd: tmp });
  expect([r.code, r.stderr]).toEqual([1, ""]);
  type F = {
    ruleId: string;
    status: string;
    resource: string | null;
    path: string | null;
    values: Record<string, unknown> | null;
    location: { file: string; line: number | null };
    related: F[];
  };
  const report = JSON.parse(r.stdout) as { findings: F[] };
  // one cause: the config key, at its line in staging's own file, with the property it feeds among its members
  const failing = report.findings.filter((f) => f.status === "fail");
  const cause = failing.find((f) => f.resource === "config::config" && f.path === "lambdaTimeoutSec")!;
  expect(cause.location).toMatchObject({ file: "timeout/Pulumi.staging.yaml", line: expect.any(Number) });
  expect(failing.filter((f) => f.ruleId === "parity-lambda-timeout")).toEqual([]); // not a second entry
  const timeout = cause.related.filter((f) => f.ruleId === "parity-lambda-timeout" && f.status === "fail");
  expect(timeout.length).toBeGreaterThan(0);
  expect(timeout[0].resource).toMatch(/^aws:lambda\/function:Function::.+-function$/);
  expect(timeout[0].values).toMatchObject({ dev: 60, staging: 30, prod: 60 });
  // and as a person reads it (table, no colour in a pipe)
  const t = binParity(["check", dir, "--no-pack"], { cwd: tmp });
  expect(t.code).toBe(1);
  expect(t.stdout).toMatch(/parity-lambda-timeout/);
  expect(t.stdout).toMatch(/staging=30/);
  expect(t.stdout).toMatch(/dev=60/);
  expect(t.stdout).toContain(timeout[0].resource!.split("::")[1]);
  expect(t.stdout).not.toMatch(/\u001b\[/);
  expect(t.stdout).toMatch(/^FAIL \d+ failed/m);
});

test("an approved difference passes and is listed as approved", () => {
  const dir = project("loglevel", "Pulumi.staging.yaml", setKey("logLevel", "debug"));
  const r = binParity(["check", dir, "--format", "json"], { cwd: tmp });
  expect([r.code, r.stderr]).toEqual([0, ""]);
  type F = {
    ruleId: string;
    status: string;
    path: string | null;
    values: Record<string, unknown> | null;
    approval: { id: string } | null;
    related: F[];
  };
  const report = JSON.parse(r.stdout) as { findings: F[] };
  const level = report.findings
    .flatMap((f) => [f, ...f.related])
    .find((f) => f.status === "approved" && f.path === "environment.variables.LOG_LEVEL");
  expect(level).toMatchObject({
    approval: { id: "lambda-log-level" },
    values: { dev: "debug", staging: "debug", prod: "info" },
  });
});

test("a program that throws is bad input: exit 2, one line naming the project and the stack", () => {
  const dir = project(
    "throws",
    "infra/index.ts",
    (text) =>
      `if (require("@pulumi/pulumi").getStack() === "staging") throw new Error("boom: staging is broken\\nsecond line");\n${text}`,
  );
  const r = binParity(["check", dir], { cwd: tmp });
  expect(r.code).toBe(2);
  const lines = r.stderr.split("\n").filter(Boolean);
  expect(lines[0]).toBe("parity: throws: stack staging: the program failed: boom: staging is broken");
  // a stack that reads staging's outputs (a StackReference) fails with it, one line each; never a stack trace
  for (const l of lines) expect(l).toMatch(/^parity: throws: stack \w+: the program failed: \S/);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).toBe("");
});

test("an invalid stack config is bad input: exit 2, one line per problem in the documented format, from the project dir", () => {
  const dir = project("badconfig", "Pulumi.staging.yaml", (t) =>
    setKey("vpcCidr", "10.1.0.0/33")(setKey("lambdaMemoryMb", "lots")(t)),
  );
  const r = binParity(["check"], { cwd: dir });
  expect(r.code).toBe(2);
  expect(r.stderr.split("\n").filter(Boolean)).toEqual([
    'parity: Pulumi.staging.yaml: data-platform:lambdaMemoryMb must be one of 128..10240, got "lots"',
    'parity: Pulumi.staging.yaml: data-platform:vpcCidr must be a valid ipv4-cidr, got "10.1.0.0/33"',
  ]);
  expect(r.stdout).toBe("");
});
