/**
 * The build bundles `yaml` into one file (consistency-rules/scripts/bundle-yaml.js) which the compiled code loads:
 * it must be the installed version, parse every YAML file of this repository to the same values (and reject bad
 * YAML with the same message), and be what the built CLI actually loads — not the package's ~70 files as well.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as installed from "yaml";
import { VENDORED_YAML, yaml } from "../../consistency-rules/src/yaml";
import { binParity, fx, ROOT, RULES } from "../cli/run-cli";

const BUILT = path.join(ROOT, "dist/consistency-rules/vendor/yaml.js");
const version = (JSON.parse(fs.readFileSync(require.resolve("yaml/package.json"), "utf8")) as { version: string })
  .version;

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name === "dist" || e.name.startsWith(".")) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yamlFiles(p, out);
    else if (/\.ya?ml$/.test(e.name)) out.push(p);
  }
  return out;
}

beforeAll(() => {
  if (!fs.existsSync(BUILT)) throw new Error(`${BUILT} missing: run \`npm run build\` first`);
});

describe("the vendored yaml", () => {
  test("is the installed version, with its licence", () => {
    const head = fs.readFileSync(BUILT, "utf8").slice(0, 2000);
    expect(head).toContain(`yaml ${version} (ISC)`);
    expect(head).toContain("Copyright Eemeli Aro");
  });

  test("parses every YAML file of the repository as the installed package does", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const copy = require(BUILT) as typeof installed;
    const files = yamlFiles(ROOT);
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const text = fs.readFileSync(f, "utf8");
      const a = installed.parseDocument(text, { uniqueKeys: true });
      const b = copy.parseDocument(text, { uniqueKeys: true });
      expect({ file: f, value: b.toJS(), errors: b.errors.map((e) => e.message) }).toEqual({
        file: f,
        value: a.toJS(),
        errors: a.errors.map((e) => e.message),
      });
    }
    const bad = "a: 1\na: 2\nb: [unclosed\n";
    expect(copy.parseDocument(bad).errors.map((e) => e.message)).toEqual(
      installed.parseDocument(bad).errors.map((e) => e.message),
    );
  });

  test("from the sources (no copy beside them) the loader gives the installed package", () => {
    expect(fs.existsSync(VENDORED_YAML)).toBe(false);
    expect(yaml().parse).toBe(installed.parse);
  });

  test("the built CLI loads the copy and none of the package's own files", () => {
    const probe = [
      `process.on("exit", () => {`,
      `  const ks = Object.keys(require.cache).filter((k) => /yaml/.test(k));`,
      `  process.stderr.write("LOADED " + JSON.stringify(ks) + "\\n");`,
      `});`,
    ].join("\n");
    const probeFile = path.join(ROOT, "dist", `.yaml-probe-${process.pid}.js`);
    fs.writeFileSync(probeFile, probe);
    try {
      // a diff of exports in this project reads Pulumi.<stack>.yaml for the environment suffix
      const r = binParity(
        ["diff", fx("exports/dev.json"), fx("exports/prod.json"), "--rules", RULES, "--format", "json"],
        { nodeArgs: ["-r", probeFile] },
      );
      const loaded = JSON.parse(/LOADED (.*)/.exec(r.stderr)?.[1] ?? "null") as string[];
      expect(loaded).toContain(BUILT);
      expect(loaded.filter((k) => k.includes(`${path.sep}node_modules${path.sep}yaml${path.sep}`))).toEqual([]);
    } finally {
      fs.rmSync(probeFile, { force: true });
    }
  });
});
