/**
 * Reading a stack's configuration, shared by every program (`infra/config.ts`, `examples/payments/config.ts`):
 * every key once from the runtime, the project namespace validated against the project's config schema and, when the
 * project has a rule set, the environment's account and region checked against it. Every problem is one line naming
 * `Pulumi.<stack>.yaml` and the key.
 */
import * as pulumi from "@pulumi/pulumi";
import { sharedAjv } from "../consistency-rules/src/ajv";
import { configFromRuntime, validateStackConfig } from "../consistency-rules/src/config";
import { InputError } from "../consistency-rules/src/errors";
import type { RuleSet } from "../consistency-rules/src/rules";

/** What a program needs of the rules library to call {@link readStackConfig}: its rule set and its one-line error. */
export { InputError };
export { loadRules, type RuleSet } from "../consistency-rules/src/rules";

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

/** Where a stack's values are checked against. */
export interface StackConfigSpec {
  /** JSON schema of the project namespace (`<project>.config.schema.json`). */
  readonly schema: object;
  /** The project's consistency rules: the environment of the stack, its account and region. */
  readonly rules?: RuleSet;
  /** Checks the schema cannot express; run only when the schema accepts the values. */
  readonly crossKeyErrors?: (stack: StackConfig) => InputError[];
}

/** One stack's validated config values (untyped: each program picks and types its keys). */
export interface StackConfig {
  /** `pulumi.getProject()`: the namespace of the project's keys. */
  readonly project: string;
  /** `pulumi.getStack()`. */
  readonly stack: string;
  /** The stack's environment: from the rules' `stacks`, else the stack name. */
  readonly env: string;
  /** `Pulumi.<stack>.yaml`: the file problems are reported against. */
  readonly file: string;
  /** `aws:region` (outside the project namespace; the program needs it for the provider and the ARNs). */
  readonly region: string;
  /** Every config value by full key (`<project>:<key>`, `aws:region`), structured values parsed. */
  readonly values: Readonly<Record<string, unknown>>;
  /** A key of the project namespace. */
  ns(key: string): unknown;
}

/** What every program's typed config carries: where the stack lives and what names and tags it builds from. */
export interface StackIdentity {
  /** The Pulumi project. */
  readonly project: string;
  /** The environment (`dev`, `staging`, `prod`). */
  readonly env: string;
  /** `aws:region`. */
  readonly region: string;
  /** The AWS account of the environment (pinned by the rules' `environments`). */
  readonly accountId: string;
  /** Second segment of every name (`Naming`). */
  readonly service: string;
  /** Suffix of physical names (`Naming`). */
  readonly environmentSuffix: string;
  /** `Team` tag. */
  readonly team: string;
  /** `CostCenter` tag. */
  readonly costCenter: string;
}

/** Reads and validates the stack's config once. Throws {@link ConfigValidationError} listing every problem. */
export function readStackConfig(spec: StackConfigSpec): StackConfig {
  const project = pulumi.getProject();
  const stack = pulumi.getStack();
  const file = `Pulumi.${stack}.yaml`;
  const { schema, rules } = spec;
  const env = rules?.envForStack(stack) ?? stack;
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  const values = configFromRuntime(pulumi.runtime.allConfig(), {
    project,
    schema,
    isSecretKey: runtime.isConfigSecret,
  });
  const region = values["aws:region"];
  const config: StackConfig = {
    project,
    stack,
    env,
    file,
    region: region as string,
    values,
    ns: (key) => values[`${project}:${key}`],
  };

  const errors = validateStackConfig(values, { file, stack, env, project, schema, rules });
  if (errors.length === 0 && spec.crossKeyErrors) errors.push(...spec.crossKeyErrors(config));
  if (!errors.some((e) => e.pointer === "aws:region")) {
    if (region === undefined) errors.push(new InputError(file, "aws:region", "is required"));
    else if (!sharedAjv().validate({ type: "string", format: "aws-region" }, region)) {
      errors.push(new InputError(file, "aws:region", `must be a valid aws-region, got ${JSON.stringify(region)}`));
    }
  }
  if (errors.length > 0) throw new ConfigValidationError(errors);
  return config;
}
