/**
 * A stack of a Pulumi project as the engine's nodejs language host would run it: `Pulumi.yaml` (`name`, `main`,
 * `runtime` and its options), `Pulumi.<stack>.yaml` as config strings with secret keys flagged, the project's SDK.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { readStackConfigFile } from "../../../consistency-rules/src/config";
import { InputError } from "../../../consistency-rules/src/errors";
import { SECRET_PLACEHOLDER, SECRET_SIG, SIG_KEY, isSecret } from "../../../consistency-rules/src/sentinels";
import { yaml } from "../../../consistency-rules/src/yaml";
import type { PlanWorkerInput, RuntimeSetup } from "./types";

/** Config as the engine hands it to a program: strings (structured values as JSON), secrets flagged. */
export function engineConfig(values: Readonly<Record<string, unknown>>): {
  config: Record<string, string>;
  secretKeys: string[];
  snapshotConfig: Record<string, unknown>;
} {
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const snapshotConfig: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (isSecret(value)) {
      // No decryption key offline: the program sees a placeholder, as a secret.
      config[key] = SECRET_PLACEHOLDER;
      secretKeys.push(key);
      snapshotConfig[key] = { [SIG_KEY]: SECRET_SIG };
      continue;
    }
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
    snapshotConfig[key] = value;
  }
  return { config, secretKeys, snapshotConfig };
}

export interface ProjectFile {
  readonly file: string;
  readonly name: string;
  readonly program: string;
  readonly runtime: RuntimeSetup;
}

function readTsconfigNoCheck(file: string): boolean {
  try {
    // tsconfig allows comments and trailing commas; noCheck is all we need from it here.
    return /"noCheck"\s*:\s*true/.test(fs.readFileSync(file, "utf8"));
  } catch {
    return false;
  }
}

/** Reads `Pulumi.yaml`: the project name, the program (`main`) and how the nodejs host runs it. Non-nodejs → InputError. */
export function readProjectFile(projectDir: string): ProjectFile {
  const file = path.join(projectDir, "Pulumi.yaml");
  if (!fs.existsSync(file)) throw new InputError(projectDir, "", "has no Pulumi.yaml: not a Pulumi project directory");
  let doc: Record<string, unknown> | null;
  try {
    doc = yaml().parse(fs.readFileSync(file, "utf8")) as Record<string, unknown> | null;
  } catch (e) {
    throw new InputError(file, "", `is not valid YAML: ${String((e as Error).message).split("\n")[0]}`);
  }
  const name = doc?.name;
  if (typeof name !== "string" || name === "") throw new InputError(file, "name", "is required (the project name)");
  const rt = doc?.runtime;
  const runtimeName =
    typeof rt === "string" ? rt : rt && typeof rt === "object" ? (rt as Record<string, unknown>).name : undefined;
  if (runtimeName !== "nodejs") {
    throw new InputError(
      file,
      "runtime",
      `is ${JSON.stringify(runtimeName ?? null)}: the offline planner runs nodejs programs only (TypeScript or JavaScript)`,
    );
  }
  const options = (rt && typeof rt === "object" ? (rt as Record<string, unknown>).options : undefined) as
    Record<string, unknown> | undefined;
  const typescript =
    options?.typescript === undefined ? true : options.typescript !== false && options.typescript !== "false";
  const tsconfigOpt = options?.tsconfig;
  if (tsconfigOpt !== undefined && typeof tsconfigOpt !== "string")
    throw new InputError(file, "runtime/options/tsconfig", "must be a path relative to the project directory");
  const tsconfig = path.resolve(projectDir, tsconfigOpt ?? "tsconfig.json");
  const env = process.env.PULUMI_NODEJS_TRANSPILE_ONLY;
  const typecheck = typescript && (env ? env !== "true" : !readTsconfigNoCheck(tsconfig));
  const main = doc?.main ?? ".";
  if (typeof main !== "string" || main === "")
    throw new InputError(file, "main", "must be a path relative to the project directory");
  const program = path.resolve(projectDir, main);
  if (!fs.existsSync(program))
    throw new InputError(file, "main", `names ${JSON.stringify(main)}, which does not exist`);
  return { file, name, program, runtime: { typescript, typecheck, tsconfig } };
}

export interface PreparedInput {
  readonly input: PlanWorkerInput;
  readonly stackFile: string;
  readonly snapshotConfig: Record<string, unknown>;
  readonly accountId?: string;
  readonly region?: string;
  readonly suffix?: string;
}

const str = (v: unknown) => (typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined);

/** Reads the project and `Pulumi.<stack>.yaml` (InputErrors for bad files) and builds what the child needs. */
export function prepareInput(
  projectDir: string,
  stack: string,
  stackOutputs: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {},
): PreparedInput {
  const project = readProjectFile(projectDir);
  const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(stackFile))
    throw new InputError(stackFile, "", `does not exist: no stack ${JSON.stringify(stack)} in ${projectDir}`);
  const { values } = readStackConfigFile(stackFile);
  const { config, secretKeys, snapshotConfig } = engineConfig(values);
  let pulumiModule: string;
  try {
    pulumiModule = require.resolve("@pulumi/pulumi", { paths: [projectDir] });
  } catch {
    throw new InputError(project.file, "", "project has no @pulumi/pulumi installed (run npm install in the project)");
  }
  const allowed = values["aws:allowedAccountIds"];
  const accountId = str(values[`${project.name}:accountId`]) ?? (Array.isArray(allowed) ? str(allowed[0]) : undefined);
  const region = str(values["aws:region"]);
  const suffix = str(values[`${project.name}:environmentSuffix`]);
  return {
    input: {
      projectDir,
      program: project.program,
      pulumiModule,
      project: project.name,
      stack,
      config,
      secretKeys,
      stackOutputs: stackOutputs as Record<string, Record<string, unknown>>,
      accountId: accountId ?? "123456789012",
      region: region ?? "us-east-1",
      runtime: project.runtime,
      stackFile,
    },
    stackFile,
    snapshotConfig,
    accountId,
    region,
    suffix,
  };
}
