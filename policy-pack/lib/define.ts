/**
 * A small policy-definition helper. Every guardrail is a *pure* check that fills an {@link Outcome} with violations
 * and indeterminates; this module turns it into a CrossGuard policy that
 *  - reports violations at the policy's enforcement level,
 *  - reports indeterminates as violations only when the policy's config says `strict: true`
 *    (otherwise `policy-pack-indeterminate` reports them, advisory, as `[indeterminate] <policy-id>: …`),
 *  - never lets an unknown value pass silently, and never crashes the pack (an exception in a check is a violation).
 */
import type {
  EnforcementLevel,
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  Severity,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { parseUrn, resolveScope, type Scope } from "./env";
import { anySecrets, redactorOf, secretsOf } from "./sdk/secrets";
import { knownCanonical, rawProps, UNKNOWN } from "./values";

export const RULES_DOC_URL = "https://github.com/env-parity/env-parity/blob/main/docs/RULES.md";

/** A resource as every check sees it (from Analyze, AnalyzeStack or a test), unknowns as the UNKNOWN string. */
export interface PolicyInput {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly props: Readonly<Record<string, unknown>>;
  readonly protect: boolean;
  /** The `ignoreChanges` resource option (property paths the engine leaves alone after creation). */
  readonly ignoreChanges: readonly string[];
  readonly parent?: string;
  /** Only known in stack policies (AnalyzeStack carries dependencies; Analyze does not). */
  readonly dependencies: readonly string[];
  /** The provider's inputs (e.g. `defaultTags`), where the engine sends them. */
  readonly providerProps?: Readonly<Record<string, unknown>>;
}

export interface Note {
  readonly message: string;
  readonly urn?: string;
}

export class Outcome {
  readonly violations: Note[] = [];
  readonly indeterminates: Note[] = [];
  fail(message: string, urn?: string): void {
    this.violations.push({ message, urn });
  }
  /** The check could not decide because `what` is not known yet (unknown at preview, or no environment). */
  unknown(message: string, urn?: string): void {
    this.indeterminates.push({ message, urn });
  }
}

/** Options every policy accepts, on top of its own. */
export interface CommonConfig {
  /** Report indeterminates of this policy as violations (at its enforcement level). */
  readonly strict?: boolean;
  /** An inline rule set (the `<project>.rules.json` object) for projects whose rules are not bundled. */
  readonly rules?: unknown;
}

export interface CheckContext<C> extends Scope {
  readonly config: C & CommonConfig;
  /** The stack, indexed (stack policies and re-runs over a stack; absent in Analyze). Shared: never mutate. */
  readonly view?: StackView;
}

/**
 * One deserialised, indexed view of the stack an AnalyzeStack request carries, built once per request and shared
 * by every stack policy and by `policy-pack-indeterminate`'s re-runs (by type, URN, name, dependency graph).
 * Everything in it is shared: checks read, never write (the tests run the pack with PARITY_PACK_FREEZE=1).
 */
export interface StackView {
  readonly resources: readonly PolicyInput[];
  readonly byUrn: ReadonlyMap<string, PolicyInput>;
  /** Resources of one type, in stack order (empty if none). */
  ofType(type: string): readonly PolicyInput[];
  /** Resources of any of the types (`"*"`: all), in stack order. */
  ofTypes(types: readonly string[]): readonly PolicyInput[];
  /** Resources named `name` (last URN segment; several types may share a name). */
  named(name: string): readonly PolicyInput[];
  /** Resources that depend on `urn` (reverse of `dependencies`). */
  dependents(urn: string): readonly PolicyInput[];
  /** Resources a check could be undecided on (a value or name holding an unknown: see `mayBeUndecided`), in stack order. */
  undecided(): readonly PolicyInput[];
  /** Whether every resource's URN names the same stack and project (so one scope holds for all). */
  oneScope(): boolean;
}

const FREEZE = typeof process !== "undefined" && process.env.PARITY_PACK_FREEZE === "1";
const NONE_LIST: readonly PolicyInput[] = Object.freeze([]);
const views = new WeakMap<readonly PolicyInput[], StackView>();

/**
 * The view over `resources`, memoised per frozen array (the shared list of a request: a re-run over the same stack
 * reuses it); an array that is not frozen may change, so its view is built afresh.
 */
export function stackView(resources: readonly PolicyInput[]): StackView {
  let v = views.get(resources);
  if (v) return v;
  const byUrn = new Map<string, PolicyInput>();
  const byType = new Map<string, PolicyInput[]>();
  const byName = new Map<string, PolicyInput[]>();
  let dependents: Map<string, PolicyInput[]> | undefined;
  let undecided: readonly PolicyInput[] | undefined;
  let oneScope: boolean | undefined;
  const push = (m: Map<string, PolicyInput[]>, k: string, r: PolicyInput) => {
    const l = m.get(k);
    if (l) l.push(r);
    else m.set(k, [r]);
  };
  for (const r of resources) {
    byUrn.set(r.urn, r);
    push(byType, r.type, r);
    push(byName, r.name, r);
  }
  const typesCache = new Map<string, readonly PolicyInput[]>();
  v = {
    resources,
    byUrn,
    ofType: (t) => byType.get(t) ?? NONE_LIST,
    ofTypes(types) {
      if (types.includes("*")) return resources;
      if (types.length === 1) return byType.get(types[0]) ?? NONE_LIST;
      const key = types.join("\u0000");
      let l = typesCache.get(key);
      if (!l) {
        const want = new Set(types);
        l = resources.filter((r) => want.has(r.type));
        typesCache.set(key, l);
      }
      return l;
    },
    named: (n) => byName.get(n) ?? NONE_LIST,
    dependents(urn) {
      if (!dependents) {
        dependents = new Map();
        for (const r of resources) for (const d of r.dependencies) push(dependents, d, r);
      }
      return dependents.get(urn) ?? NONE_LIST;
    },
    undecided() {
      undecided ??= resources.filter(mayBeUndecided);
      return undecided;
    },
    oneScope() {
      if (oneScope === undefined) {
        const first = resources.length > 0 ? parseUrn(resources[0].urn) : undefined;
        oneScope = resources.every((r) => {
          const h = parseUrn(r.urn);
          return h === first || (h.stack === first!.stack && h.project === first!.project);
        });
      }
      return oneScope;
    },
  };
  if (Object.isFrozen(resources)) views.set(resources, v);
  return v;
}

type JsonSchema = PolicyConfigSchema["properties"][string];

interface GuardMeta<C> {
  /** Stable forever, kebab-case `<service>-<resource>-<what>`. */
  readonly name: string;
  /** What the policy checks (one sentence). */
  readonly description: string;
  /** Why it matters (docs only). */
  readonly why: string;
  readonly severity: Severity;
  readonly enforcementLevel?: EnforcementLevel;
  /** How to fix a violation (shown by the engine and in docs). */
  readonly remediationSteps: string;
  /** Policy-specific config properties (with `default`s); `strict` and `rules` are added to every policy. */
  readonly config?: Readonly<Record<string, JsonSchema>>;
  /** Defaults applied before the check sees config (the engine does not apply schema defaults for us). */
  readonly defaults?: C;
}

export interface ResourceGuardDefinition<C> extends GuardMeta<C> {
  /** Resource types the check applies to (`"*"`: all). */
  readonly types: readonly string[];
  readonly check: (r: PolicyInput, ctx: CheckContext<C>, out: Outcome) => void;
}

export interface StackGuardDefinition<C> extends GuardMeta<C> {
  /** Resource types the check reads (default: all); `check` then gets only those (from the stack's view). */
  readonly types?: readonly string[];
  readonly check: (resources: readonly PolicyInput[], ctx: CheckContext<C>, out: Outcome) => void;
}

/** What every policy of this pack carries besides the CrossGuard fields: docs and a pure evaluator over a stack. */
export interface GuardInfo {
  readonly kind: "resource" | "stack";
  readonly why: string;
  readonly types?: readonly string[];
  readonly configProperties: Readonly<Record<string, JsonSchema>>;
  /**
   * Runs the check over a whole stack (resource checks: each applicable resource, found through the stack's view by
   * type). Pure; used by `policy-pack-indeterminate`.
   */
  evaluate(
    resources: readonly PolicyInput[],
    config: Record<string, unknown>,
    stackTags?: ReadonlyMap<string, string>,
  ): Outcome;
  /**
   * What {@link evaluate} would report as indeterminate, in the same order (`policy-pack-indeterminate` reads only
   * these). A resource check reads its resource and its context only, so it runs just where one of them can leave
   * it undecided: a resource or provider holding an unknown, a scope without environment or rules, or policy config
   * holding an unknown; elsewhere it has nothing to report here. Tests (PARITY_PACK_FREEZE=1) compare with evaluate.
   */
  indeterminates(
    resources: readonly PolicyInput[],
    config: Record<string, unknown>,
    stackTags?: ReadonlyMap<string, string>,
  ): readonly Note[];
}

export type Guard = (ResourceValidationPolicy | StackValidationPolicy) & { readonly guard: GuardInfo };

const COMMON_CONFIG: Record<string, JsonSchema> = {
  strict: {
    type: "boolean",
    default: false,
    description: "Report values unknown at preview as violations instead of indeterminates.",
  },
  rules: {
    type: "object",
    description: "Inline consistency rule set (the rules.json object) for a project whose rules are not bundled.",
  },
};

/**
 * The config each policy last ran with. `getConfig()` is per policy, so `policy-pack-indeterminate` learns here
 * whether a policy is strict (then the policy itself already failed) and which overrides its re-run must use.
 * The engine runs Analyze for every resource and the other stack policies before it, so this is current.
 */
const lastConfig = new Map<string, Record<string, unknown>>();
export function configOf(policy: string): Record<string, unknown> {
  return lastConfig.get(policy) ?? {};
}
export function isStrict(policy: string): boolean {
  return configOf(policy).strict === true;
}

function withDefaults<C>(meta: GuardMeta<C>, given: Record<string, unknown>): C & CommonConfig {
  lastConfig.set(meta.name, given);
  return { ...(meta.defaults ?? {}), ...given } as C & CommonConfig;
}

function context<C>(
  meta: GuardMeta<C>,
  urn: string,
  config: Record<string, unknown>,
  stackTags?: ReadonlyMap<string, string>,
  view?: StackView,
): CheckContext<C> {
  const cfg = withDefaults(meta, config);
  return { ...resolveScope(urn, stackTags, cfg.rules), config: cfg, ...(view && { view }) };
}

function base<C>(meta: GuardMeta<C>) {
  const properties = { ...COMMON_CONFIG, ...(meta.config ?? {}) };
  return {
    name: meta.name,
    description: meta.description,
    severity: meta.severity,
    enforcementLevel: meta.enforcementLevel ?? "mandatory",
    remediationSteps: meta.remediationSteps,
    url: `${RULES_DOC_URL}#${meta.name}`,
    configSchema: { properties },
    properties,
  };
}

const secretScopes = new WeakMap<readonly PolicyInput[], (message: string) => string>();

/**
 * What a message about these resources may print: every secret plaintext the request carried for them (their
 * properties, their provider's) replaced by `[secret]` (lib/sdk/secrets.js). The identity when no request had a
 * secret; built once per frozen (shared) list.
 */
export function redactorFor(scope: readonly PolicyInput[]): (message: string) => string {
  if (!anySecrets()) return redactorOf([]);
  let say = secretScopes.get(scope);
  if (!say) {
    const props: unknown[] = [];
    for (const r of scope) {
      if (secretsOf(r.props)) props.push(r.props);
      if (r.providerProps && secretsOf(r.providerProps)) props.push(r.providerProps);
    }
    say = redactorOf(props);
    if (Object.isFrozen(scope)) secretScopes.set(scope, say);
  }
  return say;
}

/**
 * Reports an outcome: violations always; indeterminates only under `strict` (else `policy-pack-indeterminate` does).
 * No message prints a secret of the resources checked (`scope`).
 */
function report(out: Outcome, strict: boolean, reportViolation: ReportViolation, scope: readonly PolicyInput[]): void {
  const say = redactorFor(scope);
  for (const v of out.violations) reportViolation(say(v.message), v.urn);
  if (strict)
    for (const i of out.indeterminates) reportViolation(say(`[strict] value unknown at preview: ${i.message}`), i.urn);
}

function crashNote(name: string, e: unknown): string {
  return `internal error in policy ${name} (please report): ${e instanceof Error ? e.message : String(e)}`;
}

/** True if a string anywhere in `v` (a value or a key) holds the unknown sentinel. */
function mentionsUnknown(v: unknown): boolean {
  if (typeof v === "string") return v.includes(UNKNOWN);
  if (typeof v !== "object" || v === null) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (mentionsUnknown(v[i])) return true;
    return false;
  }
  for (const k in v) if (k.includes(UNKNOWN) || mentionsUnknown((v as Record<string, unknown>)[k])) return true;
  return false;
}

const unknownIn = new WeakMap<object, boolean>();
/** {@link mentionsUnknown}, memoised per object (a request's shared resources, a policy's config). */
function holdsUnknown(o: object | undefined): boolean {
  if (!o) return false;
  let u = unknownIn.get(o);
  if (u === undefined) unknownIn.set(o, (u = mentionsUnknown(o)));
  return u;
}

/** Whether a resource check of `r` could be undecided (see {@link GuardInfo.indeterminates}). */
function mayBeUndecided(r: PolicyInput): boolean {
  let u = unknownIn.get(r);
  if (u === undefined) {
    u = holdsUnknown(r.props) || holdsUnknown(r.providerProps) || mentionsUnknown(r.name) || mentionsUnknown(r.urn);
    unknownIn.set(r, u);
  }
  return u;
}

const sameNotes = (a: readonly Note[], b: readonly Note[]) =>
  a.length === b.length && a.every((n, i) => n.message === b[i].message && n.urn === b[i].urn);

const analyzeInputs = new WeakMap<object, PolicyInput>();

/** The resource of an Analyze request as checks read it: built once per request (keyed by its shared properties). */
export function fromArgs(a: ResourceValidationArgs): PolicyInput {
  const props = rawProps(a.props);
  let input = analyzeInputs.get(props);
  if (!input || input.urn !== a.urn) {
    input = buildInput(a, props);
    analyzeInputs.set(props, input);
  }
  return input;
}

function buildInput(a: ResourceValidationArgs, props: Readonly<Record<string, unknown>>): PolicyInput {
  const input: PolicyInput = {
    type: a.type,
    name: a.name,
    urn: a.urn,
    props,
    protect: a.opts?.protect === true,
    ignoreChanges: a.opts?.ignoreChanges ?? [],
    parent: a.opts?.parent,
    dependencies: [],
    providerProps: a.provider ? rawProps(a.provider.props) : undefined,
  };
  return FREEZE ? Object.freeze(input) : input;
}

function inputOf(r: StackValidationArgs["resources"][number]): PolicyInput {
  const input: PolicyInput = {
    type: r.type,
    name: r.name,
    urn: r.urn,
    props: rawProps(r.props),
    protect: r.opts?.protect === true,
    ignoreChanges: r.opts?.ignoreChanges ?? [],
    parent: r.parent?.urn ?? r.opts?.parent,
    dependencies: r.dependencies.map((d) => d.urn),
    providerProps: r.provider ? rawProps(r.provider.props) : undefined,
  };
  return FREEZE ? Object.freeze(input) : input;
}

/**
 * The bundled server (lib/sdk/stack-resources.js) hands every stack policy of a request the same resource list, so
 * the list identifies the request. An SDK that builds fresh objects per policy (the published server, a harness)
 * still shares the deserialised properties per request (lib/sdk/deserialize.js): the first resource's properties
 * identify the request then.
 */
const requestViews = new WeakMap<object, StackView>();

/** A request's stack as the bundled server reads it from the messages (lib/sdk/stack-resources.js `records`). */
interface StackRecord {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly props: unknown;
  readonly protect: boolean;
  readonly ignoreChanges: readonly string[];
  readonly parent?: string;
  readonly dependencies: readonly string[];
  readonly providerProps?: unknown;
  /** Neither `props` nor `providerProps` holds an unknown sentinel (the server knew it from the request's bytes). */
  readonly clean?: boolean;
}

/** Where the bundled server's args carry the request's records (policy-pack/build.js puts them there). */
const STACK_RECORDS = Symbol.for("env-parity.stack-records");

function inputOfRecord(r: StackRecord): PolicyInput {
  if (r.clean === true) {
    for (const p of [r.props, r.providerProps])
      if (p && typeof p === "object") {
        knownCanonical(p);
        unknownIn.set(p, false);
      }
  }
  const input: PolicyInput = {
    type: r.type,
    name: r.name,
    urn: r.urn,
    props: rawProps(r.props),
    protect: r.protect,
    ignoreChanges: r.ignoreChanges,
    parent: r.parent,
    dependencies: r.dependencies,
    providerProps: r.providerProps ? rawProps(r.providerProps) : undefined,
  };
  return FREEZE ? Object.freeze(input) : input;
}

/**
 * The shared view of this AnalyzeStack request's stack, built on the first stack policy's call: from the request's
 * records where the bundled server gives them (the SDK's resource objects are then never built), else from
 * `args.resources`.
 */
export function viewOf(a: StackValidationArgs): StackView {
  const records = (a as { [STACK_RECORDS]?: () => readonly StackRecord[] })[STACK_RECORDS];
  if (typeof records === "function") {
    const list = records();
    let v = requestViews.get(list);
    if (!v) {
      v = stackView(Object.freeze(list.map(inputOfRecord)));
      requestViews.set(list, v);
    }
    return v;
  }
  const byList = requestViews.get(a.resources);
  if (byList) return byList;
  const first = a.resources[0];
  const key = first ? rawProps(first.props) : undefined;
  const known = key && requestViews.get(key);
  if (known && known.resources.length === a.resources.length && known.resources[0].urn === first.urn) {
    requestViews.set(a.resources, known);
    return known;
  }
  // Frozen: shared by every stack policy of the request (and what lets stackPolicy remember outcomes per list).
  const view = stackView(Object.freeze(a.resources.map(inputOf)));
  requestViews.set(a.resources, view);
  if (key) requestViews.set(key, view);
  return view;
}

/** The request's resources as checks read them (the shared view's list: never mutate it). */
export function fromStackArgs(a: StackValidationArgs): PolicyInput[] {
  return viewOf(a).resources as PolicyInput[];
}

export function resourcePolicy<C = Record<string, never>>(
  def: ResourceGuardDefinition<C>,
): ResourceValidationPolicy & { readonly guard: GuardInfo } {
  const { properties, ...b } = base(def);
  const types = new Set(def.types);
  const applies = (t: string) => types.has("*") || types.has(t);
  const run = (r: PolicyInput, ctx: CheckContext<C>, out: Outcome) => {
    try {
      def.check(r, ctx, out);
    } catch (e) {
      out.fail(crashNote(def.name, e), r.urn);
    }
  };
  const validate = (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
    if (!applies(args.type)) return;
    const r = fromArgs(args);
    const ctx = context(def, r.urn, args.getConfig<Record<string, unknown>>(), args.stackTags);
    const out = new Outcome();
    run(r, ctx, out);
    report(out, ctx.config.strict === true, reportViolation, [r]);
  };
  // A single type lets the server skip deserialising props for every other type (its fast path).
  if (def.types.length === 1 && def.types[0] !== "*")
    Object.defineProperty(validate, "__pulumiType", { value: def.types[0] });
  return {
    ...b,
    validateResource: validate,
    guard: {
      kind: "resource",
      why: def.why,
      types: def.types,
      configProperties: properties,
      evaluate(resources, config, stackTags) {
        const out = new Outcome();
        const view = stackView(resources);
        // The context depends on the URN's stack and project only (parseUrn's result is shared per prefix).
        let head: object | undefined;
        let ctx: CheckContext<C> | undefined;
        for (const r of view.ofTypes(def.types)) {
          const h = parseUrn(r.urn);
          if (h !== head || !ctx) {
            head = h;
            ctx = context(def, r.urn, config, stackTags, view);
          }
          run(r, ctx, out);
        }
        return out;
      },
      indeterminates(resources, config, stackTags) {
        const out = new Outcome();
        const view = stackView(resources);
        const always = holdsUnknown(config);
        const ofTypes = view.ofTypes(def.types);
        // One scope with its environment and rules known, config known: only resources holding an unknown can be
        // undecided, and those are few (usually none) in a stack of thousands.
        let candidates = ofTypes;
        if (!always && ofTypes.length > 0 && view.oneScope()) {
          const ctx = context(def, ofTypes[0].urn, config, stackTags, view);
          if (ctx.env && ctx.rules) {
            const want = new Set(def.types);
            candidates = view.undecided().filter((r) => want.has("*") || want.has(r.type));
          }
        }
        let head: object | undefined;
        let ctx: CheckContext<C> | undefined;
        for (const r of candidates) {
          const h = parseUrn(r.urn);
          if (h !== head || !ctx) {
            head = h;
            ctx = context(def, r.urn, config, stackTags, view);
          }
          if (always || !ctx.env || !ctx.rules || mayBeUndecided(r)) run(r, ctx, out);
        }
        if (FREEZE && !sameNotes(out.indeterminates, this.evaluate(resources, config, stackTags).indeterminates))
          throw new Error(`${def.name}: indeterminates() differs from evaluate() (a check undecided on known values?)`);
        return out.indeterminates;
      },
    },
  };
}

export function stackPolicy<C = Record<string, never>>(
  def: StackGuardDefinition<C>,
): StackValidationPolicy & { readonly guard: GuardInfo } {
  const { properties, ...b } = base(def);
  // Outcomes by their inputs: the policy's own run and `policy-pack-indeterminate`'s re-run over the same request
  // (the same frozen shared list, config object and stack tags) compute it once. Checks are pure; a list that is not
  // frozen (a caller's own array) may change, so it is never remembered.
  const last = new WeakMap<object, { config: object; stackTags?: object; out: Outcome }>();
  const evaluate = (
    resources: readonly PolicyInput[],
    config: Record<string, unknown>,
    stackTags?: ReadonlyMap<string, string>,
  ) => {
    const known = last.get(resources);
    if (known && known.config === config && known.stackTags === stackTags) {
      withDefaults(def, config); // as a run would: configOf/isStrict stay current
      return known.out;
    }
    const out = new Outcome();
    if (resources.length === 0) return out;
    const view = stackView(resources);
    const ctx = context(def, resources[0].urn, config, stackTags, view);
    try {
      def.check(def.types ? view.ofTypes(def.types) : resources, ctx, out);
    } catch (e) {
      out.fail(crashNote(def.name, e));
    }
    if (FREEZE) {
      Object.freeze(out.violations);
      Object.freeze(out.indeterminates);
    }
    if (Object.isFrozen(resources)) last.set(resources, { config, stackTags, out });
    return out;
  };
  return {
    ...b,
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
      const cfg = args.getConfig<Record<string, unknown>>();
      const resources = viewOf(args).resources;
      const out = evaluate(resources, cfg, args.stackTags);
      report(out, cfg.strict === true, reportViolation, resources);
    },
    guard: {
      kind: "stack",
      why: def.why,
      configProperties: properties,
      evaluate,
      indeterminates: (resources, config, stackTags) => evaluate(resources, config, stackTags).indeterminates,
    },
  };
}

/** `{ret}` when the stack's environment is known, else an indeterminate naming why (a check that needs the env never guesses). */
export function requireEnv<C>(
  ctx: CheckContext<C>,
  policy: string,
  r: { urn: string } | undefined,
  out: Outcome,
): string | undefined {
  if (ctx.env) return ctx.env;
  out.unknown(`environment unknown (${policy} needs it): ${ctx.problem ?? "no rules"}`, r?.urn);
  return undefined;
}
