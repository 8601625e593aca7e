#!/usr/bin/env node
/** Writes docs/RULES.md (or checks it with --check): bundles scripts/gen-docs.ts with esbuild and runs it. */
const esbuild = require("esbuild");
const fs = require("fs");
const path = require("path");
const os = require("os");

const tmp = path.join(os.tmpdir(), `env-parity-gen-docs-${process.pid}.js`);
esbuild.buildSync({
  entryPoints: [path.join(__dirname, "gen-docs.ts")],
  outfile: tmp,
  bundle: true,
  platform: "node",
  format: "cjs",
  external: ["@pulumi/*"],
  logLevel: "warning",
});
try {
  const text = require(tmp).renderRulesDoc();
  const file = path.join(__dirname, "..", "..", "docs", "RULES.md");
  if (process.argv.includes("--check")) {
    if (fs.readFileSync(file, "utf8") !== text) {
      console.error(`${file} is out of date: run node policy-pack/scripts/write-rules-doc.js`);
      process.exit(1);
    }
  } else {
    fs.writeFileSync(file, text);
    console.log(`wrote ${file}`);
  }
} finally {
  fs.rmSync(tmp, { force: true });
}
