import * as fs from "node:fs";
import { cli, fx, RULES } from "/work/main/test/cli/run-cli";
test("x", async () => {
  const inv = await cli(["explain", "parity-lambda-runtime", "--rules", RULES]);
  console.log(inv.stdout);
});
