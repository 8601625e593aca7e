/**
 * `Pulumi.<stack>.yaml` → {@link Snapshot} (source `config`, no resources): for config-level comparison.
 * Reading and validation are the rules library's (`readStackConfigFile`, `validateStackConfig`); this adapter names
 * the stack (from the file name), maps it to its environment through the rules and wraps the values.
 */
import * as path from "node:path";
import { readStackConfigFile, validateStackConfig } from "../../consistency-rules/src/config";
import { InputError, InputErrors } from "../../consistency-rules/src/errors";
import type { Snapshot } from "../../consistency-rules/src/model";
import type { RuleSet } from "../../consistency-rules/src/rules";
import type { SourceOptions } from "../util/environment";
import { readTextFile } from "../util/files";
import { stripSecrets } from "../util/secrets";
import { checkYamlLimits } from "../util/stack-config";

/** `Pulumi.dev.yaml` → `dev`. */
export function stackOfConfigFile(file: string): string {
  const m = /^Pulumi\.(.+)\.ya?ml$/.exec(path.basename(file));
  if (!m) throw new InputError(file, "", "must be named Pulumi.<stack>.yaml (the stack name comes from the file name)");
  return m[1];
}

export interface ConfigSourceOptions extends SourceOptions {
  /** When given, the values are validated against the project's config schema and the rules (schema errors → exit 2). */
  readonly validate?: { readonly rules: RuleSet; readonly schema: object };
}

export function readStackConfigSnapshot(file: string, opts: ConfigSourceOptions): Snapshot {
  const stack = stackOfConfigFile(file);
  checkYamlLimits(file, readTextFile(file));
  const { project: fromPulumiYaml, values } = readStackConfigFile(file);
  const project = fromPulumiYaml ?? opts.validate?.rules.project ?? "";
  const env = opts.resolveEnvironment(stack, project);
  if (typeof env === "string") throw new InputError(file, "", env);
  if (opts.validate) {
    const errors = validateStackConfig(values, {
      file,
      stack,
      env: env.env,
      project,
      schema: opts.validate.schema,
      rules: opts.validate.rules,
    });
    if (errors.length > 0) throw new InputErrors(errors);
  }
  const region = typeof values["aws:region"] === "string" ? (values["aws:region"] as string) : env.region;
  const suffixValue = values[`${project}:environmentSuffix`];
  const suffix = typeof suffixValue === "string" ? suffixValue : env.suffix;
  return {
    context: {
      env: env.env,
      stack,
      project,
      ...(env.accountId && { accountId: env.accountId }),
      ...(region && { region }),
      ...(suffix && { suffix }),
    },
    source: "config",
    origin: file,
    resources: [],
    config: stripSecrets(values) as Record<string, unknown>,
  };
}
