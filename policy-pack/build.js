#!/usr/bin/env node
/**
 * Bundles the pack (index.ts + policies + lib + the consistency-rules library and its bundled rule sets) into
 * dist/index.js, so `npm pack` carries everything and the pack starts without ts-node.
 * @pulumi/policy and @pulumi/pulumi stay external: the engine's protocol code must be the installed one.
 */
const esbuild = require("esbuild");
const fs = require("fs");
const path = require("path");

async function main() {
  const out = path.join(__dirname, "dist", "index.js");
  const tmp = path.join(__dirname, "dist", `.index.${process.pid}.js`);
  const result = await esbuild.build({
    entryPoints: [path.join(__dirname, "index.ts")],
    // Written aside and renamed, so concurrent builds (parallel test files) never expose a half-written pack.
    outfile: tmp,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    sourcemap: "external",
    external: ["@pulumi/policy", "@pulumi/pulumi", "@pulumi/pulumi/*"],
    logLevel: "warning",
    metafile: true,
  });
  const inputs = Object.keys(result.metafile.inputs);
  const external = inputs.filter((i) => i.includes("node_modules/@pulumi/"));
  if (external.length) throw new Error(`@pulumi packages were bundled: ${external.join(", ")}`);
  fs.renameSync(tmp, out);
  fs.renameSync(`${tmp}.map`, `${out}.map`);
  console.log(`policy-pack: bundled ${inputs.length} inputs into dist/index.js`);
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
