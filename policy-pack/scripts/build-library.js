#!/usr/bin/env node
/**
 * Builds the published library `env-parity/policy` (dist/policy/index.js): policy-pack/lib/pack.ts bundled with the
 * rules library, the user's @pulumi/policy and @pulumi/pulumi left external, the rules and lock validators generated
 * at this build (./precompiled-plugin.js); then its hand-written types beside it.
 */
const esbuild = require("esbuild");
const fs = require("fs");
const path = require("path");
const { precompiledPlugin } = require("./precompiled-plugin");

const ROOT = path.join(__dirname, "..", "..");
esbuild
  .build({
    entryPoints: [path.join(ROOT, "policy-pack", "lib", "pack.ts")],
    outfile: path.join(ROOT, "dist", "policy", "index.js"),
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    logLevel: "warning",
    external: ["@pulumi/policy", "@pulumi/pulumi"],
    plugins: [precompiledPlugin],
  })
  .then(() =>
    fs.copyFileSync(
      path.join(ROOT, "policy-pack", "lib", "public.d.ts"),
      path.join(ROOT, "dist", "policy", "index.d.ts"),
    ),
  )
  .catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
