import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Naming, Tags } from "@env-parity/components";
import { parameterName } from "../functions/replicator/keys";

/** Config keys become parameter names and Pulumi names: keep them to this alphabet. */
export const CONFIG_KEY_PATTERN = /^[A-Za-z0-9_.-]{1,100}$/;

/** `arn:aws:ssm:<region>:<account>:parameter/<project>/<env>/<key>` (names start with `/`, so no extra slash). */
export function ssmParameterArn(region: string, accountId: string, name: string): string {
  return `arn:aws:ssm:${region}:${accountId}:parameter${name}`;
}

/** A config key as a kebab-case name token: `batchSize` → `batch-size`, `a.b_c` → `a-b-c`. */
export function configKeyToken(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/[._]/g, "-")
    .toLowerCase();
}

export interface ConfigStoreArgs {
  /** Naming convention of the environment. */
  readonly naming: Naming;
  /** Pulumi project, first segment of every parameter name (`data-platform`). */
  readonly project: string;
  /** Environment, second segment of every parameter name (`dev`). */
  readonly env: string;
  /** Account and region of the stack, for the parameters' ARNs (known at preview). */
  readonly accountId: string;
  readonly region: string;
  /** The environment's application configuration: key → value. Keys match {@link CONFIG_KEY_PATTERN}. */
  readonly values: Readonly<Record<string, pulumi.Input<string>>>;
  /** Keys stored as `SecureString` (the account's `aws/ssm` key); the rest are `String`. */
  readonly secretKeys?: readonly string[];
  /**
   * Keys whose value the prod→dev/staging replicator owns in this environment: Pulumi creates the parameter but
   * ignores later value changes, so a deploy does not undo a replicated change. Leave empty in the source environment.
   */
  readonly replicaKeys?: readonly string[];
  /** Tags of every parameter. */
  readonly tags: pulumi.Input<Tags>;
}

/** The application configuration of one environment, in one place: SSM parameters `/{project}/{env}/{key}`. */
export class ConfigStore extends pulumi.ComponentResource {
  readonly parameters: Readonly<Record<string, aws.ssm.Parameter>>;
  /** key → parameter name / ARN, plain strings known at preview. */
  readonly parameterNames: Readonly<Record<string, string>>;
  readonly parameterArns: Readonly<Record<string, string>>;

  constructor(name: string, args: ConfigStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("env-parity:config:ConfigStore", name, {}, opts);
    const bad = Object.keys(args.values).filter((k) => !CONFIG_KEY_PATTERN.test(k));
    if (bad.length)
      throw new Error(`ConfigStore ${name}: config keys must match ${CONFIG_KEY_PATTERN}: ${bad.join(", ")}`);
    const token = (key: string) => `config-${configKeyToken(key)}`;
    const clash = Object.keys(args.values).filter((k, i, all) => all.findIndex((o) => token(o) === token(k)) !== i);
    if (clash.length)
      throw new Error(
        `ConfigStore ${name}: config keys collide once kebab-cased for resource names: ${clash.join(", ")}`,
      );
    const secret = new Set(args.secretKeys ?? []);
    const replica = new Set(args.replicaKeys ?? []);
    const parameters: Record<string, aws.ssm.Parameter> = {};
    const names: Record<string, string> = {};
    const arns: Record<string, string> = {};
    for (const key of Object.keys(args.values).sort()) {
      names[key] = parameterName(args.project, args.env, key);
      arns[key] = ssmParameterArn(args.region, args.accountId, names[key]);
      parameters[key] = new aws.ssm.Parameter(
        args.naming.resource(token(key)),
        {
          name: names[key],
          type: secret.has(key) ? "SecureString" : "String",
          value: secret.has(key) ? pulumi.secret(args.values[key]) : args.values[key],
          description: `Application configuration ${names[key]}`,
          tags: args.tags,
        },
        { parent: this, ...(replica.has(key) ? { ignoreChanges: ["value"] } : {}) },
      );
    }
    this.parameters = parameters;
    this.parameterNames = names;
    this.parameterArns = arns;
    this.registerOutputs({ parameterNames: names, parameterArns: arns });
  }
}
