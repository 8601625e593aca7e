/** The project's config schema, as the rule set names it. */
import type { RuleSet } from "../../consistency-rules/src/rules";
import { InputError } from "./errors";
import { yaml } from "../../consistency-rules/src/yaml";
import { readJsonFile } from "./files";
import { MAX_VALUE_DEPTH, stripSecrets } from "./secrets";

export function loadConfigSchema(rules: RuleSet): object | undefined {
  if (!rules.configSchemaPath) return undefined;
  const schema = readJsonFile(rules.configSchemaPath);
  if (typeof schema !== "object" || schema === null || Array.isArray(schema))
    throw new InputError(rules.configSchemaPath, "", "must be a JSON schema object");
  return schema;
}

/** Deepest flow (`[`/`{`) nesting and widest indentation a stack config may have; real configs use a handful. */
export const MAX_YAML_DEPTH = 100;
export const MAX_YAML_INDENT = 256;
/** Aliases (`*name`) a stack config may use; the yaml library's own bound for expanding them. */
export const MAX_YAML_ALIASES = 100;

/**
 * Bounds a `Pulumi.<stack>.yaml` before it is parsed for real: deep nesting (which overflows the parser's call
 * stack) and alias bombs (aliases that expand exponentially) are bad input, one line and exit 2. The nesting scan is
 * a single pass over the text (quotes and comments skipped); aliases are counted by expanding with the library's limit.
 */
export function checkYamlLimits(file: string, text: string): void {
  let depth = 0;
  let line = 1;
  let col = 0;
  let indent = 0;
  let atLineStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      col = 0;
      indent = 0;
      atLineStart = true;
      continue;
    }
    col++;
    if (atLineStart) {
      if (c === 32 || c === 9 || c === 45 /* - */) {
        if (++indent > MAX_YAML_INDENT)
          throw new InputError(
            file,
            "",
            `line ${line}: is indented more than ${MAX_YAML_INDENT} columns (nesting too deep for a stack config)`,
          );
        continue;
      }
      atLineStart = false;
    }
    if (c === 35 /* # */ && (i === 0 || text.charCodeAt(i - 1) === 32 || text.charCodeAt(i - 1) === 9)) {
      while (i + 1 < text.length && text.charCodeAt(i + 1) !== 10) i++;
    } else if (c === 34 /* " */ || c === 39 /* ' */) {
      let j = i + 1;
      while (j < text.length && text.charCodeAt(j) !== c && text.charCodeAt(j) !== 10)
        j += text.charCodeAt(j) === 92 && c === 34 ? 2 : 1;
      col += j - i;
      i = j;
    } else if (c === 91 || c === 123) {
      if (++depth > MAX_YAML_DEPTH)
        throw new InputError(
          file,
          "",
          `line ${line}:${col} nests more than ${MAX_YAML_DEPTH} levels deep (not a stack config Pulumi writes)`,
        );
    } else if ((c === 93 || c === 125) && depth > 0) depth--;
  }
  const doc = yaml().parseDocument(text);
  if (doc.errors.length > 0) return; // the real parse reports syntax errors with their place
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (e) {
    const why = /alias/i.test(String((e as Error).message))
      ? `expands its YAML aliases beyond ${MAX_YAML_ALIASES} copies (an alias bomb?)`
      : "cannot be expanded";
    throw new InputError(file, "", why);
  }
  // The values as the readers bound them (below the normaliser's and comparer's own bounds; see MAX_VALUE_DEPTH).
  const config = typeof value === "object" && value !== null ? (value as Record<string, unknown>).config : undefined;
  if (typeof config === "object" && config !== null) {
    stripSecrets(config, () => {
      // walks (and may mark) our own throwaway copy
      throw new InputError(
        file,
        "config",
        `nests more than ${MAX_VALUE_DEPTH} levels deep (not a stack config Pulumi writes)`,
      );
    });
  }
}
