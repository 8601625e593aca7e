/**
 * The CLI process caches the code it compiles (cli/boot.ts → planner/compile-cache.ts): its own dist modules and its
 * dependencies, under `node_modules/.cache/env-parity-cli` of the node_modules that holds the package. A second run is
 * served from the cache (Node 20: this repo's hook; Node ≥ 22.1: Node's own cache) and prints what the first printed;
 * ENV_PARITY_COMPILE_CACHE=0 leaves the loader alone.
 */
import * as fs from "node:fs";
import Module from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { cliCompileCacheDir } from "../../cli/sources/planner/compile-cache";
import { binParity, fx, ROOT, RULES } from "./run-cli";

const V8 = `v8-${process.version}-${process.arch}`;

describe("cliCompileCacheDir", () => {
  test("installed: the node_modules that holds the package (scoped or not); a checkout: its own node_modules", () => {
    expect(cliCompileCacheDir("/p/node_modules/env-parity", {})).toBe(`/p/node_modules/.cache/env-parity-cli/${V8}`);
    expect(cliCompileCacheDir("/p/node_modules/@acme/env-parity", {})).toBe(
      `/p/node_modules/.cache/env-parity-cli/${V8}`,
    );
    expect(cliCompileCacheDir("/src/env-parity", {})).toBe(`/src/env-parity/node_modules/.cache/env-parity-cli/${V8}`);
  });

  test("off with ENV_PARITY_COMPILE_CACHE=0 or ENV_PARITY_PLAN_CACHE=0", () => {
    expect(cliCompileCacheDir("/src/env-parity", { ENV_PARITY_COMPILE_CACHE: "0" })).toBeUndefined();
    expect(cliCompileCacheDir("/src/env-parity", { ENV_PARITY_PLAN_CACHE: "0" })).toBeUndefined();
  });
});

describe("the built CLI", () => {
  let probe: string;
  beforeAll(() => {
    if (!fs.existsSync(path.join(ROOT, "dist/cli/index.js"))) throw new Error("run `npm run build` first");
    // Prints, at exit, what the cache did in this process (the same module instance the CLI's boot installed).
    probe = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "parity-cli-cache-")), "probe.js");
    fs.writeFileSync(
      probe,
      `const cc = require(${JSON.stringify(path.join(ROOT, "dist/cli/sources/planner/compile-cache.js"))});\n` +
        `process.on("exit", () => process.stderr.write("CACHE " + JSON.stringify(cc.compileCacheStats()) + "\\n"));\n`,
    );
  });
  afterAll(() => fs.rmSync(path.dirname(probe), { recursive: true, force: true }));

  const diff = (env: NodeJS.ProcessEnv = {}) => {
    const r = binParity(
      ["diff", fx("exports/dev.json"), fx("exports/staging-drifted.json"), "--rules", RULES, "--format", "json"],
      { env, nodeArgs: ["-r", probe] },
    );
    const stats = JSON.parse(/CACHE (.*)/.exec(r.stderr)?.[1] ?? "null") as {
      mode: string;
      hits: number;
      misses: number;
    };
    return { status: r.code, stdout: r.stdout, stats };
  };

  test("a second run is served from the cache and prints the same report; with the cache off, the loader is left alone", () => {
    const first = diff();
    const second = diff();
    const off = diff({ ENV_PARITY_COMPILE_CACHE: "0" });
    expect(first.status).toBe(1); // the drifted staging differs
    expect(second.stdout).toBe(first.stdout);
    expect(off.stdout).toBe(first.stdout);
    expect(off.stats.mode).toBe("off");
    const native = typeof (Module as { enableCompileCache?: unknown }).enableCompileCache === "function";
    expect(second.stats.mode).toBe(native ? "native" : "hook");
    if (!native) {
      // the CLI's own modules and its dependencies, all from cached code on the second run
      expect(second.stats.hits).toBeGreaterThan(30);
      expect(second.stats.misses).toBe(0);
    }
    const dir = cliCompileCacheDir(ROOT)!;
    expect(fs.readdirSync(dir).length).toBeGreaterThan(0);
  });
});
