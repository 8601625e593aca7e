/** Entry of `bin/parity.js` (compiled to dist/cli/index.js): runs the CLI on the process and sets its exit code. */
// The code cache first, so that it sees every module loaded after it.
import "./boot";
import { run } from "./main";
import { processIO } from "./util/io";

void run(process.argv.slice(2), processIO()).then((code) => {
  process.exitCode = code;
  // Anything left running (a misbehaving child) must not keep CI waiting; stdout is flushed by then.
  setTimeout(() => process.exit(code), 5000).unref();
});
