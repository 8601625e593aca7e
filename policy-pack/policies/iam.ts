/**
 * IAM guardrails over every policy document of a stack: role policies, managed policies, a role's inline policies
 * and its assume-role policy. Documents may be JSON strings or objects; a document that is unknown at preview
 * (e.g. built with pulumi.jsonStringify over outputs) is indeterminate, never passed.
 */
import { requireEnv, resourcePolicy, type Outcome, type PolicyInput } from "../lib/define";
import type { RuleSet } from "../lib/rules";
import { asArray, at, policyDocument, UNKNOWN } from "../lib/values";

const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const POLICY = "aws:iam/policy:Policy";
const USER_POLICY = "aws:iam/userPolicy:UserPolicy";
const GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy";
/** Every resource carrying an identity policy document (role, user and group inline policies, managed policies). */
export const IAM_TYPES = [ROLE, ROLE_POLICY, POLICY, USER_POLICY, GROUP_POLICY];

/** IAM wildcards: `*` (any run of characters) and `?` (any one character). */
const isWild = (x: string) => x.includes("*") || x.includes("?");

interface Doc {
  readonly label: string;
  readonly doc: Record<string, unknown>;
}

/** The parsed documents of an IAM resource; unknown or unparseable ones are reported on `out`. */
export function documentsOf(r: PolicyInput, out: Outcome, opts: { assumeRole: boolean }): Doc[] {
  const raw: { label: string; value: unknown }[] = [];
  if (r.type === ROLE) {
    if (r.props.inlinePolicies === UNKNOWN) raw.push({ label: "inlinePolicies", value: UNKNOWN });
    else
      asArray(r.props.inlinePolicies).forEach((p, i) =>
        raw.push({ label: `inlinePolicies.${i}.policy`, value: at(p, "policy") }),
      );
    if (opts.assumeRole) raw.push({ label: "assumeRolePolicy", value: r.props.assumeRolePolicy });
  } else {
    raw.push({ label: "policy", value: r.props.policy });
  }
  const docs: Doc[] = [];
  for (const { label, value } of raw) {
    if (value === undefined || value === "") continue;
    const doc = policyDocument(value);
    if (doc === UNKNOWN) out.unknown(`${r.name}: ${label} is unknown at preview`, r.urn);
    else if (!doc) out.fail(`${r.name}: ${label} is not a valid JSON policy document.`, r.urn);
    else docs.push({ label, doc });
  }
  return docs;
}

function statements(doc: Record<string, unknown>): Record<string, unknown>[] {
  return asArray(doc.Statement).filter((s): s is Record<string, unknown> => !!s && typeof s === "object");
}

const isAllow = (s: Record<string, unknown>) => s.Effect !== "Deny";

export const iamPolicyNoWildcardActions = resourcePolicy({
  name: "iam-policy-no-wildcard-actions",
  description:
    "No Allow statement of a role, user, group or managed policy grants a wildcard action (`*`, `s3:*`, `s3:Get*`, `s3:?etObject`) or uses NotAction.",
  why: "Wildcard actions grant permissions nobody reviewed, including ones AWS adds later.",
  severity: "high",
  remediationSteps: "List the exact actions the code calls (e.g. `dynamodb:PutItem`, `sqs:SendMessage`).",
  types: IAM_TYPES,
  check(r, _ctx, out) {
    for (const { label, doc } of documentsOf(r, out, { assumeRole: false })) {
      statements(doc).forEach((s, i) => {
        if (!isAllow(s)) return;
        if (s.NotAction !== undefined)
          out.fail(`${r.name}: ${label} Statement[${i}] uses NotAction (allows everything else).`, r.urn);
        for (const a of asArray(s.Action)) {
          if (a === UNKNOWN) out.unknown(`${r.name}: ${label} Statement[${i}].Action is unknown at preview`, r.urn);
          else if (typeof a === "string" && isWild(a))
            out.fail(`${r.name}: ${label} Statement[${i}] allows wildcard action "${a}".`, r.urn);
        }
      });
    }
  },
});

/**
 * The environment suffix of a resource, from its physical name: the Pulumi name with `-{suffix}` inserted
 * (`dev-ingest-validator-role` → `dev-ingest-validator-role-x1`, `…-role-policy` → `…-role-x1-policy`).
 */
export function suffixOf(r: PolicyInput): string | undefined {
  for (const key of ["name", "bucket"]) {
    const p = r.props[key];
    if (typeof p !== "string" || p.length <= r.name.length) continue;
    let i = 0;
    while (i < r.name.length && r.name[i] === p[i]) i++;
    let j = 0;
    while (j < r.name.length - i && r.name[r.name.length - 1 - j] === p[p.length - 1 - j]) j++;
    const middle = p.slice(i, p.length - j);
    const m = /^-([a-z0-9]+)$/.exec(middle) ?? /^([a-z0-9]+)-$/.exec(middle);
    if (m && p.slice(0, i) + p.slice(p.length - j) === r.name) return m[1];
  }
  return undefined;
}

export const iamPolicyNoWildcardResources = resourcePolicy({
  name: "iam-policy-no-wildcard-resources",
  description:
    "No Allow statement grants on a Resource containing a wildcard `*` or `?` (`*`, `…/incoming/*`, `…:log-stream:*`, `…table/t?`) or uses NotResource, unless an IAM exception of the rules (`iamExceptions`: exact actions, resource pattern, reason, owner) covers it.",
  why: "Resource `*` lets a function touch every table, queue and bucket of the account, including other platforms'; the few statements AWS cannot scope (X-Ray, log streams, object prefixes) are exceptions someone approved, with a reason.",
  severity: "high",
  remediationSteps:
    "Name the resources by exact ARN (the table's `arn`, the queue's `arn`). If AWS cannot scope the action, add an `iamExceptions` entry to the project's rules file (`id`, exact `actions`, `resource` pattern with {account}/{region}/{env}/{suffix}/{name}, `reason`, `owner`, optional `expires`).",
  types: IAM_TYPES,
  check(r, ctx, out) {
    const docs = documentsOf(r, out, { assumeRole: false });
    if (docs.length === 0) return;
    let env: string | undefined;
    const suffix = suffixOf(r);
    for (const { label, doc } of docs) {
      statements(doc).forEach((s, i) => {
        if (!isAllow(s)) return;
        if (s.NotResource !== undefined) out.fail(`${r.name}: ${label} Statement[${i}] uses NotResource.`, r.urn);
        const resources = asArray(s.Resource);
        if (resources.includes(UNKNOWN))
          out.unknown(`${r.name}: ${label} Statement[${i}].Resource is unknown at preview`, r.urn);
        const wild = resources.filter((x): x is string => typeof x === "string" && x !== UNKNOWN && isWild(x));
        if (wild.length === 0) return;
        env ??= requireEnv(ctx, "iam-policy-no-wildcard-resources", r, out);
        if (!env || !ctx.rules) return;
        const actions = asArray(s.Action).filter((a): a is string => typeof a === "string");
        for (const res of wild) {
          if (ctx.rules.iamExceptionFor(actions, res, { env, suffix })) continue;
          out.fail(
            `${r.name}: ${label} Statement[${i}] grants ${actions.join(", ") || "actions"} on Resource "${res}", which no IAM exception covers; name the exact ARN or add an \`iamExceptions\` entry (exact actions, resource pattern, reason, owner) to ${ctx.project}.rules.json.`,
            r.urn,
          );
        }
      });
    }
  },
});

/** Every string inside a value, with its dotted path. */
function strings(
  v: unknown,
  path: string,
  acc: { path: string; value: string }[] = [],
): { path: string; value: string }[] {
  if (typeof v === "string") acc.push({ path, value: v });
  else if (Array.isArray(v)) v.forEach((x, i) => strings(x, `${path}[${i}]`, acc));
  else if (v && typeof v === "object")
    for (const [k, x] of Object.entries(v)) strings(x, path ? `${path}.${k}` : k, acc);
  return acc;
}

/**
 * Configuration replication is the one sanctioned cross-account link (see infra/components/replication.ts): the source
 * environment's replicator role `{env}-{service}-config-replicator-role[-suffix]` assumes, in each target account, the
 * role `{env}-{service}-config-replica-role[-suffix]`. Both ARNs are exact; never an account root or a wildcard.
 */
export const REPLICATOR_ROLE = "config-replicator-role";
export const REPLICA_ROLE = "config-replica-role";

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The service token of a resource name `{env}-{service}-…` (undefined if the name does not follow the convention). */
function serviceOf(name: string, env: string): string | undefined {
  return new RegExp(`^${esc(env)}-([a-z0-9]+)-`).exec(name)?.[1];
}

/**
 * Whether the rules declare configuration replication from `source` to `target`: the replicator role is present
 * (`$present` approved true) in the source environment and the replica role in the target one.
 */
export function replicationDeclared(rules: RuleSet, service: string, source: string, target: string): boolean {
  const present = (env: string, token: string) =>
    rules.expectation(env, ROLE, `${service}-${token}`, "$present") === true;
  return source !== target && present(source, REPLICATOR_ROLE) && present(target, REPLICA_ROLE);
}

/**
 * The environment (≠ `env`) whose role `token` this exact ARN is, by the rules' account ids and the naming convention,
 * and only in the direction the rules declare: a replicator (token REPLICATOR_ROLE) of a source environment trusted
 * from a target `env`; a replica role (REPLICA_ROLE) of a target environment assumed from a source `env`.
 */
function linkedEnvironment(
  arn: string,
  rules: RuleSet,
  env: string,
  service: string,
  token: string,
): string | undefined {
  for (const [name, e] of Object.entries(rules.environments)) {
    if (name === env || !e.accountId) continue;
    if (
      !new RegExp(`^arn:aws:iam::${e.accountId}:role/${esc(name)}-${esc(service)}-${esc(token)}(-[a-z0-9]+)?$`).test(
        arn,
      )
    )
      continue;
    const [source, target] = token === REPLICATOR_ROLE ? [name, env] : [env, name];
    return replicationDeclared(rules, service, source, target) ? name : undefined;
  }
  return undefined;
}

function principalsAws(s: Record<string, unknown>): unknown[] | "*" {
  const p = s.Principal;
  if (p === "*") return "*";
  return asArray(at(p, "AWS"));
}

const isAssumeRoleOnly = (s: Record<string, unknown>) => {
  const actions = asArray(s.Action);
  return actions.length > 0 && actions.every((a) => a === "sts:AssumeRole");
};

/** Strings of a document that are the sanctioned replication link (checked by `iam-role-cross-account-trust` instead). */
function replicationLinks(
  r: PolicyInput,
  label: string,
  doc: Record<string, unknown>,
  rules: RuleSet,
  env: string,
): Set<string> {
  const ok = new Set<string>();
  const service = serviceOf(r.name, env);
  if (!service) return ok;
  for (const s of statements(doc)) {
    if (!isAllow(s)) continue;
    if (label === "assumeRolePolicy") {
      const principals = principalsAws(s);
      if (principals !== "*")
        for (const p of principals)
          if (typeof p === "string" && linkedEnvironment(p, rules, env, service, REPLICATOR_ROLE)) ok.add(p);
    } else if (isAssumeRoleOnly(s)) {
      for (const res of asArray(s.Resource))
        if (typeof res === "string" && linkedEnvironment(res, rules, env, service, REPLICA_ROLE)) ok.add(res);
    }
  }
  return ok;
}

export const iamPolicyNoCrossEnvironment = resourcePolicy({
  name: "iam-policy-no-cross-environment",
  description:
    "No policy document (including assume-role principals) names another environment's account id or resources, except the exact configuration-replication roles (replicator trusted by, and assuming, the replica role).",
  why: "Environments live in separate accounts so that dev cannot touch prod; a cross-environment ARN defeats that.",
  severity: "critical",
  remediationSteps:
    "Reference this environment's resources (outputs of this stack), never a hard-coded ARN of another environment.",
  types: IAM_TYPES,
  check(r, ctx, out) {
    const docs = documentsOf(r, out, { assumeRole: true });
    if (docs.length === 0) return;
    const env = requireEnv(ctx, "iam-policy-no-cross-environment", r, out);
    if (!env || !ctx.rules) return;
    const others = Object.entries(ctx.rules.environments).filter(([name]) => name !== env);
    for (const { label, doc } of docs) {
      const links = replicationLinks(r, label, doc, ctx.rules, env);
      for (const s of strings(doc, "")) {
        if (links.has(s.value)) continue;
        for (const [name, e] of others) {
          if (e.accountId && s.value.includes(e.accountId))
            out.fail(
              `${r.name}: ${label} ${s.path} names account ${e.accountId} of environment ${name}: "${s.value}".`,
              r.urn,
            );
          else if (s.value.startsWith("arn:") && new RegExp(`[:/]${name}-`).test(s.value))
            out.fail(`${r.name}: ${label} ${s.path} names a resource of environment ${name}: "${s.value}".`, r.urn);
        }
      }
    }
  },
});

/** An AWS principal's account: `arn:aws:iam::<acct>:…` or a bare account id; undefined for anything else. */
function accountOf(principal: string): string | undefined {
  return (
    /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(principal)?.[1] ??
    (/^\d{12}$/.test(principal) ? principal : undefined)
  );
}

export const iamRoleCrossAccountTrust = resourcePolicy({
  name: "iam-role-cross-account-trust",
  description:
    "A role that trusts an AWS principal of another account trusts exactly the source environment's configuration replicator role (`{env}-{service}-config-replicator-role[-suffix]` in that environment's account), never an account root, a wildcard or an unknown account.",
  why: "Trusting an account root or `*` lets every principal that account's admins create assume the role; the replication link is the only cross-account access the platform needs.",
  severity: "critical",
  remediationSteps:
    "Trust the exact replicator role ARN (`replicatorRoleArn(sourceNaming)` in infra/components/replication.ts) as `Principal: { AWS: <arn> }`; remove root, `*` and foreign-account principals.",
  types: [ROLE],
  check(r, ctx, out) {
    const raw = r.props.assumeRolePolicy;
    if (raw === undefined || raw === "") return;
    const doc = policyDocument(raw);
    if (doc === UNKNOWN) return void out.unknown(`${r.name}: assumeRolePolicy is unknown at preview`, r.urn);
    if (!doc) return void out.fail(`${r.name}: assumeRolePolicy is not a valid JSON policy document.`, r.urn);
    const trusts = statements(doc).filter(isAllow);
    const principals = trusts.map((s) => principalsAws(s));
    if (principals.includes("*")) out.fail(`${r.name}: assumeRolePolicy trusts Principal "*" (anyone).`, r.urn);
    const aws = principals.flatMap((p) => (p === "*" ? [] : p));
    if (aws.length === 0) return;
    const env = requireEnv(ctx, "iam-role-cross-account-trust", r, out);
    if (!env || !ctx.rules) return;
    const own = ctx.rules.environments[env]?.accountId;
    const service = serviceOf(r.name, env);
    for (const p of aws) {
      if (p === UNKNOWN) {
        out.unknown(`${r.name}: an AWS principal of assumeRolePolicy is unknown at preview`, r.urn);
        continue;
      }
      if (typeof p !== "string") continue;
      if (p === "*") {
        out.fail(`${r.name}: assumeRolePolicy trusts AWS principal "*" (every account).`, r.urn);
        continue;
      }
      const account = accountOf(p);
      if (account === undefined || account === own) continue;
      if (service && linkedEnvironment(p, ctx.rules, env, service, REPLICATOR_ROLE)) continue;
      const whose = Object.values(ctx.rules.environments).find((e) => e.accountId === account)?.name;
      const what = /:root$/.test(p) || p === account ? "the whole account" : "a principal";
      out.fail(
        `${r.name}: assumeRolePolicy trusts ${what} ${p} of ${whose ? `environment ${whose}` : "an account outside the rules"}; cross-account trust must name exactly the source environment's ${REPLICATOR_ROLE} ARN.`,
        r.urn,
      );
    }
  },
});

const ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment";
const USER_POLICY_ATTACHMENT = "aws:iam/userPolicyAttachment:UserPolicyAttachment";
const GROUP_POLICY_ATTACHMENT = "aws:iam/groupPolicyAttachment:GroupPolicyAttachment";
const ATTACHMENTS_EXCLUSIVE = [
  "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
  "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive",
  "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive",
];
export const MANAGED_POLICY_TYPES = [
  ROLE,
  ROLE_POLICY_ATTACHMENT,
  POLICY_ATTACHMENT,
  USER_POLICY_ATTACHMENT,
  GROUP_POLICY_ATTACHMENT,
  ...ATTACHMENTS_EXCLUSIVE,
];

/** AWS managed policies that grant administrator or full access to a service (names; `*` is a wildcard). */
const DEFAULT_DENIED = [
  "AdministratorAccess",
  "PowerUserAccess",
  "IAMFullAccess",
  "*FullAccess",
  "*FullAccess*",
  "*PowerUser",
];

/** The managed policy ARNs a resource attaches, with their property label. */
function attachedArns(r: PolicyInput): { label: string; value: unknown }[] {
  if (r.type === ROLE) {
    const v = r.props.managedPolicyArns;
    return v === UNKNOWN
      ? [{ label: "managedPolicyArns", value: UNKNOWN }]
      : asArray(v).map((x, i) => ({ label: `managedPolicyArns.${i}`, value: x }));
  }
  if (ATTACHMENTS_EXCLUSIVE.includes(r.type)) {
    const v = r.props.policyArns;
    return v === UNKNOWN
      ? [{ label: "policyArns", value: UNKNOWN }]
      : asArray(v).map((x, i) => ({ label: `policyArns.${i}`, value: x }));
  }
  return [{ label: "policyArn", value: r.props.policyArn }];
}

/** `arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole` → `AWSLambdaBasicExecutionRole`; undefined if not AWS managed. */
export function awsManagedPolicyName(arn: string): string | undefined {
  return /^arn:aws[a-z-]*:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn)?.[1];
}

const glob = (pattern: string) => new RegExp(`^${pattern.split("*").map(esc).join(".*")}$`);

export const iamManagedPolicyNotAdmin = resourcePolicy<{
  deniedManagedPolicies: string[];
  allowedManagedPolicies: string[];
  otherManagedPolicies: string;
}>({
  name: "iam-managed-policy-not-admin",
  description:
    "No role, user or group gets an administrator or full-access AWS managed policy (AdministratorAccess, PowerUserAccess, IAMFullAccess, `*FullAccess` such as AWSLambda_FullAccess) through `managedPolicyArns`, a RolePolicyAttachment, PolicyAttachment, User/GroupPolicyAttachment or a *PolicyAttachmentsExclusive; other AWS managed policies are advisory (`iam-managed-policy-reviewed`) unless `otherManagedPolicies: deny`.",
  why: "A full-access managed policy grants every action of a service (or of all of them) on every resource: least privilege is lost in one line, and the IAM-document guardrails never see it.",
  severity: "critical",
  remediationSteps:
    "Replace the managed policy with an inline policy (aws.iam.RolePolicy) naming the exact actions and resource ARNs; for the Lambda basics use AWSLambdaBasicExecutionRole. A policy the project really needs goes in `allowedManagedPolicies` of this policy's config.",
  config: {
    deniedManagedPolicies: {
      type: "array",
      items: { type: "string" },
      default: DEFAULT_DENIED,
      description: "AWS managed policy names (`*` wildcard) that fail.",
    },
    allowedManagedPolicies: {
      type: "array",
      items: { type: "string" },
      default: [],
      description: "AWS managed policy names allowed even if denied above.",
    },
    otherManagedPolicies: {
      type: "string",
      enum: ["allow", "deny"],
      default: "allow",
      description: "`deny`: every AWS managed policy not in allowedManagedPolicies fails.",
    },
  },
  defaults: { deniedManagedPolicies: DEFAULT_DENIED, allowedManagedPolicies: [], otherManagedPolicies: "allow" },
  types: MANAGED_POLICY_TYPES,
  check(r, { config }, out) {
    const denied = config.deniedManagedPolicies.map(glob);
    const allowed = config.allowedManagedPolicies.map(glob);
    for (const { label, value } of attachedArns(r)) {
      if (value === undefined || value === "") continue;
      if (value === UNKNOWN || (typeof value === "string" && value.includes(UNKNOWN))) {
        out.unknown(`${r.name}: ${label} is unknown at preview`, r.urn);
        continue;
      }
      if (typeof value !== "string") continue;
      const name = awsManagedPolicyName(value);
      if (!name || allowed.some((g) => g.test(name))) continue; // a customer managed policy: its document is checked itself
      if (denied.some((g) => g.test(name)))
        out.fail(
          `${r.name}: ${label} attaches the AWS managed policy ${name} (administrator/full access); grant the exact actions and resources instead.`,
          r.urn,
        );
      else if (config.otherManagedPolicies === "deny")
        out.fail(
          `${r.name}: ${label} attaches the AWS managed policy ${name}, which is not in allowedManagedPolicies.`,
          r.urn,
        );
    }
  },
});

/** Narrow AWS managed policies a reviewer need not see (execution basics of Lambda, X-Ray, SSM agent). */
const DEFAULT_REVIEWED = [
  "AWSLambdaBasicExecutionRole",
  "AWSLambdaVPCAccessExecutionRole",
  "AWSLambdaSQSQueueExecutionRole",
  "AWSLambdaDynamoDBExecutionRole",
  "AWSLambdaKinesisExecutionRole",
  "AWSXRayDaemonWriteAccess",
  "AmazonSSMManagedInstanceCore",
  "CloudWatchAgentServerPolicy",
];

export const iamManagedPolicyReviewed = resourcePolicy<{ reviewedManagedPolicies: string[] }>({
  name: "iam-managed-policy-reviewed",
  description:
    "Advisory: an AWS managed policy attached in any form (managedPolicyArns, a *PolicyAttachment) that is neither a known admin/full-access one (those fail `iam-managed-policy-not-admin`) nor in `reviewedManagedPolicies` is reported, so a reviewer sees the grant AWS defines and may widen.",
  why: "AWS managed policies are written for every customer: most grant more actions or resources than one function needs, and AWS changes them without a change in this program.",
  severity: "low",
  enforcementLevel: "advisory",
  remediationSteps:
    "Prefer an inline policy naming the exact actions and ARNs; a managed policy the team reviewed goes in `reviewedManagedPolicies` of this policy's config (set `otherManagedPolicies: deny` on iam-managed-policy-not-admin to make unreviewed ones fail).",
  config: {
    reviewedManagedPolicies: {
      type: "array",
      items: { type: "string" },
      default: DEFAULT_REVIEWED,
      description: "AWS managed policy names (`*` wildcard) not reported.",
    },
  },
  defaults: { reviewedManagedPolicies: DEFAULT_REVIEWED },
  types: MANAGED_POLICY_TYPES,
  check(r, { config }, out) {
    const reviewed = config.reviewedManagedPolicies.map(glob);
    const denied = DEFAULT_DENIED.map(glob);
    for (const { label, value } of attachedArns(r)) {
      if (value === undefined || value === "") continue;
      if (value === UNKNOWN || (typeof value === "string" && value.includes(UNKNOWN))) {
        out.unknown(`${r.name}: ${label} is unknown at preview`, r.urn);
        continue;
      }
      const name = typeof value === "string" ? awsManagedPolicyName(value) : undefined;
      if (!name || denied.some((g) => g.test(name)) || reviewed.some((g) => g.test(name))) continue;
      out.fail(
        `${r.name}: ${label} attaches the AWS managed policy ${name}; review what it grants (or list it in reviewedManagedPolicies).`,
        r.urn,
      );
    }
  },
});

export const iamPolicies = [
  iamPolicyNoWildcardActions,
  iamPolicyNoWildcardResources,
  iamPolicyNoCrossEnvironment,
  iamRoleCrossAccountTrust,
  iamManagedPolicyNotAdmin,
  iamManagedPolicyReviewed,
];
