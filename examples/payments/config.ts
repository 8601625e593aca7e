import * as fs from "fs";
import * as path from "path";
import {
  loadRules,
  readStackConfig,
  type EgressMode,
  type NatGatewayLayout,
  type RuleSet,
  type StackIdentity,
  type TableCapacity,
} from "@env-parity/components";

/** The config schema of this project, next to its rules: the one source of truth for what a stack may set. */
export const CONFIG_SCHEMA_FILE = path.resolve(__dirname, "consistency-rules/payments.config.schema.json");
/** The consistency rules of this project: environments (account, region), approvals, iamExceptions. */
export const RULES_FILE = path.resolve(__dirname, "consistency-rules/payments.rules.json");

export interface PaymentsConfig extends StackIdentity {
  readonly vpcCidr: string;
  readonly egressMode: EgressMode;
  readonly natGateways?: NatGatewayLayout;
  readonly natInstanceType?: string;
  readonly dbInstanceClass: string;
  readonly dbInstanceCount: number;
  readonly dbBackupRetentionDays: number;
  readonly dbCpuAlarmThresholdPercent?: number;
  readonly lambdaMemoryMb: number;
  readonly lambdaTimeoutSec: number;
  readonly logRetentionDays: number;
  readonly tableCapacity: TableCapacity;
  readonly tablePointInTimeRecovery: boolean;
  readonly receiptsGlacierTransitionDays: number;
  readonly receiptsGlacierTransitionEnabled: boolean;
  readonly sseAlgorithm: "aws:kms" | "AES256";
  /** The project's consistency rules (the IAM exceptions the function's policies may use). */
  readonly rules: RuleSet;
}

/**
 * Reads and validates the stack config once (`readStackConfig`: schema, and the environment's account and region from
 * the rules); every problem is one line naming `Pulumi.<stack>.yaml` and the key.
 */
export function loadPaymentsConfig(): PaymentsConfig {
  const rules = loadRules(RULES_FILE);
  const schema = JSON.parse(fs.readFileSync(CONFIG_SCHEMA_FILE, "utf8")) as object;
  const { project, env, region, ns } = readStackConfig({ schema, rules });
  const keys: (keyof PaymentsConfig)[] = [
    "accountId",
    "service",
    "environmentSuffix",
    "team",
    "costCenter",
    "vpcCidr",
    "egressMode",
    "natGateways",
    "natInstanceType",
    "dbInstanceClass",
    "dbInstanceCount",
    "dbBackupRetentionDays",
    "dbCpuAlarmThresholdPercent",
    "lambdaMemoryMb",
    "lambdaTimeoutSec",
    "logRetentionDays",
    "tableCapacity",
    "tablePointInTimeRecovery",
    "receiptsGlacierTransitionDays",
    "receiptsGlacierTransitionEnabled",
    "sseAlgorithm",
  ];
  const picked = Object.fromEntries(keys.filter((k) => ns(k) !== undefined).map((k) => [k, ns(k)]));
  return Object.freeze({ ...picked, project, env, region, rules }) as PaymentsConfig;
}
