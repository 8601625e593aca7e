/**
 * env-parity consistency rules: the one model, rule set, config validation, normaliser and comparer.
 * Used by the infra program, the policy pack and the CLI. Never imports @pulumi/pulumi or @pulumi/policy.
 */
export * from "./model";
export * from "./sentinels";
export * from "./errors";
export * from "./ajv";
export * from "./paths";
export * from "./rules";
export * from "./config";
export * from "./normalise";
export * from "./compare";
export * from "./iam";
export * from "./cidr";
export * from "./lock";
