import Ajv, { ErrorObject, ValidateFunction } from "ajv";
import addFormats from "ajv-formats";

/** IPv4 CIDR block (`10.0.0.0/16`), which ajv-formats does not have. */
export const IPV4_CIDR =
  /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(3[0-2]|[12]?\d)$/;

/** The one ajv instance of the project: all formats, all errors, strict schemas. */
export function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addFormat("ipv4-cidr", IPV4_CIDR);
  ajv.addFormat("aws-account-id", /^\d{12}$/);
  ajv.addFormat("aws-region", /^[a-z]{2}(-gov)?-[a-z]+-\d$/);
  // Annotation of config schemas: the key holds a secret (`pulumi config set --secret`); see config.ts.
  ajv.addKeyword({ keyword: "x-secret", schemaType: "boolean" });
  return ajv;
}

let shared: Ajv | undefined;
export function sharedAjv(): Ajv {
  return (shared ??= createAjv());
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
