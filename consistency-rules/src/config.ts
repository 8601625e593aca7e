/**
 * Stack configuration: read `Pulumi.<stack>.yaml` and validate config values against the project's config schema
 * (with the shared ajv) and against the rule set (region, account). Used by the CLI on files and by the infra
 * program on `pulumi.runtime.allConfig()`, so both report the same lines.
 *
 * Secrets: a key is secret when its schema has `"x-secret": true` or `"writeOnly": true`. A secret value
 * (`{ secure: "v1:…" }` in the file) is accepted for secret keys and for any key whose schema allows a string; its
 * content is never validated nor printed (it is checked as present). A secret key holding plain text is an error.
 */
import * as fs from "fs";
import * as path from "path";
import type { ErrorObject } from "ajv";
import { describeAjvErrors, sharedAjv, type ValidateFunction } from "./ajv";
import { InputError, InputErrors } from "./errors";
import { isPlainObject } from "./paths";
import { jsonPath, lineCol, type RuleSet } from "./rules";
import { isSecret, SECRET_PLACEHOLDER, SECRET_SIG, SIG_KEY, type SecretValue } from "./sentinels";
import { yaml } from "./yaml";

export interface StackConfigFile {
  /** The project (from `Pulumi.yaml` next to the file), if found. */
  readonly project?: string;
  /** `<namespace>:<key>` → value; secure values as {@link SecretValue} with `ciphertext`. */
  readonly values: Record<string, unknown>;
}

export interface ValidateConfigOptions {
  /** File named in messages (`Pulumi.staging.yaml`). */
  readonly file: string;
  readonly stack: string;
  /** Environment of the stack, as the rules know it. */
  readonly env: string;
  /** Project = config namespace of the keys the schema describes. */
  readonly project: string;
  /** The project's config schema (keys without the namespace). */
  readonly schema: object;
  /** With rules: `aws:region` and `<project>:accountId` must equal the environment's. */
  readonly rules?: RuleSet;
}

/** Wraps a value as a Pulumi secret marker. */
export function asSecret(value: unknown): SecretValue {
  return { [SIG_KEY]: SECRET_SIG, value } as SecretValue;
}

/** `{ secure: "v1:…" }` (anywhere) → secret marker with the ciphertext; nothing else changes. */
function liftSecure(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(liftSecure);
  if (!isPlainObject(v)) return v;
  const keys = Object.keys(v);
  if (keys.length === 1 && keys[0] === "secure" && typeof v.secure === "string") {
    return { [SIG_KEY]: SECRET_SIG, ciphertext: v.secure };
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, liftSecure(x)]));
}

function projectNextTo(file: string): string | undefined {
  for (const name of ["Pulumi.yaml", "Pulumi.yml"]) {
    const p = path.join(path.dirname(file), name);
    if (!fs.existsSync(p)) continue;
    try {
      const doc = yaml().parseDocument(fs.readFileSync(p, "utf8"));
      const project: unknown = doc.errors.length ? undefined : doc.get("name");
      return typeof project === "string" ? project : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Reads `Pulumi.<stack>.yaml`. Throws {@link InputError}s: unreadable, YAML syntax (line:col), duplicate keys, no `config` map. */
export function readStackConfigFile(file: string): StackConfigFile {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new InputError(file, "", `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const doc = yaml().parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new InputErrors(
      doc.errors.map((e) => {
        const { line, col } = e.linePos?.[0] ?? lineCol(text, e.pos[0]);
        const problem = e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
        return new InputError(file, "", `line ${line}:${col} ${problem}`);
      }),
    );
  }
  const root: unknown = doc.toJS();
  if (!isPlainObject(root) || !("config" in root))
    throw new InputError(file, "config", "is required (a map of <namespace>:<key> to value)");
  if (!isPlainObject(root.config))
    throw new InputError(
      file,
      "config",
      `must be a map of <namespace>:<key> to value, got ${root.config === null ? "nothing" : typeof root.config}`,
    );
  const project = projectNextTo(file);
  const values = Object.fromEntries(
    Object.entries(root.config).map(([k, v]) => [!k.includes(":") && project ? `${project}:${k}` : k, liftSecure(v)]),
  );
  return { ...(project ? { project } : {}), values };
}

// ---------------------------------------------------------------------------------------------- runtime config

function typesOf(schema: unknown): string[] {
  if (!isPlainObject(schema)) return [];
  const t = schema.type;
  return Array.isArray(t) ? t.map(String) : typeof t === "string" ? [t] : [];
}

/** True when the schema of a key says it holds a secret. */
export function isSecretSchema(schema: unknown): boolean {
  return isPlainObject(schema) && (schema["x-secret"] === true || schema.writeOnly === true);
}

/**
 * A config value as it arrives from `pulumi.runtime.allConfig()` (always a string): JSON when it parses, else the
 * string. With the key's schema, a string-only key keeps the raw string (`"111111111111"` stays a string).
 */
export function parseConfigValue(raw: string, keySchema?: object): unknown {
  if (typeof raw !== "string") return raw;
  const types = typesOf(keySchema);
  if (types.length > 0 && types.every((t) => t === "string")) return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/**
 * `pulumi.runtime.allConfig()` → values for {@link validateStackConfig}. Keys in `secretKeys`
 * (`k => pulumi.runtime.isConfigSecret(k)`) become secret markers; without it, keys the schema marks secret do.
 */
export function configFromRuntime(
  all: Readonly<Record<string, string>>,
  opts: { project: string; schema: object; isSecretKey?: (key: string) => boolean },
): Record<string, unknown> {
  const props = propertiesOf(opts.schema);
  return Object.fromEntries(
    Object.entries(all).map(([key, raw]) => {
      const local = key.startsWith(`${opts.project}:`) ? key.slice(opts.project.length + 1) : undefined;
      const keySchema = local !== undefined ? props[local] : undefined;
      const value = parseConfigValue(raw, isPlainObject(keySchema) ? keySchema : undefined);
      const secret = opts.isSecretKey ? opts.isSecretKey(key) : isSecretSchema(keySchema);
      return [key, secret ? asSecret(value) : value];
    }),
  );
}

// ---------------------------------------------------------------------------------------------- validation

function propertiesOf(schema: unknown): Record<string, unknown> {
  return isPlainObject(schema) && isPlainObject(schema.properties) ? schema.properties : {};
}

const compiled = new WeakMap<object, ValidateFunction>();

function compile(schema: object): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    const ajv = sharedAjv();
    const id = (schema as { $id?: unknown }).$id;
    v = (typeof id === "string" ? ajv.getSchema(id) : undefined) ?? ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

/** Secret values replaced by the placeholder; their paths (JSON pointers) collected. */
function maskSecrets(v: unknown, pointer: string, out: string[]): unknown {
  if (isSecret(v)) {
    out.push(pointer);
    return SECRET_PLACEHOLDER;
  }
  if (Array.isArray(v)) return v.map((x, i) => maskSecrets(x, `${pointer}/${i}`, out));
  if (isPlainObject(v))
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [
        k,
        maskSecrets(x, `${pointer}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`, out),
      ]),
    );
  return v;
}

function schemaAt(root: unknown, schemaPath: string): Record<string, unknown> | undefined {
  let s: unknown = root;
  for (const seg of schemaPath.replace(/^#\/?/, "").split("/").filter(Boolean).slice(0, -1)) {
    s =
      isPlainObject(s) || Array.isArray(s)
        ? (s as Record<string, unknown>)[seg.replace(/~1/g, "/").replace(/~0/g, "~")]
        : undefined;
  }
  return isPlainObject(s) ? s : undefined;
}

const RANGE_KEYWORDS = new Set(["type", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"]);
const PRIORITY: Record<string, number> = { range: 4, enum: 3, format: 2 };

interface Rendered {
  readonly path: string;
  readonly message: string;
  readonly rank: number;
}

function renderError(e: ErrorObject, data: unknown, schema: object): Rendered | undefined {
  if ((e as { propertyName?: string }).propertyName !== undefined) return undefined; // inner error of propertyNames
  const [d] = describeAjvErrors([e], data);
  const parent = schemaAt(schema, e.schemaPath);
  const got = d.message.slice(d.message.indexOf(", got ") + 2);
  if (e.keyword === "propertyNames") {
    const name = String((e.params as { propertyName: string }).propertyName);
    return { path: d.path ? `${d.path}.${name}` : name, message: "is not an allowed key name", rank: 1 };
  }
  const isNumeric = typesOf(parent).some((t) => t === "integer" || t === "number");
  if (
    RANGE_KEYWORDS.has(e.keyword) &&
    isNumeric &&
    typeof parent?.minimum === "number" &&
    typeof parent?.maximum === "number"
  ) {
    return {
      path: d.path,
      message: `must be one of ${parent.minimum}..${parent.maximum}, ${got}`,
      rank: PRIORITY.range,
    };
  }
  if (e.keyword === "format")
    return {
      path: d.path,
      message: `must be a valid ${String((e.params as { format: string }).format)}, ${got}`,
      rank: PRIORITY.format,
    };
  return { path: d.path, message: d.message, rank: PRIORITY[e.keyword] ?? 1 };
}

/** One line per path: the most telling error (range > enum > format > others). */
function bestPerPath(errors: readonly Rendered[]): Rendered[] {
  const best = new Map<string, Rendered>();
  for (const r of errors) {
    const cur = best.get(r.path);
    if (!cur || r.rank > cur.rank) best.set(r.path, r);
  }
  return [...best.values()];
}

function underAny(instancePath: string, pointers: readonly string[]): boolean {
  return pointers.some((p) => instancePath === p || instancePath.startsWith(`${p}/`));
}

function secretRuleErrors(
  values: Record<string, unknown>,
  schema: object,
  key: (k: string) => string,
  file: string,
): InputError[] {
  const props = propertiesOf(schema);
  return Object.entries(values).flatMap(([k, v]) => {
    const ks = props[k];
    if (ks === undefined) return [];
    if (isSecret(v) && !isSecretSchema(ks) && !typesOf(ks).includes("string")) {
      return [
        new InputError(
          file,
          key(k),
          `must not be a secret (the schema expects ${typesOf(ks).join(" or ") || "a non-string value"})`,
        ),
      ];
    }
    if (!isSecret(v) && isSecretSchema(ks))
      return [new InputError(file, key(k), "must be a secret (set it with `pulumi config set --secret`)")];
    return [];
  });
}

function ruleErrors(values: Readonly<Record<string, unknown>>, opts: ValidateConfigOptions): InputError[] {
  const { rules, file } = opts;
  if (!rules) return [];
  const where = path.basename(rules.origin);
  const env = rules.environments[opts.env];
  if (!env)
    return [
      new InputError(
        file,
        "",
        `stack "${opts.stack}" maps to no environment of ${where} (known: ${rules.envNames.join(", ")})`,
      ),
    ];
  const errors: InputError[] = [];
  // [key, value the rules pin, name, must be set] — a missing accountId is the schema's business.
  const pinned: [string, string | undefined, string, boolean][] = [["aws:region", env.region, "region", true]];
  if ("accountId" in propertiesOf(opts.schema))
    pinned.push([`${opts.project}:accountId`, env.accountId, "accountId", false]);
  for (const [key, expected, what, mustBeSet] of pinned) {
    const actual = values[key];
    if (expected === undefined || isSecret(actual) || (actual === undefined && !mustBeSet)) continue;
    if (actual === undefined)
      errors.push(
        new InputError(file, key, `is required (environment ${opts.env} has ${what} "${expected}" in ${where})`),
      );
    else if (actual !== expected)
      errors.push(
        new InputError(
          file,
          key,
          `must be "${expected}" (environment ${opts.env} in ${where}), got ${JSON.stringify(actual)}`,
        ),
      );
  }
  return errors;
}

/**
 * Validates one stack's config. Returns one {@link InputError} per problem, e.g.
 * `Pulumi.staging.yaml: data-platform:lambdaMemoryMb must be one of 128..10240, got "lots"`. Never prints a secret.
 */
export function validateStackConfig(
  values: Readonly<Record<string, unknown>>,
  opts: ValidateConfigOptions,
): InputError[] {
  const prefix = `${opts.project}:`;
  const local: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    if (k.startsWith(prefix)) local[k.slice(prefix.length)] = v;
    else if (!k.includes(":")) local[k] = v;
  }
  const key = (dotted: string) => `${prefix}${jsonPath(dotted)}`;
  const secretPointers: string[] = [];
  const data = maskSecrets(local, "", secretPointers);
  const validate = compile(opts.schema);
  const schemaErrors = validate(data)
    ? []
    : bestPerPath(
        (validate.errors ?? [])
          .filter((e) => !underAny(e.instancePath, secretPointers))
          .map((e) => renderError(e, data, opts.schema))
          .filter((r): r is Rendered => r !== undefined),
      ).map((r) => new InputError(opts.file, key(r.path), r.message));
  return [...schemaErrors, ...secretRuleErrors(local, opts.schema, key, opts.file), ...ruleErrors(values, opts)];
}
