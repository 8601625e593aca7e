// The ready-made env-parity pack: no rules built in. Give each project's rule set in policy config, as the
// `rules` property of the policies (at least `parity-consistency-rules`; every policy that needs the environment
// reads it from its own config), e.g. per Pulumi Cloud policy group, then `pulumi policy publish` this folder.
// To bake your rules in instead, build your own pack: `parity init --pack` (see docs/ADOPTING.md).
"use strict";
let lib;
try {
  lib = require("env-parity/policy");
} catch {
  lib = require("../../dist/policy/index.js"); // inside the installed env-parity package itself
}
lib.envParityPack(process.env.ENV_PARITY_PACK_NAME || "env-parity", {});
