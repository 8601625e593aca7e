// Prints the plain closing line CI reads, from jest's JSON results. Non-test steps that failed count as failures.
"use strict";
const fs = require("fs");
const [file, otherFailures = "0"] = process.argv.slice(2);
let passed = 0, failed = Number(otherFailures) || 0;
try {
  const r = JSON.parse(fs.readFileSync(file, "utf8"));
  passed = r.numPassedTests;
  failed += r.numFailedTests + (r.numRuntimeErrorTestSuites || 0);
} catch (e) {
  console.error(`no jest results in ${file}: ${e.message}`);
  failed += 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
