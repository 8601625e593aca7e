/**
 * What `parity check` does to cost less without deciding differently (issue 13): the V8 code cache of installed
 * modules (planner/compile-cache.ts) changes nothing a module sees; Configure's request is the generated serializer's
 * bytes, each distinct value encoded once; the pack process gets the cache only through its environment.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import Module from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import * as esbuild from "esbuild";
import { configureRequestBytes, type ConfigureEntry } from "../../policy-pack/harness";
import { packCompileCacheEnv } from "../../cli/util/pack";
import { mayImport } from "../../cli/sources/planner/compile-cache";

const ROOT = path.resolve(__dirname, "../..");

describe("the code cache of installed modules", () => {
  let dir: string;
  let hook: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "parity-compile-cache-"));
    hook = path.join(dir, "compile-cache.js");
    esbuild.buildSync({
      entryPoints: [path.join(ROOT, "cli/sources/planner/compile-cache.ts")],
      bundle: true,
      platform: "node",
      format: "cjs",
      outfile: hook,
      logLevel: "silent",
    });
    const pkg = path.join(dir, "node_modules", "fx");
    fs.mkdirSync(pkg, { recursive: true });
    fs.writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: "fx", main: "index.js" }));
    fs.writeFileSync(
      path.join(pkg, "index.js"),
      [
        '"use strict";',
        'const lib = require("./lib");',
        "exports.seen = {",
        "  file: path(__filename), dir: path(__dirname), self: module.exports === exports, thisIsExports: this === exports,",
        '  resolved: path(require.resolve("./lib")), cached: require.cache[require.resolve("./lib")].exports === lib,',
        "  lib: lib.value, strict: (function () { return this === undefined; })(),",
        "};",
        "function path(p) { return p.slice(p.indexOf('node_modules')); }",
        "exports.where = () => { try { lib.fail(); } catch (e) { return e.stack.split('\\n')[1].replace(/^.*node_modules/, 'node_modules'); } };",
        "exports.later = () => import('./lib.js').then((m) => m.default.value);",
      ].join("\n"),
    );
    fs.writeFileSync(
      path.join(pkg, "lib.js"),
      'exports.value = 42;\nexports.fail = function fail() {\n  throw new Error("here");\n};\nexports.text = "import(x)" + `import(${1})`;\n',
    );
    fs.writeFileSync(
      path.join(dir, "main.js"),
      [
        'const fx = require("fx");',
        "fx.later().then((later) => {",
        "  const cc = require(process.env.HOOK);",
        "  console.log(JSON.stringify({ seen: fx.seen, where: fx.where(), later, stats: cc.compileCacheStats() }));",
        "});",
      ].join("\n"),
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const run = (env: Record<string, string>) => {
    const r = spawnSync(process.execPath, ["--require", hook, path.join(dir, "main.js")], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, NODE_OPTIONS: "", HOOK: hook, ...env },
    });
    expect(r.stderr).toBe("");
    return JSON.parse(r.stdout) as { seen: unknown; where: string; later: number; stats: Record<string, unknown> };
  };

  test("modules see what they see without it; the second run compiles from the cache; stack positions stay the file's", () => {
    const cacheDir = path.join(dir, "cache");
    const without = run({});
    const first = run({ ENV_PARITY_COMPILE_CACHE_DIR: cacheDir });
    const second = run({ ENV_PARITY_COMPILE_CACHE_DIR: cacheDir });
    expect(without.stats).toMatchObject({ mode: "off" });
    const native = typeof (Module as { enableCompileCache?: unknown }).enableCompileCache;
    if (native !== "function") {
      // lib.js from the cache; index.js calls import(), which Node 20 loses in cached code: Node compiles it
      expect(first.stats).toMatchObject({ mode: "hook", hits: 0, misses: 1, rejected: 0 });
      expect(second.stats).toMatchObject({ mode: "hook", hits: 1, misses: 0, rejected: 0 });
    }
    for (const r of [first, second]) {
      expect(r.seen).toEqual(without.seen);
      expect(r.where).toBe(without.where);
      expect(r.later).toBe(42);
    }
    expect(without.where).toBe(`node_modules${path.sep}fx${path.sep}lib.js:3:9)`);
    expect(without.seen).toMatchObject({ self: true, thisIsExports: true, cached: true, lib: 42, strict: true });
  });

  test("off with ENV_PARITY_COMPILE_CACHE=0", () => {
    const r = run({ ENV_PARITY_COMPILE_CACHE_DIR: path.join(dir, "cache-off"), ENV_PARITY_COMPILE_CACHE: "0" });
    expect(r.stats).toMatchObject({ mode: "off" });
    expect(fs.existsSync(path.join(dir, "cache-off"))).toBe(false);
  });
});

test("files that may call import() are left to Node; text that only quotes it is not", () => {
  const calls = [
    'await import("y")',
    "const x = 1;\nimport (y).then(f)",
    'log("don\'t"); import(x)',
    'a(/* c */ "s"); import(x)',
    'a.replace(/"/g, ""); import(x)',
    "f(`${import(x)}`)",
  ];
  const quotes = [
    "Did you mean 'typeof import('{0}')'?",
    'const m = "use import(x) here";',
    'a(/* c */ "s import(x)")',
    "x.import(y); a_import(z); `import(${1})`",
    "exports.a = 1;",
  ];
  for (const c of calls) expect([c, mayImport(c)]).toEqual([c, true]);
  for (const q of quotes) expect([q, mayImport(q)]).toEqual([q, false]);
});

test("the pack's environment carries no code cache when the CLI runs from its sources or the caches are off", () => {
  expect(packCompileCacheEnv(path.join(ROOT, "policy-pack"))).toEqual({});
  expect(packCompileCacheEnv(path.join(ROOT, "policy-pack"), { ENV_PARITY_COMPILE_CACHE: "0" })).toEqual({});
});

test("Configure sends the generated serializer's bytes, each value shared by many policies encoded once", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pb = require(path.join(ROOT, "node_modules/@pulumi/pulumi/proto/analyzer_pb")) as {
    ConfigureAnalyzerRequest: new () => {
      getPolicyconfigMap(): { set(k: string, v: unknown): void };
      serializeBinary(): Uint8Array;
    };
    PolicyConfig: new () => { setEnforcementlevel(n: number): void; setProperties(s: unknown): void };
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const struct = require(path.join(ROOT, "node_modules/google-protobuf/google/protobuf/struct_pb")) as {
    Struct: { fromJavaScript(v: unknown): unknown };
  };
  const rules = { environments: { dev: { stacks: ["dev"] } }, invariants: [{ id: "x", values: [1, 2.5, null, true] }] };
  const entries: ConfigureEntry[] = [
    { name: "zeta", level: "mandatory", properties: { rules, strict: true } },
    { name: "alpha", level: "advisory", properties: {} },
    { name: "mid", level: "disabled", properties: { service: "ingest", rules } },
    { name: "beta", level: "remediate", properties: { rules, nested: { a: [rules] } } },
  ];
  const req = new pb.ConfigureAnalyzerRequest();
  const levels = ["advisory", "mandatory", "disabled", "remediate"];
  for (const e of entries) {
    const pc = new pb.PolicyConfig();
    pc.setEnforcementlevel(levels.indexOf(e.level));
    pc.setProperties(struct.Struct.fromJavaScript(e.properties));
    req.getPolicyconfigMap().set(e.name, pc);
  }
  const expected = Buffer.from(req.serializeBinary());
  expect(Buffer.from(configureRequestBytes(path.join(ROOT, "policy-pack"), entries)).equals(expected)).toBe(true);
  // and a different config gives different bytes (the comparison can fail)
  const other = entries.map((e) => (e.name === "mid" ? { ...e, level: "advisory" as const } : e));
  expect(Buffer.from(configureRequestBytes(path.join(ROOT, "policy-pack"), other)).equals(expected)).toBe(false);
});
