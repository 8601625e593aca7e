#!/usr/bin/env node
/**
 * Bundles the installed `yaml` package into one CommonJS file, dist/consistency-rules/vendor/yaml.js, which
 * consistency-rules/src/yaml.ts loads: ~5 ms against ~19 ms for the package's ~70 files on this machine's Node 20.
 * The copy carries the package's name, version and ISC licence; the build fails if the copy does not parse YAML
 * as the installed package does (a `yaml` upgrade that breaks the bundle breaks the build, not a user's run).
 */
const esbuild = require("esbuild");
const fs = require("fs");
const path = require("path");

const ROOT = path.join(__dirname, "..", "..");
const pkgDir = path.dirname(require.resolve("yaml/package.json", { paths: [ROOT] }));
const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"));
const licence = fs.readFileSync(path.join(pkgDir, "LICENSE"), "utf8").trim();
const outfile = path.join(ROOT, "dist", "consistency-rules", "vendor", "yaml.js");

esbuild
  .build({
    stdin: { contents: 'module.exports = require("yaml");', resolveDir: ROOT, loader: "js" },
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    logLevel: "warning",
    legalComments: "inline",
    banner: {
      js: `/*! ${pkg.name} ${pkg.version} (${pkg.license}), bundled from ${pkg.repository?.url ?? pkg.homepage ?? "npm"} by env-parity's build.\n${licence}\n*/`,
    },
  })
  .then(() => {
    const copy = require(outfile);
    const original = require(pkgDir);
    const sample = "a: 1\nb: [x, {c: true}]\nd: !!str 2\n";
    const same = JSON.stringify(copy.parse(sample)) === JSON.stringify(original.parse(sample));
    const api = ["parse", "parseDocument", "stringify", "isMap", "isScalar", "LineCounter", "Document"].every(
      (k) => k in copy,
    );
    if (!same || !api)
      throw new Error(`${outfile}: the bundled yaml ${pkg.version} does not behave as the installed one`);
  })
  .catch((e) => {
    console.error(`bundle-yaml: ${e.message}`);
    process.exit(1);
  });
