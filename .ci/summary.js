// Prints the plain closing line CI reads, merged from jest's JSON result files. Usage: summary.js <failedSteps> <file>...
// Non-test steps that failed count as failures; a results file that is missing or unreadable counts as one failure.
"use strict";
const fs = require("fs");
const [otherFailures = "0", ...files] = process.argv.slice(2);
let passed = 0;
let failed = Number(otherFailures) || 0;
for (const file of files) {
  try {
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    passed += r.numPassedTests;
    failed += r.numFailedTests + (r.numRuntimeErrorTestSuites || 0);
    console.log(`${file}: ${r.numPassedTests} passed, ${r.numFailedTests + (r.numRuntimeErrorTestSuites || 0)} failed`);
  } catch (e) {
    console.error(`no jest results in ${file}: ${e.message}`);
    failed += 1;
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
