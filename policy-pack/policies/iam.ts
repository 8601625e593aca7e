/**
 * IAM guardrails over every policy document of a stack: role policies, managed policies, a role's inline policies
 * and its assume-role policy. Documents may be JSON strings or objects; a document that is unknown at preview
 * (e.g. built with pulumi.jsonStringify over outputs) is indeterminate, never passed.
 */
import { requireEnv, resourcePolicy, type Outcome, type PolicyInput } from "../lib/define";
import { asArray, at, policyDocument, UNKNOWN } from "../lib/values";

const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const POLICY = "aws:iam/policy:Policy";
export const IAM_TYPES = [ROLE, ROLE_POLICY, POLICY];

interface Doc {
  readonly label: string;
  readonly doc: Record<string, unknown>;
}

/** The parsed documents of an IAM resource; unknown or unparseable ones are reported on `out`. */
export function documentsOf(r: PolicyInput, out: Outcome, opts: { assumeRole: boolean }): Doc[] {
  const raw: { label: string; value: unknown }[] = [];
  if (r.type === ROLE) {
    if (r.props.inlinePolicies === UNKNOWN) raw.push({ label: "inlinePolicies", value: UNKNOWN });
    else asArray(r.props.inlinePolicies).forEach((p, i) => raw.push({ label: `inlinePolicies.${i}.policy`, value: at(p, "policy") }));
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
  description: "No Allow statement grants a wildcard action (`*`, `s3:*`, `s3:Get*`) or uses NotAction.",
  why: "Wildcard actions grant permissions nobody reviewed, including ones AWS adds later.",
  severity: "high",
  remediationSteps: "List the exact actions the code calls (e.g. `dynamodb:PutItem`, `sqs:SendMessage`).",
  types: IAM_TYPES,
  check(r, _ctx, out) {
    for (const { label, doc } of documentsOf(r, out, { assumeRole: false })) {
      statements(doc).forEach((s, i) => {
        if (!isAllow(s)) return;
        if (s.NotAction !== undefined) out.fail(`${r.name}: ${label} Statement[${i}] uses NotAction (allows everything else).`, r.urn);
        for (const a of asArray(s.Action)) {
          if (a === UNKNOWN) out.unknown(`${r.name}: ${label} Statement[${i}].Action is unknown at preview`, r.urn);
          else if (typeof a === "string" && a.includes("*")) out.fail(`${r.name}: ${label} Statement[${i}] allows wildcard action "${a}".`, r.urn);
        }
      });
    }
  },
});

const DEFAULT_WILDCARD_OK = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "cloudwatch:PutMetricData"];

export const iamPolicyNoWildcardResources = resourcePolicy<{ actionsAllowedOnAnyResource: string[] }>({
  name: "iam-policy-no-wildcard-resources",
  description: "No Allow statement grants on Resource `*` (or NotResource), except actions that only support `*` (X-Ray, PutMetricData).",
  why: "Resource `*` lets a function touch every table, queue and bucket of the account, including other platforms'.",
  severity: "high",
  remediationSteps: "Name the resources by ARN (the table's `arn`, the queue's `arn`); keep `*` only for actions AWS cannot scope.",
  config: { actionsAllowedOnAnyResource: { type: "array", items: { type: "string" }, default: DEFAULT_WILDCARD_OK } },
  defaults: { actionsAllowedOnAnyResource: DEFAULT_WILDCARD_OK },
  types: IAM_TYPES,
  check(r, { config }, out) {
    for (const { label, doc } of documentsOf(r, out, { assumeRole: false })) {
      statements(doc).forEach((s, i) => {
        if (!isAllow(s)) return;
        if (s.NotResource !== undefined) out.fail(`${r.name}: ${label} Statement[${i}] uses NotResource.`, r.urn);
        const resources = asArray(s.Resource);
        if (resources.includes(UNKNOWN)) out.unknown(`${r.name}: ${label} Statement[${i}].Resource is unknown at preview`, r.urn);
        if (!resources.includes("*")) return;
        const actions = asArray(s.Action);
        if (actions.length > 0 && actions.every((a) => typeof a === "string" && config.actionsAllowedOnAnyResource.includes(a))) return;
        out.fail(`${r.name}: ${label} Statement[${i}] grants ${actions.map((a) => String(a)).join(", ") || "actions"} on Resource "*".`, r.urn);
      });
    }
  },
});

/** Every string inside a value, with its dotted path. */
function strings(v: unknown, path: string, acc: { path: string; value: string }[] = []): { path: string; value: string }[] {
  if (typeof v === "string") acc.push({ path, value: v });
  else if (Array.isArray(v)) v.forEach((x, i) => strings(x, `${path}[${i}]`, acc));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) strings(x, path ? `${path}.${k}` : k, acc);
  return acc;
}

export const iamPolicyNoCrossEnvironment = resourcePolicy({
  name: "iam-policy-no-cross-environment",
  description: "No policy document (including assume-role principals) names another environment's account id or resources.",
  why: "Environments live in separate accounts so that dev cannot touch prod; a cross-environment ARN defeats that.",
  severity: "critical",
  remediationSteps: "Reference this environment's resources (outputs of this stack), never a hard-coded ARN of another environment.",
  types: IAM_TYPES,
  check(r, ctx, out) {
    const docs = documentsOf(r, out, { assumeRole: true });
    if (docs.length === 0) return;
    const env = requireEnv(ctx, "iam-policy-no-cross-environment", r, out);
    if (!env || !ctx.rules) return;
    const others = Object.entries(ctx.rules.environments).filter(([name]) => name !== env);
    for (const { label, doc } of docs) {
      for (const s of strings(doc, "")) {
        for (const [name, e] of others) {
          if (e.accountId && s.value.includes(e.accountId)) out.fail(`${r.name}: ${label} ${s.path} names account ${e.accountId} of environment ${name}: "${s.value}".`, r.urn);
          else if (s.value.startsWith("arn:") && new RegExp(`[:/]${name}-`).test(s.value)) out.fail(`${r.name}: ${label} ${s.path} names a resource of environment ${name}: "${s.value}".`, r.urn);
        }
      }
    }
  },
});

export const iamPolicies = [iamPolicyNoWildcardActions, iamPolicyNoWildcardResources, iamPolicyNoCrossEnvironment];
