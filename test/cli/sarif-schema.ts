/**
 * The official SARIF 2.1.0 JSON schema (OASIS, draft-07: oasis-tcs/sarif-spec
 * `Documents/CommitteeSpecifications/2.1.0/sarif-schema-2.1.0.json`, byte for byte), compiled once with ajv and
 * ajv-formats; every SARIF log the tests produce goes through {@link expectValidSarif}.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv from "ajv";
import type { ValidateFunction } from "ajv";
import addFormats from "ajv-formats";

export const SARIF_SCHEMA_FILE = path.join(__dirname, "../fixtures/schemas/sarif-schema-2.1.0.json");

let compiled: ValidateFunction | undefined;

export function sarifValidator(): ValidateFunction {
  if (!compiled) {
    const schema = JSON.parse(fs.readFileSync(SARIF_SCHEMA_FILE, "utf8")) as { $schema: string };
    if (schema.$schema !== "http://json-schema.org/draft-07/schema#")
      throw new Error(`${SARIF_SCHEMA_FILE}: expected the draft-07 schema`);
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    compiled = ajv.compile(schema);
  }
  return compiled;
}

/** Fails with ajv's errors (as data, so a failure shows where) unless `log` (text or parsed) is valid SARIF 2.1.0. */
export function expectValidSarif(log: unknown): void {
  const doc: unknown = typeof log === "string" ? JSON.parse(log) : log;
  const validate = sarifValidator();
  expect(validate(doc) ? [] : validate.errors).toEqual([]);
}
