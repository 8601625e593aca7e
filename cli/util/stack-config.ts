/** The project's config schema, as the rule set names it. */
import type { RuleSet } from "../../consistency-rules/src/rules";
import { InputError } from "./errors";
import { readJsonFile } from "./files";

export function loadConfigSchema(rules: RuleSet): object | undefined {
  if (!rules.configSchemaPath) return undefined;
  const schema = readJsonFile(rules.configSchemaPath);
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) throw new InputError(rules.configSchemaPath, "", "must be a JSON schema object");
  return schema;
}
