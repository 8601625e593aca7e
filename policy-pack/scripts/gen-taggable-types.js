#!/usr/bin/env node
/**
 * Writes policy-pack/policies/taggable-types.json: every resource type of the installed AWS provider whose inputs
 * have `tags` (the provider ships no schema.json, so this reads its SDK: each `<Class>Args` interface with a
 * `tags?` property, and the class's `__pulumiType` token). Run after upgrading @pulumi/aws:
 *   node policy-pack/scripts/gen-taggable-types.js          (write)
 *   node policy-pack/scripts/gen-taggable-types.js --check  (exit 1 if the file is stale)
 */
const fs = require("fs");
const path = require("path");

const OUT = path.join(__dirname, "..", "policies", "taggable-types.json");

function awsDir() {
  return path.dirname(require.resolve("@pulumi/aws/package.json", { paths: [path.join(__dirname, "..", "..")] }));
}

function taggableTypes(root = awsDir()) {
  const types = new Set();
  for (const mod of fs.readdirSync(root, { withFileTypes: true })) {
    if (!mod.isDirectory() || mod.name === "node_modules" || mod.name === "types" || mod.name === "config") continue;
    const dir = path.join(root, mod.name);
    for (const f of fs.readdirSync(dir)) {
      if (!f.endsWith(".js")) continue;
      const js = fs.readFileSync(path.join(dir, f), "utf8");
      const m = /static __pulumiType = '([^']+)'/.exec(js);
      const dts = path.join(dir, f.replace(/\.js$/, ".d.ts"));
      if (!m || !fs.existsSync(dts)) continue;
      const cls = m[1].split(":").pop();
      const text = fs.readFileSync(dts, "utf8");
      const start = text.indexOf(`export interface ${cls}Args {`);
      if (start < 0) continue;
      const end = text.indexOf("\n}", start);
      if (/^\s{4}tags\?:/m.test(text.slice(start, end))) types.add(m[1]);
    }
  }
  return [...types].sort();
}

function render(types) {
  const version = require(path.join(awsDir(), "package.json")).version;
  return `${JSON.stringify({ provider: `@pulumi/aws ${version}`, types }, null, 1)}\n`;
}

if (require.main === module) {
  const text = render(taggableTypes());
  if (process.argv.includes("--check")) {
    const current = fs.existsSync(OUT) ? fs.readFileSync(OUT, "utf8") : "";
    if (current !== text) {
      console.error(
        `${path.relative(process.cwd(), OUT)} is stale: run node policy-pack/scripts/gen-taggable-types.js`,
      );
      process.exit(1);
    }
  } else {
    fs.writeFileSync(OUT, text);
    console.log(`taggable-types.json: ${JSON.parse(text).types.length} types`);
  }
}

module.exports = { taggableTypes, render };
