/**
 * Build step (`npm run build`, after tsc): writes the validators of our JSON schemas as code (ajv's standalone code
 * generation, the shared ajv's options and formats) next to dist/consistency-rules/src/ajv.js, where
 * {@link schemaValidator} finds them. Each build regenerates them from the schemas it compiles, and each carries its
 * schema's text: a validator generated from another version of a schema is never used.
 *   node dist/consistency-rules/src/precompile.js
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { _ } from "ajv";
import standaloneCode from "ajv/dist/standalone";
import lockSchema from "../lock.schema.json";
import rulesSchema from "../rules.schema.json";
import { createAjv, precompiledFile } from "./ajv";

/** The schemas generated validators exist for, by the name {@link schemaValidator} is asked for. */
export const PRECOMPILED_SCHEMAS: Readonly<Record<string, object>> = { rules: rulesSchema, lock: lockSchema };

/** A CommonJS module exporting the validator of `schema` (and `schemaText`: the schema it was generated from). */
export function validatorSource(schema: object): string {
  // formats are looked up in ./formats.js beside the generated file (the same definitions the shared ajv has)
  const ajv = createAjv({ source: true, formats: _`require("./formats.js").FORMATS` });
  const code = standaloneCode(ajv, ajv.compile(schema));
  return `${code}\nmodule.exports.schemaText = ${JSON.stringify(JSON.stringify(schema))};\n`;
}

export function writeValidators(dir: string = __dirname): string[] {
  return Object.entries(PRECOMPILED_SCHEMAS).map(([name, schema]) => {
    const file = path.join(dir, precompiledFile(name));
    fs.writeFileSync(file, validatorSource(schema));
    return file;
  });
}

if (require.main === module) writeValidators();
