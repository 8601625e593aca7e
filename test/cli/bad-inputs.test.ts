/* eslint-disable @typescript-eslint/no-explicit-any -- the cases mutate parsed JSON documents of every shape */
/**
 * The bad-input corpus: every case runs the CLI (in-process entry: same parser, same exit codes as bin/parity.js)
 * and must give exit 2 and exactly one line on stderr naming what is wrong — never a stack trace, never exit 0/1/70.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cli, fx, RULES } from "./run-cli";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parity-bad-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const text = (f: string) => fs.readFileSync(fx(f), "utf8");
const EXPORT = JSON.parse(text("exports/dev.json"));
const PREVIEW = JSON.parse(text("previews/dev.json"));
const GOOD = [fx("exports/staging.json"), fx("exports/prod.json")];
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

let n = 0;
/** Writes `content` to a fresh file (name kept if given) and returns its path. */
function file(content: string | object, name?: string): string {
  const sub = path.join(dir, String(n++));
  fs.mkdirSync(sub);
  const f = path.join(sub, name ?? "input.json");
  fs.writeFileSync(f, typeof content === "string" ? content : JSON.stringify(content));
  return f;
}
const exportWith = (mut: (d: any) => void): string => {
  const d = clone(EXPORT);
  mut(d);
  return file(d);
};
const previewWith = (mut: (d: any) => void): string => {
  const d = clone(PREVIEW);
  mut(d);
  return file(d);
};
const diff = (f: string, extra: string[] = []): string[] => ["diff", f, ...GOOD, "--rules", RULES, ...extra];
const fn = (d: any) => d.deployment.resources.find((r: any) => r.type === "aws:lambda/function:Function");
const configText = text("config/Pulumi.dev.yaml");
const configFile = (body: string, name = "Pulumi.dev.yaml"): string => {
  const f = file(body, name);
  fs.writeFileSync(path.join(path.dirname(f), "Pulumi.yaml"), "name: data-platform\nruntime: nodejs\n");
  return f;
};
const configDiff = (f: string): string[] => [
  "diff",
  f,
  fx("config/Pulumi.staging.yaml"),
  fx("config/Pulumi.prod.yaml"),
  "--rules",
  RULES,
];
const rulesWith = (mut: (r: any) => void): string => {
  const r = JSON.parse(text("rules/data-platform.rules.json"));
  r.configSchema = path.resolve(fx("rules"), r.configSchema);
  delete r.$schema;
  mut(r);
  return file(r, "x.rules.json");
};

/** A document with one value nested deeper than JSON.stringify can write: the placeholder is replaced in the text. */
const DEEP = "__deep_value__";
function deepFile(doc: object, mut: (d: any) => void, value: string): string {
  const d = clone(doc);
  mut(d);
  return file(JSON.stringify(d).replace(JSON.stringify(DEEP), value));
}

/** A billion-laughs stack config: 10 levels of 10 aliases each. */
function bomb(): string {
  const lines = ["config:", "  data-platform:a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < 10; i++)
    lines.push(
      `  data-platform:a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(", ")}]`,
    );
  return `${lines.join("\n")}\n`;
}

/** [name, argv, what stderr must mention] */
const cases: [string, () => string[], RegExp][] = [
  // ---- JSON syntax
  ["truncated export", () => diff(file(text("exports/dev.json").slice(0, 5000))), /input\.json: .*not valid JSON/],
  ["empty file", () => diff(file("")), /is empty/],
  ["whitespace only", () => diff(file("   \n\t ")), /is empty/],
  ["trailing comma", () => diff(file('{"version": 3, "deployment": {},}')), /not valid JSON/],
  ["single quotes", () => diff(file("{'version': 3}")), /not valid JSON/],
  ["JSON array", () => diff(file("[1,2,3]")), /is a JSON array/],
  ["JSON string", () => diff(file('"hello"')), /unrecognised content|is a JSON/],
  ["binary garbage", () => diff(file("\u0000\u0001\u0002PK\u0003\u0004")), /unrecognised content/],
  ["unknown JSON object", () => diff(file({ hello: "world" })), /unrecognised JSON content \(keys: hello\)/],
  // ---- export structure
  [
    "deployment version newer than known",
    () => diff(exportWith((d) => (d.version = 5))),
    /input\.json: version is 5: a deployment newer than this reader knows \(versions 1–4\)/,
  ],
  [
    "deployment version 0",
    () => diff(exportWith((d) => (d.version = 0))),
    /version is 0: not a deployment version Pulumi writes/,
  ],
  ["version as string", () => diff(exportWith((d) => (d.version = "3"))), /version must be a whole number/],
  ["missing version", () => diff(exportWith((d) => delete d.version)), /version is required/],
  [
    "deployment not an object",
    () => diff(file({ version: 3, deployment: [] })),
    /deployment must be an object, got array/,
  ],
  [
    "missing manifest",
    () => diff(exportWith((d) => delete d.deployment.manifest)),
    /deployment\.manifest must be an object/,
  ],
  [
    "resources not an array",
    () => diff(exportWith((d) => (d.deployment.resources = {}))),
    /deployment\.resources must be an array, got object/,
  ],
  ["empty resources", () => diff(exportWith((d) => (d.deployment.resources = []))), /has no resources/],
  [
    "resource is a string",
    () => diff(exportWith((d) => (d.deployment.resources[2] = "x"))),
    /deployment\.resources\[2\] must be an object, got string/,
  ],
  [
    "missing urn",
    () => diff(exportWith((d) => delete d.deployment.resources[3].urn)),
    /deployment\.resources\[3\]\.urn must be a string, got nothing/,
  ],
  [
    "urn not a URN",
    () => diff(exportWith((d) => (d.deployment.resources[3].urn = "arn:aws:s3:::bucket"))),
    /resources\[3\]\.urn is not a Pulumi URN/,
  ],
  [
    "urn as number",
    () => diff(exportWith((d) => (d.deployment.resources[3].urn = 42))),
    /resources\[3\]\.urn must be a string, got number/,
  ],
  [
    "type mismatch with URN",
    () => diff(exportWith((d) => (d.deployment.resources[4].type = "aws:s3/bucket:Bucket"))),
    /resources\[4\]\.type is "aws:s3\/bucket:Bucket" but the URN names type/,
  ],
  [
    "missing custom",
    () => diff(exportWith((d) => delete d.deployment.resources[3].custom)),
    /resources\[3\]\.custom must be true or false/,
  ],
  [
    "custom as string",
    () => diff(exportWith((d) => (d.deployment.resources[3].custom = "true"))),
    /custom must be true or false, got string/,
  ],
  ["inputs as array", () => diff(exportWith((d) => (fn(d).inputs = []))), /\.inputs must be an object, got array/],
  [
    "outputs as string",
    () => diff(exportWith((d) => (fn(d).outputs = "x"))),
    /\.outputs must be an object, got string/,
  ],
  [
    "dependencies with a number",
    () => diff(exportWith((d) => (fn(d).dependencies = ["urn:pulumi:dev::p::t::n", 7]))),
    /\.dependencies\[1\] must be a string, got number/,
  ],
  [
    "propertyDependencies not a list",
    () => diff(exportWith((d) => (fn(d).propertyDependencies = { role: "x" }))),
    /propertyDependencies\.role must be an array/,
  ],
  ["protect as string", () => diff(exportWith((d) => (fn(d).protect = "yes"))), /\.protect must be true or false/],
  ["parent as number", () => diff(exportWith((d) => (fn(d).parent = 1))), /\.parent must be a string/],
  ["id as object", () => diff(exportWith((d) => (fn(d).id = {}))), /\.id must be a string/],
  [
    "duplicate URN",
    () => diff(exportWith((d) => d.deployment.resources.push(clone(d.deployment.resources[3])))),
    /duplicates deployment\.resources\[3\]\.urn/,
  ],
  [
    "mixed stacks in one export",
    () =>
      diff(
        exportWith(
          (d) =>
            (d.deployment.resources[5].urn = d.deployment.resources[5].urn.replace(
              "urn:pulumi:dev::",
              "urn:pulumi:prod::",
            )),
        ),
      ),
    /resources\[5\]\.urn names stack "prod" but earlier resources name "dev"/,
  ],
  [
    "mixed projects in one export",
    () =>
      diff(
        exportWith(
          (d) =>
            (d.deployment.resources[5].urn = d.deployment.resources[5].urn.replace(
              "::data-platform::",
              "::payments::",
            )),
        ),
      ),
    /names project "payments"/,
  ],
  [
    "unknown stack",
    () =>
      diff(
        exportWith((d) =>
          d.deployment.resources.forEach((r: any) => (r.urn = r.urn.replace("urn:pulumi:dev::", "urn:pulumi:qa::"))),
        ),
      ),
    /unknown stack/,
  ],
  [
    "other project than the rules",
    () =>
      diff(
        exportWith((d) =>
          d.deployment.resources.forEach((r: any) => (r.urn = r.urn.replace("::data-platform::", "::payments::"))),
        ),
      ),
    /rules .* are for "data-platform"/,
  ],
  [
    "malformed pending operation",
    () => diff(exportWith((d) => (d.deployment.pending_operations = [42]))),
    /deployment\.pending_operations\[0\] must be an object/,
  ],
  ["delete flag as string", () => diff(exportWith((d) => (fn(d).delete = "true"))), /\.delete must be true or false/],
  // ---- preview structure
  ["preview steps not an array", () => diff(previewWith((d) => (d.steps = {}))), /steps must be an array/],
  [
    "preview unknown op",
    () => diff(previewWith((d) => (d.steps[1].op = "teleport"))),
    /steps\[1\]\.op is not a known step operation, got "teleport"/,
  ],
  ["preview op missing", () => diff(previewWith((d) => delete d.steps[1].op)), /steps\[1\]\.op must be a string/],
  [
    "preview same without newState",
    () => diff(previewWith((d) => delete d.steps[2].newState)),
    /steps\[2\]\.newState is required for a "same" step/,
  ],
  [
    "preview urn mismatch",
    () => diff(previewWith((d) => (d.steps[2].urn = d.steps[3].urn))),
    /steps\[2\]\.newState\.urn is .* but the step is for/,
  ],
  [
    "preview failed (error diagnostic)",
    () =>
      diff(previewWith((d) => d.diagnostics.push({ severity: "error", message: "aws:iam/role: AccessDenied\nmore" }))),
    /diagnostics\[1\] reports that the preview failed: aws:iam\/role: AccessDenied$/m,
  ],
  [
    "preview without its same steps",
    () => diff(previewWith((d) => (d.steps = []))),
    /changeSummary\.same is 10 but no `same` step is listed.*`pulumi preview --json --show-sames`/,
  ],
  [
    "preview with no steps at all",
    () => diff(previewWith((d) => ((d.steps = []), (d.changeSummary = {})))),
    /steps has no resources/,
  ],
  [
    "failed preview: only diagnostics (Go omits the empty steps)",
    () =>
      diff(
        file({ diagnostics: [{ message: "error: could not load plugin aws\nmore", severity: "error" }], duration: 1 }),
      ),
    /diagnostics\[0\] reports that the preview failed: error: could not load plugin aws$/m,
  ],
  [
    "save-plan file",
    () => diff(file({ manifest: { time: "2026-01-01T00:00:00Z", magic: "", version: "v3.200.0" }, resourcePlans: {} })),
    /resourcePlans is a `pulumi preview --save-plan` update plan.*`pulumi preview --json --show-sames`/,
  ],
  [
    "bare deployment",
    () => diff(file(clone(EXPORT).deployment)),
    /manifest is a bare deployment .*`pulumi stack export`/,
  ],
  [
    "engine event stream",
    () => diff(file('{"sequence":0,"timestamp":1,"preludeEvent":{"config":{}}}\n{"sequence":1,"timestamp":1}\n')),
    /engine event stream.*--show-sames/,
  ],
  [
    "checkpoint without a deployment",
    () => diff(file({ version: 3, checkpoint: { stack: "dev" } })),
    /checkpoint\.latest is missing/,
  ],
  [
    "checkpoint version newer than known",
    () => diff(file({ version: 9, checkpoint: { stack: "dev", latest: clone(EXPORT).deployment } })),
    /version is 9: a checkpoint newer/,
  ],
  [
    "5,000-level nested input",
    () => diff(deepFile(EXPORT, (d) => (fn(d).inputs.deep = DEEP), `${'{"a":'.repeat(5000)}"x"${"}".repeat(5000)}`)),
    /resources\[\d+\]\.inputs nests more than 64 levels deep/,
  ],
  [
    "5,000-level nested array in a preview",
    () =>
      diff(
        deepFile(PREVIEW, (d) => (d.steps[3].newState.inputs.deep = DEEP), `${"[".repeat(5000)}1${"]".repeat(5000)}`),
      ),
    /steps\[3\]\.newState\.inputs nests more than 64 levels deep/,
  ],
  [
    "5,000-level flow nesting in a stack config",
    () => configDiff(configFile(`config:\n  data-platform:x: ${"[".repeat(5000)}${"]".repeat(5000)}\n`)),
    /Pulumi\.dev\.yaml: line 2:\d+ nests more than 100 levels deep/,
  ],
  [
    "100-level block nesting in a stack config",
    () =>
      configDiff(
        configFile(
          `config:\n  data-platform:x:\n${Array.from({ length: 100 }, (_, i) => `${"  ".repeat(i + 2)}k${i}:`).join("\n")} 1\n`,
        ),
      ),
    /Pulumi\.dev\.yaml: config nests more than 64 levels deep/,
  ],
  [
    "2,000-level block nesting in a stack config",
    () =>
      configDiff(
        configFile(
          `config:\n  data-platform:x:\n${Array.from({ length: 2000 }, (_, i) => `${" ".repeat(i + 3)}k${i}:`).join("\n")} 1\n`,
        ),
      ),
    /Pulumi\.dev\.yaml: line \d+: is indented more than 256 columns/,
  ],
  [
    "YAML alias bomb in a stack config",
    () => configDiff(configFile(bomb())),
    /Pulumi\.dev\.yaml: expands its YAML aliases beyond 100 copies/,
  ],
  [
    "preview changeSummary wrong type",
    () => diff(previewWith((d) => (d.changeSummary = 3))),
    /changeSummary must be an object/,
  ],
  // ---- config YAML
  [
    "YAML syntax error",
    () => configDiff(configFile("config:\n  data-platform:team: [unclosed\n")),
    /Pulumi\.dev\.yaml: line \d+:\d+/,
  ],
  [
    "YAML duplicate key",
    () => configDiff(configFile(`${configText}\n  data-platform:team: again\n`)),
    /Pulumi\.dev\.yaml: line \d+:\d+ .*[Dd]uplicate|unique/,
  ],
  [
    "YAML type error (memory as string)",
    () => configDiff(configFile(configText.replace("lambdaMemoryMb: 512", "lambdaMemoryMb: lots"))),
    /Pulumi\.dev\.yaml: data-platform:lambdaMemoryMb must be/,
  ],
  [
    "YAML config is a list",
    () => configDiff(configFile("config:\n  - a\n  - b\n")),
    /Pulumi\.dev\.yaml: config must be a map/,
  ],
  [
    "YAML config file of unknown stack",
    () => configDiff(configFile(configText, "Pulumi.qa.yaml")),
    /Pulumi\.qa\.yaml: .*unknown stack/,
  ],
  [
    "config file not named Pulumi.<stack>.yaml",
    () => configDiff(configFile(configText, "dev-config.yaml")),
    /must be named Pulumi\.<stack>\.yaml/,
  ],
  [
    "config region not the environment's",
    () => configDiff(configFile(configText.replace("aws:region: us-east-2", "aws:region: eu-west-1"))),
    /aws:region must be "us-east-2"/,
  ],
  // ---- rules
  [
    "rules: truncated",
    () =>
      diff(fx("exports/dev.json"), [
        "--rules",
        file(text("rules/data-platform.rules.json").slice(0, 300), "r.rules.json"),
      ]),
    /r\.rules\.json: .*not valid JSON/,
  ],
  [
    "rules: missing project",
    () => diff(fx("exports/dev.json"), ["--rules", rulesWith((r) => delete r.project)]),
    /x\.rules\.json: project is required/,
  ],
  [
    "rules: reason too short",
    () => diff(fx("exports/dev.json"), ["--rules", rulesWith((r) => (r.approvals[0].reason = "because"))]),
    /x\.rules\.json: approvals\[0\]\.reason|approvals\.0\.reason/,
  ],
  [
    "rules: bad severity",
    () => diff(fx("exports/dev.json"), ["--rules", rulesWith((r) => (r.invariants[0].severity = "urgent"))]),
    /x\.rules\.json: invariants.*severity/,
  ],
  [
    "rules: missing file",
    () => diff(fx("exports/dev.json"), ["--rules", path.join(dir, "nope.rules.json")]),
    /nope\.rules\.json: cannot be read/,
  ],
  [
    "rules validate: wrong version",
    () => ["rules", "validate", rulesWith((r) => (r.version = 2))],
    /x\.rules\.json: version/,
  ],
  // ---- files and usage
  ["missing input file", () => diff(path.join(dir, "missing.json")), /missing\.json: cannot be read: no such file/],
  ["input is a directory", () => diff(dir), /is a directory/],
  ["unknown option", () => ["diff", "--frobnicate", ...GOOD], /unknown option '--frobnicate'/],
  ["unknown command", () => ["deploy"], /unknown command 'deploy'/],
  ["no command", () => [], /missing command/],
  ["bad --format", () => ["diff", ...GOOD, "--format", "xml"], /argument 'xml' is invalid/],
  ["--out without value", () => ["diff", ...GOOD, "--out"], /option '-o, --out <file>' argument missing/],
  ["diff with one file", () => ["diff", GOOD[0], "--rules", RULES], /at least two files/],
  ["same environment twice", () => ["diff", GOOD[0], GOOD[0], "--rules", RULES], /both environment staging/],
  [
    "config mixed with exports",
    () => ["diff", fx("config/Pulumi.dev.yaml"), ...GOOD, "--rules", RULES],
    /cannot compare config files with resource snapshots/,
  ],
  ["plan without --stack", () => ["plan", fx("config")], /required option '-s, --stack <stack>' not specified/],
  ["plan of unknown stack", () => ["plan", "--stack", "qa", "--rules", RULES, fx("config")], /unknown stack "qa"/],
  ["check of a dir without Pulumi.yaml", () => ["check", dir], /has no Pulumi\.yaml/],
  ["check of a dir that does not exist", () => ["check", path.join(dir, "nowhere")], /does not exist/],
  [
    "explain unknown rule",
    () => ["explain", "parity-does-not-exist", "--rules", RULES],
    /unknown rule id "parity-does-not-exist"/,
  ],
  [
    "--out into a missing directory",
    () => ["diff", fx("exports/dev.json"), ...GOOD, "--rules", RULES, "--out", path.join(dir, "no/such/dir/r.sarif")],
    /r\.sarif: cannot be written/,
  ],
];

describe("bad input: exit 2 and one clear line", () => {
  test("the corpus has at least 50 cases", () => expect(cases.length).toBeGreaterThanOrEqual(50));

  test.each(cases)("%s", async (_name, argv, mention) => {
    const r = await cli(argv(), { cwd: dir });
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 2,
      stderr: expect.stringMatching(/^parity: [^\n]+\n$/),
    });
    expect(r.stderr).toMatch(mention);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe("");
  });
});
