"use strict";
// The benchmark's floor (bench/pack.bench.ts): what any pack costs. Plain JavaScript, @pulumi/policy as published
// (resolved from the repository's node_modules), one trivial resource policy and one trivial stack policy.
const { PolicyPack } = require("@pulumi/policy");

new PolicyPack("floor", {
  policies: [
    {
      name: "floor-resource",
      description: "Reads one property of every resource.",
      enforcementLevel: "advisory",
      validateResource: (args, reportViolation) => {
        if (args.props.floorNeverSet === true) reportViolation("never");
      },
    },
    {
      name: "floor-stack",
      description: "Counts the stack's resources.",
      enforcementLevel: "advisory",
      validateStack: (args, reportViolation) => {
        if (args.resources.length < 0) reportViolation("never");
      },
    },
  ],
});
