"use strict";
/**
 * What the bundled @pulumi/policy reads from the `@pulumi/pulumi` index, and nothing else: `asset` (to deserialise
 * assets/archives) and `Output` (to refuse serialising outputs in remediations). The index would load the whole SDK
 * (automation API included, ~0.3-0.6 s); these load the installed submodules on first use.
 * build.js checks that every `pulumi_1.<x>` the bundled SDK uses is exported here.
 */
Object.defineProperty(exports, "asset", { enumerable: true, get: () => require("@pulumi/pulumi/asset") });
Object.defineProperty(exports, "Output", { enumerable: true, get: () => require("@pulumi/pulumi/output").Output });
