#!/usr/bin/env node
"use strict";
// The CLI is compiled by `npm run build` (run automatically by `npm ci` / `npm install` through `prepare`).
try {
  require("../dist/cli/index.js");
} catch (e) {
  if (e && e.code === "MODULE_NOT_FOUND" && String(e.message).includes("dist/cli/index.js")) {
    process.stderr.write("parity: not built yet — run `npm run build` (or `npm ci`) first\n");
    process.exit(70);
  }
  throw e;
}
