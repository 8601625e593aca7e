"use strict";
/**
 * The wire signatures the bundled @pulumi/policy reads from `@pulumi/pulumi/runtime/rpc` (which loads the SDK's
 * runtime: settings, state, closures). build.js checks each value against the installed module and fails the build
 * if one differs or a new member is used.
 */
exports.specialSigKey = "4dabf18193072939515e22adb298388d";
exports.specialAssetSig = "c44067f5952c0a294b673a41bacd8c17";
exports.specialArchiveSig = "0def7320c3a5731c473e5ecbe6d01bc7";
exports.specialSecretSig = "1b47061264138c4ac30d75fd1eb44270";
exports.specialResourceSig = "5cf8f73096256a8f31e491e813e4eb8e";
exports.specialOutputValueSig = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
