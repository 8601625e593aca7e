import * as path from "node:path";
import type Ajv from "ajv";
import type { CodeOptions, ErrorObject, ValidateFunction } from "ajv";
import { OWN_FORMATS } from "./formats";

export { IPV4_CIDR } from "./formats";

/**
 * The one ajv instance of the project: all formats, all errors, strict schemas. ajv is loaded on first use (loading
 * and compiling cost a `parity diff` more than reading its rules); `code` is for the build's generated validators.
 */
export function createAjv(code?: CodeOptions): Ajv {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { default: AjvClass } = require("ajv") as typeof import("ajv");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { default: addFormats } = require("ajv-formats") as typeof import("ajv-formats");
  const ajv = new AjvClass({ allErrors: true, strict: true, allowUnionTypes: true, ...(code && { code }) });
  addFormats(ajv);
  for (const [name, format] of Object.entries(OWN_FORMATS)) ajv.addFormat(name, format);
  // Annotation of config schemas: the key holds a secret (`pulumi config set --secret`); see config.ts.
  ajv.addKeyword({ keyword: "x-secret", schemaType: "boolean" });
  return ajv;
}

let shared: Ajv | undefined;
export function sharedAjv(): Ajv {
  return (shared ??= createAjv());
}

/** The file name of the validator the build generates for `name` (next to this module in dist/). */
export const precompiledFile = (name: string): string => `${name}.validate.js`;

const precompiled = new Map<string, ValidateFunction>();

/**
 * The validator generated for `name` inside a bundle: the policy pack's build (policy-pack/build.js) resolves this
 * module to the code {@link precompiledFile}'s would hold, generated at that build; outside such a bundle it does
 * not exist (a thrown resolution error).
 */
function bundledValidator(name: string): unknown {
  // The try is lexical, so bundlers that do not know the module leave the require to fail here at run time.
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    if (name === "rules") return require("env-parity-precompiled/rules");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    if (name === "lock") return require("env-parity-precompiled/lock");
  } catch {
    // not inside a bundle that has it
  }
  return undefined;
}

/**
 * The validator of `schema`: the one `npm run build` generated from it (consistency-rules/src/precompile.ts; no ajv
 * to load, nothing to compile) beside this module or inside the pack's bundle, else the shared ajv's. A generated validator is used only if it was generated from
 * this very schema (it carries the schema's text), so an edited schema is never checked by a stale validator.
 * Both produce the same error objects (ajv's own code generation, same options and formats).
 */
export function schemaValidator(name: string, schema: { readonly $id?: string }): ValidateFunction {
  let v = precompiled.get(name);
  if (v) return v;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  for (const load of [() => require(path.join(__dirname, precompiledFile(name))), () => bundledValidator(name)]) {
    try {
      const mod = load() as (ValidateFunction & { schemaText?: string }) | undefined;
      if (typeof mod === "function" && mod.schemaText === JSON.stringify(schema)) v = mod;
    } catch {
      // not built (sources run by ts-jest / ts-node), or not a bundle that has it: the next, else compile
    }
    if (v) break;
  }
  if (!v) {
    const ajv = sharedAjv();
    v = (schema.$id !== undefined ? ajv.getSchema(schema.$id) : undefined) ?? ajv.compile(schema);
  }
  precompiled.set(name, v);
  return v;
}

/**
 * Renders ajv errors as `<path> must …, got <value>` fragments (path in dotted form, root = "").
 * `data` is the validated document, used to quote the offending value.
 */
export function describeAjvErrors(
  errors: readonly ErrorObject[] | null | undefined,
  data: unknown,
): { path: string; message: string }[] {
  return (errors ?? []).map((e) => {
    let path = e.instancePath
      .split("/")
      .slice(1)
      .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
    let message = e.message ?? "is invalid";
    if (e.keyword === "required") {
      path = [...path, String((e.params as { missingProperty: string }).missingProperty)];
      message = "is required";
    } else if (e.keyword === "additionalProperties") {
      path = [...path, String((e.params as { additionalProperty: string }).additionalProperty)];
      message = "is not a known key";
    } else {
      let v: unknown = data;
      for (const seg of path) v = v == null ? undefined : (v as Record<string, unknown>)[seg];
      if (e.keyword === "enum")
        message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((x) => JSON.stringify(x)).join(", ")}`;
      message += `, got ${JSON.stringify(v)}`;
    }
    return { path: path.join("."), message };
  });
}

export type { ValidateFunction };
