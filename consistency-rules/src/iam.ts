/**
 * IAM exceptions: the only statements whose Resource may contain `*`, as data in the rule set (cdk-nag-style
 * suppressions: each names exact actions, a resource pattern, a reason, an owner and optionally an expiry).
 * The infra program (when it renders a policy) and the policy pack (when it checks one) ask the same question:
 * {@link RuleSet.iamExceptionFor}.
 *
 * Resource pattern language (strict by design; no regular expressions in JSON):
 *
 * | token       | matches |
 * | ----------- | ------- |
 * | `{account}` | the environment's account id (any 12-digit id if the context has none) |
 * | `{region}`  | the environment's region (any AWS region name if the context has none) |
 * | `{env}`     | the environment name |
 * | `{suffix}`  | the environment suffix (nothing matches if the context has none) |
 * | `{name}`    | one name segment: 1+ characters, none of `* ? / :` or blanks |
 * | anything else, `*` included | itself, literally: `…/incoming/*` matches the resource string `…/incoming/*` only |
 *
 * So `arn:aws:s3:::{name}/incoming/*` accepts `arn:aws:s3:::dev-raw-x1/incoming/*` and rejects
 * `arn:aws:s3:::dev-raw-x1/*`, `arn:aws:s3:::*` + `/incoming/*` and `arn:aws:s3:::a/b/incoming/*`.
 */
import { escapeRegExp } from "./paths";

export interface IamException {
  readonly id: string;
  /** Exact IAM action names (`service:Action`, no wildcards); matched case-insensitively, as IAM does. */
  readonly actions: readonly string[];
  /** Resource pattern (see the module comment). */
  readonly resource: string;
  readonly reason: string;
  readonly owner: string;
  /** ISO date; from the next day on the exception no longer applies (and the gate reports it expired). */
  readonly expires?: string;
}

/** What the placeholders of a pattern stand for in one environment. */
export interface IamContext {
  readonly env: string;
  readonly accountId?: string;
  readonly region?: string;
  readonly suffix?: string;
}

export const IAM_PLACEHOLDERS = ["account", "region", "env", "suffix", "name"] as const;
type Placeholder = (typeof IAM_PLACEHOLDERS)[number];

type Part = { readonly literal: string } | { readonly placeholder: Placeholder };

const NAME_SEGMENT = "[^*?/:\\s]+";
const ACCOUNT = "\\d{12}";
const REGION =
  "(?:us|eu|ap|sa|ca|me|af|il|mx|cn)(?:-gov|-iso[a-z]?)?-(?:north|south|east|west|central|northeast|northwest|southeast|southwest)-\\d";

/** Splits a pattern into literals and placeholders; throws a message (for an InputError) on an unknown `{…}`. */
export function parseIamPattern(pattern: string): Part[] {
  const parts: Part[] = [];
  let rest = pattern;
  while (rest.length > 0) {
    const open = rest.indexOf("{");
    const close = rest.indexOf("}");
    if (open < 0) {
      if (close >= 0)
        throw new Error(`has "}" without "{" (placeholders: ${IAM_PLACEHOLDERS.map((p) => `{${p}}`).join(", ")})`);
      parts.push({ literal: rest });
      break;
    }
    if (close >= 0 && close < open)
      throw new Error(`has "}" without "{" (placeholders: ${IAM_PLACEHOLDERS.map((p) => `{${p}}`).join(", ")})`);
    if (open > 0) parts.push({ literal: rest.slice(0, open) });
    if (close < 0) throw new Error(`has "{" without "}"`);
    const name = rest.slice(open + 1, close);
    if (!(IAM_PLACEHOLDERS as readonly string[]).includes(name)) {
      throw new Error(
        `has unknown placeholder "{${name}}" (known: ${IAM_PLACEHOLDERS.map((p) => `{${p}}`).join(", ")})`,
      );
    }
    parts.push({ placeholder: name as Placeholder });
    rest = rest.slice(close + 1);
  }
  return parts;
}

function placeholderSource(p: Placeholder, ctx: IamContext): string | undefined {
  switch (p) {
    case "account":
      return ctx.accountId ? escapeRegExp(ctx.accountId) : ACCOUNT;
    case "region":
      return ctx.region ? escapeRegExp(ctx.region) : REGION;
    case "env":
      return ctx.env ? escapeRegExp(ctx.env) : undefined;
    case "suffix":
      return ctx.suffix ? escapeRegExp(ctx.suffix) : undefined;
    case "name":
      return NAME_SEGMENT;
  }
}

/** The pattern as an anchored RegExp for one context; undefined if a placeholder it uses has no value there. */
export function iamPatternRegExp(pattern: string, ctx: IamContext): RegExp | undefined {
  let src = "";
  for (const part of parseIamPattern(pattern)) {
    if ("literal" in part) {
      src += escapeRegExp(part.literal);
      continue;
    }
    const s = placeholderSource(part.placeholder, ctx);
    if (s === undefined) return undefined;
    src += `(?:${s})`;
  }
  return new RegExp(`^${src}$`);
}

const regExpCache = new Map<string, RegExp | undefined>();

/** True if `resource` (a Resource string of a statement, as written) matches `pattern` in `ctx`. */
export function matchesIamPattern(pattern: string, resource: string, ctx: IamContext): boolean {
  const key = `${pattern}\u0000${ctx.env}\u0000${ctx.accountId ?? ""}\u0000${ctx.region ?? ""}\u0000${ctx.suffix ?? ""}`;
  let re = regExpCache.get(key);
  if (re === undefined && !regExpCache.has(key)) {
    if (regExpCache.size > 1000) regExpCache.clear();
    regExpCache.set(key, (re = iamPatternRegExp(pattern, ctx)));
  }
  return re !== undefined && re.test(resource);
}

/** An exception covers a statement when it lists every one of the statement's actions and its pattern matches. */
export function iamExceptionCovers(
  e: IamException,
  actions: readonly string[],
  resource: string,
  ctx: IamContext,
): boolean {
  if (actions.length === 0) return false;
  const allowed = new Set(e.actions.map((a) => a.toLowerCase()));
  return (
    actions.every((a) => typeof a === "string" && allowed.has(a.toLowerCase())) &&
    matchesIamPattern(e.resource, resource, ctx)
  );
}
