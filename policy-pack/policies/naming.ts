/** Naming guardrail: `{env}-{service}-{resource}` for Pulumi names and the physical names derived from them. */
import { requireEnv, resourcePolicy } from "../lib/define";
import { known } from "../lib/expect";
import { show } from "../lib/values";

/** Physical-name property per type (the name AWS sees). */
export const PHYSICAL_NAME: Readonly<Record<string, string>> = {
  "aws:s3/bucket:Bucket": "bucket",
  "aws:lambda/function:Function": "name",
  "aws:dynamodb/table:Table": "name",
  "aws:sqs/queue:Queue": "name",
  "aws:sns/topic:Topic": "name",
};

/** Types exempt from naming (engine-owned resources, or names fixed by AWS). */
const EXEMPT = /^pulumi:/;

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The Pulumi-name convention per environment and service token (built once, not per resource). */
const conventions = new Map<string, RegExp>();
function convention(env: string, service: string | undefined): RegExp {
  const key = `${env}\u0000${service ?? ""}`;
  let re = conventions.get(key);
  if (!re) {
    if (conventions.size > 100) conventions.clear();
    re = new RegExp(`^${esc(env)}-${service ? esc(service) : "[a-z0-9]+"}-[a-z0-9][a-z0-9-]*$`);
    conventions.set(key, re);
  }
  return re;
}

/** What may follow the Pulumi name in a physical name: `-<suffix>`, then `.fifo`. */
const PHYSICAL_SUFFIX = /^(-[a-z0-9]+)?(\.fifo)?$/;

export const namingResourceConvention = resourcePolicy<{ service?: string; exemptTypes: string[] }>({
  name: "naming-resource-convention",
  description:
    "Pulumi names are `{env}-{service}-{resource}`; bucket, function, table, queue and topic names are the Pulumi name plus an optional `-{suffix}`.",
  why: "Names that carry the environment make resources recognisable in the console, in ARNs and in bills, and let env-parity match them across environments.",
  severity: "low",
  remediationSteps:
    "Name resources through the platform's naming helper (`{env}-{service}-{resource}`) and derive physical names from the Pulumi name.",
  config: {
    service: {
      type: "string",
      pattern: "^[a-z0-9]+$",
      description: "The service token (default: any lowercase token).",
    },
    exemptTypes: { type: "array", items: { type: "string" }, default: [] },
  },
  defaults: { exemptTypes: [] },
  types: ["*"],
  check(r, ctx, out) {
    if (EXEMPT.test(r.type) || ctx.config.exemptTypes.includes(r.type)) return;
    const env = requireEnv(ctx, "naming-resource-convention", r, out);
    if (!env) return;
    if (!convention(env, ctx.config.service).test(r.name)) {
      out.fail(
        `${r.name}: Pulumi name does not follow ${env}-${ctx.config.service ?? "<service>"}-<resource> (lowercase, hyphens).`,
        r.urn,
      );
    }
    const prop = PHYSICAL_NAME[r.type];
    if (!prop) return;
    const physical = r.props[prop];
    if (physical === undefined || !known(out, r, prop, physical)) return;
    const ok =
      typeof physical === "string" &&
      physical.startsWith(r.name) &&
      PHYSICAL_SUFFIX.test(physical.slice(r.name.length));
    if (!ok) out.fail(`${r.name}: ${prop} ${show(physical)} is not the Pulumi name plus an optional -<suffix>.`, r.urn);
  },
});

export const namingPolicies = [namingResourceConvention];
