import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { configFromRuntime, validateStackConfig } from "../../consistency-rules/src/config";
import { sharedAjv } from "../../consistency-rules/src/ajv";
import { InputError } from "../../consistency-rules/src/errors";
import type { EgressMode, NatGatewayLayout } from "../../infra/components/network";
import type { TableCapacity } from "../../infra/components/table";

/** The config schema of this project, next to its rules: the one source of truth for what a stack may set. */
export const CONFIG_SCHEMA_FILE = path.resolve(__dirname, "consistency-rules/payments.config.schema.json");

export interface PaymentsConfig {
  readonly project: string;
  readonly env: string;
  readonly region: string;
  readonly accountId: string;
  readonly service: string;
  readonly environmentSuffix: string;
  readonly team: string;
  readonly costCenter: string;
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
}

/** Reads and validates the stack config once; every problem is one line naming `Pulumi.<stack>.yaml` and the key. */
export function loadPaymentsConfig(): PaymentsConfig {
  const project = pulumi.getProject();
  const stack = pulumi.getStack();
  const file = `Pulumi.${stack}.yaml`;
  const schema = JSON.parse(fs.readFileSync(CONFIG_SCHEMA_FILE, "utf8")) as object;
  const values = configFromRuntime(pulumi.runtime.allConfig(), { project, schema });
  const errors = [...validateStackConfig(values, { file, stack, env: stack, project, schema })];
  const region = values["aws:region"];
  if (region === undefined) errors.push(new InputError(file, "aws:region", "is required"));
  else if (!sharedAjv().validate({ type: "string", format: "aws-region" }, region)) {
    errors.push(new InputError(file, "aws:region", `must be an AWS region, got ${JSON.stringify(region)}`));
  }
  if (errors.length > 0) throw new pulumi.RunError(errors.map((e) => e.message).join("\n"));
  const ns = (key: string) => values[`${project}:${key}`];
  const keys: (keyof PaymentsConfig)[] = [
    "accountId", "service", "environmentSuffix", "team", "costCenter", "vpcCidr", "egressMode", "natGateways", "natInstanceType",
    "dbInstanceClass", "dbInstanceCount", "dbBackupRetentionDays", "dbCpuAlarmThresholdPercent", "lambdaMemoryMb",
    "lambdaTimeoutSec", "logRetentionDays", "tableCapacity", "tablePointInTimeRecovery", "receiptsGlacierTransitionDays",
    "receiptsGlacierTransitionEnabled", "sseAlgorithm",
  ];
  const picked = Object.fromEntries(keys.filter((k) => ns(k) !== undefined).map((k) => [k, ns(k)]));
  return Object.freeze({ ...picked, project, env: stack, region: String(region) }) as PaymentsConfig;
}
