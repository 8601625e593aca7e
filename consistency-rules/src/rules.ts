/**
 * The rule set of one project (`<project>.rules.json`): environments, invariants and approvals.
 * Loaded once, validated against `rules.schema.json` with the shared ajv, then queried by the config validation,
 * the normaliser, the comparer and the policy pack.
 */
import * as fs from "fs";
import * as path from "path";
import rulesSchema from "../rules.schema.json";
import { describeAjvErrors, schemaValidator } from "./ajv";
import { InputError, InputErrors } from "./errors";
import { type IamContext, type IamException, iamExceptionCovers, parseIamPattern } from "./iam";
import type { Severity } from "./model";
import { globMatch, isPlainObject, matchesPrefix, specKind, splitPath, type ValueSpec } from "./paths";

export type { ValueSpec } from "./paths";
export type { IamContext, IamException } from "./iam";

/** The stack tag that names a stack's environment when its name does not. */
export const ENV_TAG = "env-parity:environment";
/** The special path of approvals that allow a resource to exist in some environments only. */
export const PRESENT_PATH = "$present";
/** The special type (and resource) of approvals/invariants on stack config keys. */
export const CONFIG_TYPE = "config";

export interface Environment {
  readonly name: string;
  readonly stacks: readonly string[];
  readonly accountId?: string;
  readonly region?: string;
  /** Further names of the environment in resource names and values (`prd` for prod), stripped like the env name. */
  readonly aliases?: readonly string[];
}

export interface Invariant {
  readonly id: string;
  readonly type: string;
  /** Logical id or glob; `*` when the file omits it. */
  readonly resource: string;
  readonly path: string;
  /** True when the rule pins a value (`expect` may legitimately be `null` or `false`). */
  readonly hasExpect: boolean;
  readonly expect?: unknown;
  readonly severity: Severity;
  readonly description?: string;
}

/** A resource property a config key feeds (`feeds` of a config-key approval). */
export interface FedProperty {
  readonly type: string;
  readonly resource: string;
  readonly path: string;
}

export interface Approval {
  readonly id: string;
  readonly type: string;
  readonly resource: string;
  readonly path: string;
  readonly values: Readonly<Record<string, ValueSpec>>;
  readonly reason: string;
  readonly owner: string;
  readonly expires?: string;
  /** Written by `parity baseline`. */
  readonly baseline?: boolean;
  /**
   * Only on a config-key approval (`type: "config"`): the resource properties the key feeds, approved by this same
   * approval with the same `values` (one approval for one cause; a property may be a glob, like any rule).
   */
  readonly feeds?: readonly FedProperty[];
}

/**
 * The approvals as they are matched: each as written, plus one per property it `feeds` (same id, values, reason,
 * owner and expiry; the property's type, resource and path), so matching, specificity and findings need no new case.
 */
export function matchedApprovals(approvals: readonly Approval[]): Approval[] {
  return approvals.flatMap((a) => {
    if (!a.feeds || a.feeds.length === 0) return [a];
    const { feeds, ...own } = a;
    return [own, ...feeds.map((f) => ({ ...own, type: f.type, resource: f.resource, path: f.path }))];
  });
}

/** An approval (or IAM exception) is expired from the day after its `expires` date (UTC). */
export function isExpired(approval: { readonly expires?: string }, now: Date = new Date()): boolean {
  if (!approval.expires) return false;
  return now.getTime() >= Date.parse(`${approval.expires}T00:00:00Z`) + 86_400_000;
}

interface RawRules {
  project: string;
  configSchema?: string;
  environments: Record<string, { stacks: string[]; accountId?: string; region?: string; aliases?: string[] }>;
  invariants?: (Omit<Invariant, "hasExpect" | "severity" | "resource"> & { severity?: Severity; resource?: string })[];
  approvals?: Approval[];
  iamExceptions?: IamException[];
}

const segCache = new Map<string, string[]>();
function segsOf(path: string): string[] {
  let segs = segCache.get(path);
  if (!segs) segCache.set(path, (segs = splitPath(path)));
  return segs;
}

function stars(s: string): number {
  let n = 0;
  for (let i = s.indexOf("*"); i >= 0; i = s.indexOf("*", i + 1)) n++;
  return n;
}

/**
 * The one order in which rules are tried; the first that matches governs (`invariantFor`, `approvalFor`, and
 * through them `compareSnapshots` and `checkStack`): an exact resource before a glob, then fewer `*` in type,
 * resource and path together, then the longer path (`tags.Team` before `tags`), then file order.
 */
export function compareSpecificity(
  a: { readonly type: string; readonly resource: string; readonly path: string },
  b: { readonly type: string; readonly resource: string; readonly path: string },
): number {
  const glob = (r: typeof a) => (r.resource.includes("*") ? 1 : 0);
  return (
    glob(a) - glob(b) ||
    stars(a.type) + stars(a.resource) + stars(a.path) - (stars(b.type) + stars(b.resource) + stars(b.path)) ||
    splitPath(b.path).length - splitPath(a.path).length
  );
}

/** The empty result of a rule-set lookup (frozen, shared). */
const NONE: readonly never[] = Object.freeze([]);
/** Entries per memo map of {@link RuleSet.invariantsFor}/{@link RuleSet.approvalsFor} before it starts over. */
const MEMO_LIMIT = 250_000;
/** A type's rules, and (when some apply to named resources only) the rules of each logical id looked up. */
interface ByType<T> {
  readonly rules: readonly T[];
  readonly byId: Map<string, readonly T[]> | undefined;
}

/** Most specific first (see {@link compareSpecificity}); ties keep file order (Array.prototype.sort is stable). */
function bySpecificity<T extends { type: string; resource: string; path: string }>(rules: readonly T[]): T[] {
  return [...rules].sort(compareSpecificity);
}

export class RuleSet {
  readonly project: string;
  readonly environments: Readonly<Record<string, Environment>>;
  readonly invariants: readonly Invariant[];
  readonly approvals: readonly Approval[];
  /** The statements whose Resource may contain `*` (see iam.ts); expired ones are kept here but apply to nothing. */
  readonly iamExceptions: readonly IamException[];
  /** Absolute (file) or as-given (object) path of the project's config schema, if the rules name one. */
  readonly configSchemaPath?: string;
  private readonly orderedInvariants: readonly Invariant[];
  private readonly orderedApprovals: readonly Approval[];

  /** The rule set exactly as loaded (schema-validated), e.g. to hand it to the pack inline as policy config. */
  readonly source: RawRules;

  /** @param origin the rules file (for messages and findings) */
  constructor(
    raw: RawRules,
    readonly origin: string,
    baseDir?: string,
  ) {
    this.source = raw;
    this.project = raw.project;
    this.environments = Object.fromEntries(
      Object.entries(raw.environments).map(([name, e]) => [
        name,
        {
          name,
          stacks: e.stacks,
          accountId: e.accountId,
          region: e.region,
          ...(e.aliases ? { aliases: e.aliases } : {}),
        },
      ]),
    );
    this.invariants = (raw.invariants ?? []).map((i) => ({
      ...i,
      resource: i.resource ?? "*",
      hasExpect: Object.prototype.hasOwnProperty.call(i, "expect"),
      severity: i.severity ?? "high",
    }));
    this.approvals = raw.approvals ?? [];
    this.iamExceptions = raw.iamExceptions ?? [];
    this.configSchemaPath =
      raw.configSchema && baseDir !== undefined ? path.resolve(baseDir, raw.configSchema) : raw.configSchema;
    this.orderedInvariants = bySpecificity(this.invariants);
    this.orderedApprovals = bySpecificity(matchedApprovals(this.approvals));
  }

  get envNames(): string[] {
    return Object.keys(this.environments);
  }

  /** The environment of a stack: by `environments.<env>.stacks` (full or last `/` segment), else the stack tag. */
  envForStack(stackName: string, stackTags?: Readonly<Record<string, string | undefined>>): string | undefined {
    const short = stackName.split("/").pop() ?? stackName;
    for (const name of [stackName, short]) {
      const hit = Object.values(this.environments).find((e) => e.stacks.includes(name));
      if (hit) return hit.name;
    }
    const tagged = stackTags?.[ENV_TAG];
    return tagged !== undefined && tagged in this.environments ? tagged : undefined;
  }

  /** Invariants of a resource type/logical id (all paths), most specific first. */
  invariantsFor(type: string, logicalId: string): readonly Invariant[] {
    return this.forResource(this.invariantTypes, this.orderedInvariants, type, logicalId);
  }

  /**
   * Approvals of a resource type/logical id (all paths, expired or not), most specific first; a config-key
   * approval's `feeds` appear here as approvals of the fed property (see {@link matchedApprovals}).
   */
  approvalsFor(type: string, logicalId: string): readonly Approval[] {
    return this.forResource(this.approvalTypes, this.orderedApprovals, type, logicalId);
  }

  /**
   * The rules of `ordered` matching a type and logical id, in their order: those of the type first (one entry per
   * type), then, unless every one of them applies to any resource (`resource: "*"`, the common case: the type's list
   * is the answer for every logical id, and a stack of many resources of one type adds no entry per resource),
   * those of the logical id.
   */
  private forResource<T extends { type: string; resource: string }>(
    types: Map<string, ByType<T>>,
    ordered: readonly T[],
    type: string,
    logicalId: string,
  ): readonly T[] {
    let t = types.get(type);
    if (!t) {
      if (types.size > MEMO_LIMIT) types.clear();
      const all = ordered.filter((r) => globMatch(r.type, type));
      const rules = all.length === 0 ? (NONE as readonly T[]) : Object.freeze(all);
      // most types: every rule applies to any resource, so the type's list is the answer for every logical id
      t = { rules, byId: rules.every((r) => r.resource === "*") ? undefined : new Map() };
      types.set(type, t);
    }
    if (!t.byId) return t.rules;
    let v = t.byId.get(logicalId);
    if (!v) {
      if (t.byId.size > MEMO_LIMIT) t.byId.clear();
      const found = t.rules.filter((r) => globMatch(r.resource, logicalId));
      t.byId.set(logicalId, (v = found.length === 0 ? (NONE as readonly T[]) : Object.freeze(found)));
    }
    return v;
  }

  // By type, then (for a type with resource-specific rules) by logical id: no key is built per lookup. Bounded for a
  // long-lived pack, but above the resources of three 50k-resource stacks (a bound below the key count of one diff
  // cleared the cache over and over); most results are empty and share one array.
  private readonly invariantTypes = new Map<string, ByType<Invariant>>();
  private readonly approvalTypes = new Map<string, ByType<Approval>>();

  /** The invariant whose path is (a prefix of) `path`: the most specific (see {@link compareSpecificity}). */
  invariantFor(type: string, logicalId: string, path: string | readonly string[]): Invariant | undefined {
    const segs = typeof path === "string" ? splitPath(path) : path;
    for (const i of this.invariantsFor(type, logicalId)) if (matchesPrefix(segsOf(i.path), segs)) return i;
    return undefined;
  }

  /**
   * The approval that governs `path` (a prefix of it, or `$present`), expired or not (use {@link isExpired}):
   * the most specific (see {@link compareSpecificity}). The comparer and the single-stack check both decide with it.
   */
  approvalFor(type: string, logicalId: string, path: string | readonly string[]): Approval | undefined {
    const present = path === PRESENT_PATH;
    const segs = typeof path === "string" ? (present ? [] : splitPath(path)) : path;
    for (const a of this.approvalsFor(type, logicalId)) {
      if (present ? a.path === PRESENT_PATH : a.path !== PRESENT_PATH && matchesPrefix(segsOf(a.path), segs)) return a;
    }
    return undefined;
  }

  /**
   * The live IAM exception that allows a statement with these exact `actions` on a `resource` containing `*`, or
   * undefined (then the statement is not acceptable). Every action must be listed by the one exception and the
   * resource must match its pattern in `ctx` (account and region default to the environment's in the rules).
   * Expired exceptions apply to nothing.
   */
  iamExceptionFor(
    actions: readonly string[],
    resource: string,
    ctx: IamContext,
    now: Date = new Date(),
  ): IamException | undefined {
    const env = this.environments[ctx.env];
    const full: IamContext = { ...ctx, accountId: ctx.accountId ?? env?.accountId, region: ctx.region ?? env?.region };
    return this.iamExceptions.find((e) => !isExpired(e, now) && iamExceptionCovers(e, actions, resource, full));
  }

  /**
   * What `path` of a resource must be in `env`: the invariant's `expect`, else the value spec of the matching,
   * non-expired approval for that environment; undefined if nothing pins it.
   */
  expectation(
    env: string,
    type: string,
    logicalId: string,
    path: string,
    now: Date = new Date(),
  ): ValueSpec | undefined {
    const inv = this.invariantFor(type, logicalId, path);
    if (inv) return inv.hasExpect ? inv.expect : undefined;
    const approval = this.approvalFor(type, logicalId, path);
    if (!approval || isExpired(approval, now)) return undefined;
    return approval.values[env];
  }
}

// ---------------------------------------------------------------------------------------------- loading

/** `approvals.2.reason` → `approvals[2].reason`. */
export function jsonPath(dotted: string): string {
  return dotted.replace(/\.(\d+)(?=\.|$)/g, "[$1]").replace(/^(\d+)(?=\.|\[|$)/, "[$1]");
}

function schemaErrors(obj: unknown, origin: string): InputError[] {
  const validate = schemaValidator("rules", rulesSchema);
  if (validate(obj)) return [];
  return describeAjvErrors(validate.errors, obj).map((d) => new InputError(origin, jsonPath(d.path), d.message));
}

function specErrors(spec: unknown, origin: string, pointer: string): InputError[] {
  if (!isPlainObject(spec)) return [];
  const kind = specKind(spec);
  const s = spec as { any?: unknown; oneOf?: unknown; min?: unknown; max?: unknown };
  if (kind === "any" && s.any !== true) return [new InputError(origin, pointer, 'must be {"any": true}')];
  if (kind === "oneOf" && (!Array.isArray(s.oneOf) || s.oneOf.length === 0))
    return [new InputError(origin, `${pointer}.oneOf`, "must be a non-empty array")];
  if (kind === "range") {
    const bad = (["min", "max"] as const).filter((k) => s[k] !== undefined && typeof s[k] !== "number");
    if (bad.length)
      return bad.map((k) => new InputError(origin, `${pointer}.${k}`, `must be a number, got ${JSON.stringify(s[k])}`));
    if (typeof s.min === "number" && typeof s.max === "number" && s.min > s.max)
      return [new InputError(origin, pointer, "min must not exceed max")];
  }
  return [];
}

/** Checks the schema cannot express: unique ids, known environments, stacks in one environment, value specs, dates. */
function semanticErrors(raw: RawRules, origin: string): InputError[] {
  const errors: InputError[] = [];
  const envs = new Set(Object.keys(raw.environments));
  const seenIds = new Map<string, string>();
  const checkId = (id: string, pointer: string) => {
    const first = seenIds.get(id);
    if (first) errors.push(new InputError(origin, `${pointer}.id`, `duplicates id "${id}" of ${first}`));
    else seenIds.set(id, pointer);
  };
  const stackOwner = new Map<string, string>();
  for (const [env, e] of Object.entries(raw.environments)) {
    for (const s of e.stacks) {
      const other = stackOwner.get(s);
      if (other)
        errors.push(
          new InputError(origin, `environments.${env}.stacks`, `names stack "${s}" already in environment ${other}`),
        );
      else stackOwner.set(s, env);
    }
  }
  (raw.invariants ?? []).forEach((inv, i) => checkId(inv.id, `invariants[${i}]`));
  (raw.iamExceptions ?? []).forEach((e, i) => {
    const p = `iamExceptions[${i}]`;
    checkId(e.id, p);
    try {
      parseIamPattern(e.resource);
    } catch (err) {
      errors.push(new InputError(origin, `${p}.resource`, (err as Error).message));
    }
    if (e.expires && Number.isNaN(Date.parse(`${e.expires}T00:00:00Z`)))
      errors.push(new InputError(origin, `${p}.expires`, `is not a valid date, got "${e.expires}"`));
  });
  (raw.approvals ?? []).forEach((a, i) => {
    const p = `approvals[${i}]`;
    checkId(a.id, p);
    for (const [env, spec] of Object.entries(a.values)) {
      if (!envs.has(env))
        errors.push(
          new InputError(
            origin,
            `${p}.values.${env}`,
            `names unknown environment "${env}" (known: ${[...envs].join(", ")})`,
          ),
        );
      errors.push(...specErrors(spec, origin, `${p}.values.${env}`));
    }
    if (a.expires && Number.isNaN(Date.parse(`${a.expires}T00:00:00Z`)))
      errors.push(new InputError(origin, `${p}.expires`, `is not a valid date, got "${a.expires}"`));
    if (a.type === CONFIG_TYPE && a.resource !== CONFIG_TYPE)
      errors.push(new InputError(origin, `${p}.resource`, `must be "config" for type "config", got "${a.resource}"`));
    if (a.feeds && a.type !== CONFIG_TYPE)
      errors.push(new InputError(origin, `${p}.feeds`, `only a config-key approval (type "config") feeds properties`));
    const targets: [string, { type: string; resource: string; path: string }][] = [
      [p, a],
      ...(a.feeds ?? []).map((f, j) => [`${p}.feeds[${j}]`, f] as [string, FedProperty]),
    ];
    targets.forEach(([where, t], j) => {
      if (j > 0 && t.type === CONFIG_TYPE)
        errors.push(new InputError(origin, `${where}.type`, `a fed property is a resource's, not "config"`));
      const clash = (raw.invariants ?? []).find(
        (inv) => inv.type === t.type && (inv.resource ?? "*") === t.resource && inv.path === t.path,
      );
      if (clash)
        errors.push(
          new InputError(
            origin,
            where,
            `approves ${t.path} which invariant ${clash.id} pins (invariants win; remove one)`,
          ),
        );
    });
  });
  return errors;
}

/** Builds a rule set from an already-parsed object (rules bundled into the policy pack). Throws {@link InputErrors}. */
export function loadRulesFromObject(obj: unknown, originName: string, baseDir?: string): RuleSet {
  const errors = schemaErrors(obj, originName);
  if (errors.length === 0) errors.push(...semanticErrors(obj as RawRules, originName));
  if (errors.length > 0) throw new InputErrors(errors);
  return new RuleSet(obj as RawRules, originName, baseDir);
}

/** Line and column (1-based) of a character offset. */
export function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, Math.max(0, offset));
  const lines = before.split("\n");
  return { line: lines.length, col: lines[lines.length - 1].length + 1 };
}

/**
 * The offset of a key (its opening quote) that repeats an earlier key of the same object, else -1; of several, the one
 * whose value ends first (the order the yaml parser reports them in). `text` is valid JSON (JSON.parse took it): one
 * pass over it, keys compared as JSON.parse decodes them.
 */
export function duplicateKeyOffset(text: string): number {
  /** Per open object its keys and the offset of a repeated key whose value is being read (-1: none); arrays: undefined. */
  const open: ({ keys: Set<string>; repeated: number } | undefined)[] = [];
  let keyNext = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const start = i;
      let escaped = false;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) {
          escaped = true;
          i++;
        } else if (d === 0x22) break;
      }
      if (keyNext) {
        keyNext = false;
        const key = escaped ? (JSON.parse(text.slice(start, i + 1)) as string) : text.slice(start + 1, i);
        const o = open[open.length - 1]!;
        if (o.keys.has(key)) o.repeated = start;
        else o.keys.add(key);
      }
    } else if (c === 0x7b) {
      open.push({ keys: new Set(), repeated: -1 });
      keyNext = true;
    } else if (c === 0x5b) open.push(undefined);
    else if (c === 0x2c || c === 0x7d || c === 0x5d) {
      const o = open[open.length - 1];
      if (o && o.repeated >= 0) return o.repeated; // the repeated key's value ends here
      if (c === 0x2c) keyNext = o !== undefined;
      else open.pop();
    }
  }
  return -1;
}

/** Parses JSON, reporting syntax errors and duplicate keys with line:column. */
export function parseJsonFile(text: string, file: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    const dup = duplicateKeyOffset(text);
    if (dup >= 0) {
      const { line, col } = lineCol(text, dup);
      throw new InputError(file, "", `line ${line}:${col} duplicate key`);
    }
    return value;
  } catch (e) {
    if (e instanceof InputError) throw e;
    const msg = (e as Error).message;
    const explicit = /line (\d+) column (\d+)/.exec(msg);
    const pos = /position (\d+)/.exec(msg);
    const { line, col } = explicit
      ? { line: Number(explicit[1]), col: Number(explicit[2]) }
      : lineCol(text, pos ? Number(pos[1]) : text.length);
    const problem = msg.replace(/\s*(in JSON )?at position \d+.*$/, "").replace(/^JSON\.parse: /, "");
    throw new InputError(file, "", `line ${line}:${col} is not valid JSON: ${problem}`);
  }
}

/** Reads and validates `<project>.rules.json`. Throws {@link InputError}/{@link InputErrors}, one line per problem. */
export function loadRules(file: string): RuleSet {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new InputError(file, "", `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const rules = loadRulesFromObject(parseJsonFile(text, file), file, path.dirname(path.resolve(file)));
  if (rules.configSchemaPath && !fs.existsSync(rules.configSchemaPath)) {
    throw new InputError(file, "configSchema", `names a file that does not exist: ${rules.configSchemaPath}`);
  }
  return rules;
}
