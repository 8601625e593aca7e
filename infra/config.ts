import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { sharedAjv } from "../consistency-rules/src/ajv";
import { configFromRuntime, validateStackConfig } from "../consistency-rules/src/config";
import { InputError } from "../consistency-rules/src/errors";
import { loadRules } from "../consistency-rules/src/rules";
import schema from "../consistency-rules/data-platform.config.schema.json";

/** The rule set of this project: pins each environment's account and region (checked when the file is present). */
export const RULES_FILE = path.resolve(__dirname, "../consistency-rules/data-platform.rules.json");

/** The validated, typed configuration of one stack. Frozen. */
export interface PlatformConfig {
  readonly project: string;
  /** Stack name, which is the environment name (`dev`, `staging`, `prod`). */
  readonly stack: string;
  readonly env: string;
  /** `aws:region`. */
  readonly region: string;
  readonly accountId: string;
  readonly service: string;
  readonly environmentSuffix: string;
  readonly team: string;
  readonly costCenter: string;
  readonly lambdaMemoryMb: number;
  readonly lambdaTimeoutSec: number;
  readonly logRetentionDays: number;
  readonly xrayTracing: boolean;
  readonly sseAlgorithm: "aws:kms" | "AES256";
  readonly alertEmails: readonly string[];
  readonly lambdaEnvironment: Readonly<Record<string, string>>;
  readonly logLevel: "debug" | "info" | "warn" | "error";
  readonly vpcCidr: string;
  /** Secret: never leaves an Output. */
  readonly validatorApiToken: pulumi.Output<string>;
}

/**
 * A stack config the schema rejects: one line per problem (`Pulumi.dev.yaml: data-platform:lambdaMemoryMb …`),
 * as a RunError so the engine prints the lines without a stack trace. `errors` lets the offline planner
 * return the same problems as InputErrors.
 */
export class ConfigValidationError extends pulumi.RunError {
  readonly errors: readonly InputError[];
  constructor(errors: readonly InputError[]) {
    super(errors.map((e) => e.message).join("\n"));
    this.errors = errors;
  }
}

/**
 * Reads every config key of the stack once, validates the project's namespace against the schema, and returns
 * the typed config. Throws {@link ConfigValidationError} listing every problem.
 */
export function loadPlatformConfig(): PlatformConfig {
  const project = pulumi.getProject();
  const stack = pulumi.getStack();
  const file = `Pulumi.${stack}.yaml`;
  const rules = fs.existsSync(RULES_FILE) ? loadRules(RULES_FILE) : undefined;
  const env = rules?.envForStack(stack) ?? stack;
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  const values = configFromRuntime(pulumi.runtime.allConfig(), { project, schema, isSecretKey: runtime.isConfigSecret });

  const errors = validateStackConfig(values, { file, stack, env, project, schema, rules });
  // `aws:region` is outside the project namespace: the program needs it for the provider and the ARNs.
  const region = values["aws:region"];
  if (!errors.some((e) => e.pointer === "aws:region")) {
    if (region === undefined) errors.push(new InputError(file, "aws:region", "is required"));
    else if (!sharedAjv().validate({ type: "string", format: "aws-region" }, region)) {
      errors.push(new InputError(file, "aws:region", `must be a valid aws-region, got ${JSON.stringify(region)}`));
    }
  }
  if (errors.length > 0) throw new ConfigValidationError(errors);

  const ns = (key: string) => values[`${project}:${key}`];
  return Object.freeze({
    project,
    stack,
    env,
    region: region as string,
    accountId: ns("accountId") as string,
    service: ns("service") as string,
    environmentSuffix: ns("environmentSuffix") as string,
    team: ns("team") as string,
    costCenter: ns("costCenter") as string,
    lambdaMemoryMb: ns("lambdaMemoryMb") as number,
    lambdaTimeoutSec: ns("lambdaTimeoutSec") as number,
    logRetentionDays: ns("logRetentionDays") as number,
    xrayTracing: ns("xrayTracing") as boolean,
    sseAlgorithm: ns("sseAlgorithm") as PlatformConfig["sseAlgorithm"],
    alertEmails: Object.freeze([...(ns("alertEmails") as string[])]),
    lambdaEnvironment: Object.freeze({ ...((ns("lambdaEnvironment") as Record<string, string> | undefined) ?? {}) }),
    logLevel: (ns("logLevel") as PlatformConfig["logLevel"] | undefined) ?? "info",
    vpcCidr: ns("vpcCidr") as string,
    // Read through pulumi.Config so the value never leaves an Output marked secret.
    validatorApiToken: new pulumi.Config(project).requireSecret("validatorApiToken"),
  });
}
