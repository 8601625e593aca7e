#!/usr/bin/env node
/** Runs every bench/*.bench.ts (bundled with esbuild, externals kept) one after another; they print their figures. */
const esbuild = require("esbuild");
const fs = require("fs");
const path = require("path");
const { spawnSync } = require("child_process");

const only = process.argv[2];
const files = fs.readdirSync(__dirname).filter((f) => f.endsWith(".bench.ts") && (!only || f.includes(only)));
if (only === "pack" && !files.includes("lock.bench.ts")) files.push("lock.bench.ts"); // the lock's cost beside the pack's
let failed = 0;
for (const f of files) {
  // Next to the sources, so `require` of external packages resolves from the repo's node_modules.
  const out = path.join(__dirname, `.${path.basename(f, ".ts")}-${process.pid}.js`);
  esbuild.buildSync({
    entryPoints: [path.join(__dirname, f)],
    outfile: out,
    bundle: true,
    platform: "node",
    format: "cjs",
    packages: "external",
    logLevel: "warning",
  });
  console.log(`\n== ${f}`);
  // Run from bench/ so relative paths (__dirname of the bundle is tmp) are given explicitly.
  const r = spawnSync(process.execPath, [out], {
    stdio: "inherit",
    env: { ...process.env, ENV_PARITY_ROOT: path.resolve(__dirname, "..") },
  });
  fs.rmSync(out, { force: true });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
