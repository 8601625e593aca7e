/**
 * The data platform (project `data-platform`): config → one Environment → outputs prefixed with the
 * environment name (`devRawBucketName`, `prodValidatorFunctionArn`, …).
 */
import * as path from "path";
import { Environment } from "./components/environment";
import { loadPlatformConfig } from "./config";

const config = loadPlatformConfig();
const env = new Environment(`${config.env}-${config.service}-environment`, {
  config,
  validatorEntry: path.join(__dirname, "functions", "validator", "index.ts"),
  replicatorEntry: path.join(__dirname, "functions", "replicator", "index.ts"),
  sourceRoot: path.resolve(__dirname, ".."),
});

const exported: Record<string, unknown> = {};
for (const [key, value] of Object.entries(env.outputs)) exported[env.naming.output(key)] = value;

export = exported;
