/**
 * `@env-parity/components`: the reusable Pulumi components of env-parity's platforms, and the few helpers programs
 * build them with (naming, tags, least-privilege IAM documents, handler bundling, stack config). Programs import this
 * module only, never a file of the package: what is not exported here is internal and may change.
 *
 * Every component registers under a stable type token (`env-parity:<module>:<Type>`) and names its children from the
 * `Naming` it is given, so the URNs of a stack stay what its lock file (`*.parity-lock.json`) records.
 */

// Naming and tags: every name and tag of a stack, from its environment.
export { Naming, type NamingContext } from "./naming";
export { standardTags, REQUIRED_TAG_KEYS, type StandardTagsInput, type Tags } from "./tags";

// Stack configuration: read once, validated against the project's schema and rule set.
export {
  readStackConfig,
  ConfigValidationError,
  loadRules,
  InputError,
  type StackConfig,
  type StackConfigSpec,
  type StackIdentity,
  type RuleSet,
} from "./stack-config";

// IAM: least-privilege policy documents, wildcards only where the rules' `iamExceptions` allow them.
export {
  policyDocument,
  assertNoUnscopedWildcards,
  wildcardCheckFor,
  lambdaVpcAccessGrants,
  type IamContext,
  type PolicyGrant,
  type WildcardCheck,
} from "./iam-policy";
export { FunctionRole, type FunctionRoleArgs } from "./iam";

// Functions: bundling a TypeScript handler, the runtime, an S3-triggered function with its log group.
export { bundleHandler, type BundleOptions } from "./lambda-bundle";
export { LAMBDA_RUNTIME, ValidatorFunction, type ValidatorFunctionArgs } from "./processing";

// Network: a VPC per environment with its egress mode.
export {
  Network,
  availabilityZoneIdsFor,
  subnetLayout,
  AVAILABILITY_ZONE_IDS,
  DEFAULT_INTERFACE_ENDPOINTS,
  type EgressMode,
  type NatGatewayLayout,
  type NetworkArgs,
} from "./network";

// Data: S3 bucket, DynamoDB table, Aurora PostgreSQL, and the alarms on them.
export { DataBucket, NONCURRENT_VERSION_EXPIRATION_DAYS, type DataBucketArgs } from "./storage";
export { Table, AUTOSCALED_IGNORE_CHANGES, type TableArgs, type TableCapacity } from "./table";
export { Database, AURORA_POSTGRES_VERSION, type DatabaseArgs } from "./database";
export { Alarms, type AlarmsArgs } from "./alarms";
