import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadRulesFromObject, type RuleSet, type Snapshot, type SnapshotResource } from "../../consistency-rules/src";

export const ENVS = {
  dev: { stacks: ["dev"], accountId: "111111111111", region: "us-east-2" },
  staging: { stacks: ["staging"], accountId: "222222222222", region: "us-west-1" },
  prod: { stacks: ["prod"], accountId: "333333333333", region: "us-east-1" },
} as const;
export type Env = keyof typeof ENVS;

/** A small, valid rule set; override parts per test. */
export function rulesObject(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: 1,
    project: "demo",
    environments: ENVS,
    invariants: [
      { id: "parity-lambda-runtime", type: "aws:lambda/function:Function", path: "runtime", expect: "nodejs22.x" },
      {
        id: "parity-sqs-queue-retention",
        type: "aws:sqs/queue:Queue",
        path: "messageRetentionSeconds",
        expect: 1209600,
        severity: "high",
      },
      { id: "parity-lambda-timeout", type: "aws:lambda/function:Function", path: "timeout" },
    ],
    approvals: [
      {
        id: "validator-memory",
        type: "aws:lambda/function:Function",
        resource: "ingest-validator-function",
        path: "memorySize",
        values: { dev: 512, staging: 512, prod: 1024 },
        reason: "prod processes 10x the volume",
        owner: "platform-team",
        expires: "2027-12-31",
      },
    ],
    ...over,
  };
}

export function rules(over: Record<string, unknown> = {}): RuleSet {
  return loadRulesFromObject(rulesObject(over), "demo.rules.json");
}

export function resource(
  env: string,
  type: string,
  name: string,
  props: Record<string, unknown>,
  project = "demo",
): SnapshotResource {
  return { urn: `urn:pulumi:${env}::${project}::${type}::${name}`, type, name, custom: true, dependencies: [], props };
}

export function snapshot(env: Env | string, resources: SnapshotResource[], extra: Partial<Snapshot> = {}): Snapshot {
  const e = (ENVS as Record<string, { accountId: string; region: string }>)[env];
  return {
    context: { env, stack: env, project: "demo", accountId: e?.accountId, region: e?.region, suffix: "x1" },
    source: "plan",
    origin: `${env}.plan.json`,
    resources,
    ...extra,
  };
}

export function tmpFile(name: string, content: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parity-rules-"));
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}
