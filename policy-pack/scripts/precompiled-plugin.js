"use strict";
const esbuild = require("esbuild");
const Module = require("module");
const path = require("path");

/**
 * `env-parity-precompiled/rules` and `/lock` (consistency-rules/src/ajv.ts asks for them): the rules and lock schemas'
 * validators generated now, by the same code `npm run build` writes dist/consistency-rules/src/*.validate.js with (precompile.ts,
 * bundled here on the fly so the pack builds from the sources alone), its formats and ajv runtime bundled in. The
 * pack then validates its rule sets and locks at start without compiling a schema.
 */
exports.precompiledPlugin = {
  name: "env-parity-precompiled",
  setup(build) {
    build.onResolve({ filter: /^env-parity-precompiled\/(rules|lock)$/ }, (args) => ({
      path: args.path,
      namespace: "env-parity-precompiled",
    }));
    const src = path.join(__dirname, "..", "..", "consistency-rules", "src");
    let precompile; // precompile.ts, bundled and loaded once per build (both validators come from it)
    const load = () => {
      if (precompile) return precompile;
      const out = esbuild.buildSync({
        entryPoints: [path.join(src, "precompile.ts")],
        bundle: true,
        platform: "node",
        format: "cjs",
        packages: "external",
        write: false,
        logLevel: "error",
      });
      const m = new Module(path.join(src, "precompile.bundled.js"));
      m.paths = Module._nodeModulePaths(src);
      m._compile(out.outputFiles[0].text, m.id);
      return (precompile = m.exports);
    };
    build.onLoad({ filter: /.*/, namespace: "env-parity-precompiled" }, (args) => {
      const { PRECOMPILED_SCHEMAS, validatorSource } = load();
      const code = validatorSource(PRECOMPILED_SCHEMAS[args.path.split("/")[1]])
        .split('require("./formats.js")')
        .join('require("./formats")');
      return { contents: code, loader: "js", resolveDir: src };
    });
  },
};
