import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { InputError, loadRules, readStackConfig, type RuleSet, type StackIdentity } from "@env-parity/components";
import { configSkipKeys } from "./functions/replicator/skip-keys";
import schema from "../consistency-rules/data-platform.config.schema.json";

/** The rule set of this project: pins each environment's account and region (checked when the file is present). */
export const RULES_FILE = path.resolve(__dirname, "../consistency-rules/data-platform.rules.json");

/** The validated, typed configuration of one stack. Frozen. */
export interface PlatformConfig extends StackIdentity {
  /** Stack name, which is the environment name (`dev`, `staging`, `prod`). */
  readonly stack: string;
  readonly lambdaMemoryMb: number;
  readonly lambdaTimeoutSec: number;
  readonly logRetentionDays: number;
  readonly xrayTracing: boolean;
  readonly sseAlgorithm: "aws:kms" | "AES256";
  readonly alertEmails: readonly string[];
  readonly lambdaEnvironment: Readonly<Record<string, string>>;
  readonly logLevel: "debug" | "info" | "warn" | "error";
  readonly vpcCidr: string;
  /** Availability zones of the VPC (3; 2 in us-west-1, which offers new accounts only 2). */
  readonly azCount: number;
  /** Application configuration (SSM parameters `/{project}/{env}/{key}`). */
  readonly appConfig: Readonly<Record<string, string>>;
  /** Keys of {@link appConfig} stored as SecureString. */
  readonly appConfigSecretKeys: readonly string[];
  readonly replication: ReplicationConfig;
  /** Keys never replicated from the source: the rules' unexpired `config` approvals (`configSkipKeys`). */
  readonly replicationSkipKeys: readonly string[];
  /** The project's consistency rules, when the file is present (approvals, iamExceptions). */
  readonly rules?: RuleSet;
  /** Every environment of the rule set: account and region (replication builds the other side's ARNs from them). */
  readonly environments: Readonly<Record<string, { readonly accountId?: string; readonly region?: string }>>;
  /** Secret: never leaves an Output. */
  readonly validatorApiToken: pulumi.Output<string>;
}

/** `data-platform:replication`: identical in every stack. */
export interface ReplicationConfig {
  readonly sourceEnvironment: string;
  /** `environmentSuffix` of the source stack: names the replicator role the targets trust. */
  readonly sourceEnvironmentSuffix: string;
  /** Target environment → `<org>/data-platform/<stack>`. */
  readonly targetStacks: Readonly<Record<string, string>>;
}

/** Cross-key checks the schema cannot express; one InputError per problem. */
function crossKeyErrors(
  file: string,
  project: string,
  env: string,
  values: Readonly<Record<string, unknown>>,
  rules: RuleSet | undefined,
): InputError[] {
  const errors: InputError[] = [];
  const ns = (key: string) => values[`${project}:${key}`];
  const app = (ns("appConfig") ?? {}) as Record<string, unknown>;
  ((ns("appConfigSecretKeys") ?? []) as unknown[]).forEach((k, i) => {
    if (typeof k === "string" && !(k in app))
      errors.push(
        new InputError(
          file,
          `${project}:appConfigSecretKeys[${i}]`,
          `names ${JSON.stringify(k)}, which is not a key of appConfig`,
        ),
      );
  });
  const repl = ns("replication") as Partial<ReplicationConfig> | undefined;
  if (repl && typeof repl === "object" && repl.targetStacks && typeof repl.targetStacks === "object") {
    const known = rules ? new Set(rules.envNames) : undefined;
    for (const target of Object.keys(repl.targetStacks)) {
      if (target === repl.sourceEnvironment)
        errors.push(
          new InputError(
            file,
            `${project}:replication.targetStacks.${target}`,
            "the source environment cannot be a target",
          ),
        );
      else if (known && !known.has(target))
        errors.push(
          new InputError(
            file,
            `${project}:replication.targetStacks.${target}`,
            `is not an environment of the rules (${[...known].join(", ")})`,
          ),
        );
    }
    if (known && typeof repl.sourceEnvironment === "string" && !known.has(repl.sourceEnvironment)) {
      errors.push(
        new InputError(
          file,
          `${project}:replication.sourceEnvironment`,
          `is not an environment of the rules (${[...known].join(", ")})`,
        ),
      );
    }
    if (
      repl.sourceEnvironment === env &&
      typeof repl.sourceEnvironmentSuffix === "string" &&
      repl.sourceEnvironmentSuffix !== ns("environmentSuffix")
    ) {
      errors.push(
        new InputError(
          file,
          `${project}:replication.sourceEnvironmentSuffix`,
          `must equal this (source) stack's environmentSuffix ${JSON.stringify(ns("environmentSuffix"))}`,
        ),
      );
    }
  }
  return errors;
}

export { ConfigValidationError } from "@env-parity/components";

/**
 * Reads every config key of the stack once, validates the project's namespace against the schema, and returns
 * the typed config. Throws {@link ConfigValidationError} listing every problem.
 */
export function loadPlatformConfig(): PlatformConfig {
  const rules = fs.existsSync(RULES_FILE) ? loadRules(RULES_FILE) : undefined;
  const { project, stack, env, region, ns } = readStackConfig({
    schema,
    rules,
    crossKeyErrors: (c) => crossKeyErrors(c.file, c.project, c.env, c.values, rules),
  });

  return Object.freeze({
    project,
    stack,
    env,
    region,
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
    azCount: ns("azCount") as number,
    appConfig: Object.freeze({ ...(ns("appConfig") as Record<string, string>) }),
    appConfigSecretKeys: Object.freeze([...((ns("appConfigSecretKeys") as string[] | undefined) ?? [])]),
    replication: Object.freeze(ns("replication") as ReplicationConfig),
    replicationSkipKeys: Object.freeze(rules ? configSkipKeys(rules.approvals, { project }) : []),
    rules,
    environments: Object.freeze(
      Object.fromEntries(
        Object.values(rules?.environments ?? {}).map((e) => [e.name, { accountId: e.accountId, region: e.region }]),
      ),
    ),
    // Read through pulumi.Config so the value never leaves an Output marked secret.
    validatorApiToken: new pulumi.Config(project).requireSecret("validatorApiToken"),
  });
}
