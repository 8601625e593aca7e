/** DynamoDB guardrails: point-in-time recovery, billing mode per environment, the `timestamp` index. */
import { resourcePolicy } from "../lib/define";
import { describeSpec, envExpectation, known, matchesSpec } from "../lib/expect";
import { asArray, at, show } from "../lib/values";

export const TABLE = "aws:dynamodb/table:Table";

export const dynamodbTablePitrEnabled = resourcePolicy<{ enabled?: boolean }>({
  name: "dynamodb-table-pitr-enabled",
  description:
    "A table's point-in-time recovery is what its environment expects (from the consistency rules; enabled when they say nothing).",
  why: "PITR is the only way back from a bad write or delete within the last 35 days; only an approved, reasoned exception (e.g. disposable dev data) may turn it off.",
  severity: "high",
  remediationSteps:
    "Set `pointInTimeRecovery: { enabled: true }` on the aws.dynamodb.Table, or approve the environment's exception in the rules (`pointInTimeRecovery.enabled`).",
  config: { enabled: { type: "boolean", description: "Override the rules' expectation." } },
  types: [TABLE],
  check(r, ctx, out) {
    const exp = envExpectation(ctx, r, out, "pointInTimeRecovery.enabled", {
      override: ctx.config.enabled,
      fallback: true,
    });
    if (!exp) return;
    const enabled =
      at(r.props, "pointInTimeRecovery.enabled") ??
      asArray(r.props.pointInTimeRecovery).map((p) => at(p, "enabled"))[0] ??
      false;
    if (!known(out, r, "pointInTimeRecovery.enabled", enabled)) return;
    if (!matchesSpec(exp.spec, enabled))
      out.fail(
        `${r.name}: pointInTimeRecovery.enabled is ${show(enabled)}, expected ${describeSpec(exp.spec)} (${exp.source}).`,
        r.urn,
      );
  },
});

export const dynamodbTableBillingMode = resourcePolicy<{ billingMode?: string; defaultBillingMode: string }>({
  name: "dynamodb-table-billing-mode",
  description: "A table's billing mode is the one its environment expects (from the consistency rules).",
  why: "Billing mode changes cost and throttling behaviour; environments may differ only as the rules approve.",
  severity: "medium",
  remediationSteps:
    "Set `billingMode` to the value the rules expect for this environment (e.g. PAY_PER_REQUEST), or approve the difference in the rules.",
  config: {
    billingMode: {
      type: "string",
      enum: ["PAY_PER_REQUEST", "PROVISIONED"],
      description: "Override the rules' expectation.",
    },
    defaultBillingMode: { type: "string", enum: ["PAY_PER_REQUEST", "PROVISIONED"], default: "PAY_PER_REQUEST" },
  },
  defaults: { defaultBillingMode: "PAY_PER_REQUEST" },
  types: [TABLE],
  check(r, ctx, out) {
    const exp = envExpectation(ctx, r, out, "billingMode", {
      override: ctx.config.billingMode,
      fallback: ctx.config.defaultBillingMode,
    });
    if (!exp) return;
    const mode = r.props.billingMode ?? "PROVISIONED"; // provider default
    if (!known(out, r, "billingMode", mode)) return;
    if (!matchesSpec(exp.spec, mode))
      out.fail(`${r.name}: billingMode is ${show(mode)}, expected ${describeSpec(exp.spec)} (${exp.source}).`, r.urn);
  },
});

export const dynamodbTableTimestampIndex = resourcePolicy<{ attribute: string }>({
  name: "dynamodb-table-timestamp-index",
  description: "A table that declares the `timestamp` attribute has a global secondary index keyed on it.",
  why: "Readers query events by time through this index; without it they fall back to full scans.",
  severity: "medium",
  remediationSteps:
    'Declare the attribute (`attributes: [{ name: "timestamp", type: "S" }]`) and add a global secondary index keyed on it (`globalSecondaryIndexes: [{ name: "timestamp-index", keySchemas: [{ attributeName: "timestamp", keyType: "HASH" }], projectionType: "ALL" }]`).',
  config: {
    attribute: { type: "string", default: "timestamp", description: "The attribute the index must be keyed on." },
  },
  defaults: { attribute: "timestamp" },
  types: [TABLE],
  check(r, { config }, out) {
    // Tables that never declare the attribute (e.g. a payments ledger keyed by id) do not query by time.
    const attrs = r.props.attributes;
    if (!known(out, r, "attributes", attrs)) return;
    if (!asArray(attrs).some((a) => at(a, "name") === config.attribute)) return;
    const gsis = r.props.globalSecondaryIndexes;
    if (!known(out, r, "globalSecondaryIndexes", gsis)) return;
    // aws v7 keys an index by `keySchemas`; `hashKey`/`rangeKey` are the deprecated v6 form. Accept both.
    const keysOf = (g: unknown) => [
      at(g, "hashKey"),
      at(g, "rangeKey"),
      ...asArray(at(g, "keySchemas")).map((k) => at(k, "attributeName")),
    ];
    const keyed = asArray(gsis).filter((g) => keysOf(g).includes(config.attribute));
    if (keyed.length === 0) {
      const names = asArray(gsis).map((g) => at(g, "name"));
      out.fail(
        `${r.name}: no global secondary index keyed on "${config.attribute}" (indexes: ${names.length ? names.map(show).join(", ") : "none"}).`,
        r.urn,
      );
    }
  },
});

export const dynamodbPolicies = [dynamodbTablePitrEnabled, dynamodbTableBillingMode, dynamodbTableTimestampIndex];
