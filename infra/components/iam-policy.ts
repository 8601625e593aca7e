/**
 * Least-privilege policy documents: exact actions on exact ARNs. Pure (no Pulumi), so tests and the policy pack can
 * use the same definition of an allowed wildcard.
 */
/** One statement of a function's inline policy: exact actions on exact ARNs. */
export interface PolicyGrant {
  /** Statement id (alphanumeric). */
  readonly sid: string;
  /** Exact IAM actions, e.g. `dynamodb:PutItem` (never a wildcard). */
  readonly actions: readonly string[];
  /** Exact ARNs of this environment, or one of {@link SCOPED_RESOURCE_WILDCARDS}. */
  readonly resources: readonly string[];
}

/**
 * The only places a `*` may appear in a Resource, each because AWS offers no narrower form. Actions never
 * contain wildcards. Everything else is an exact ARN built from this environment's names, account and region.
 */
export const SCOPED_RESOURCE_WILDCARDS: readonly { readonly pattern: RegExp; readonly actions: readonly string[]; readonly why: string }[] = [
  {
    // arn:aws:logs:<region>:<account>:log-group:<exact group>:log-stream:*
    pattern: /^arn:aws:logs:[a-z0-9-]+:\d{12}:log-group:[^*:]+:log-stream:\*$/,
    actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
    why: "Lambda generates the log stream names; CloudWatch Logs authorises these actions on log-stream ARNs only",
  },
  {
    // arn:aws:s3:::<exact bucket>/<fixed prefix>/*
    pattern: /^arn:aws:s3:::[a-z0-9.-]+\/[a-z0-9-]+\/\*$/,
    actions: ["s3:GetObject"],
    why: "object keys are data; the function may read only the fixed prefix its trigger filters on",
  },
  {
    pattern: /^\*$/,
    actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
    why: "X-Ray does not support resource-level permissions for these actions (Lambda requires them for Active tracing)",
  },
];

/** Throws if a grant uses a wildcard outside {@link SCOPED_RESOURCE_WILDCARDS}. */
export function assertNoUnscopedWildcards(grants: readonly PolicyGrant[]): void {
  for (const g of grants) {
    for (const a of g.actions) if (/[*?]/.test(a)) throw new Error(`IAM statement ${g.sid}: wildcard action ${a}`);
    for (const r of g.resources) {
      if (!/[*?]/.test(r)) continue;
      const ok = SCOPED_RESOURCE_WILDCARDS.some((w) => w.pattern.test(r) && g.actions.every((a) => w.actions.includes(a)));
      if (!ok) throw new Error(`IAM statement ${g.sid}: wildcard resource ${r} for ${g.actions.join(", ")}`);
    }
  }
}

/** Renders grants as an IAM policy document (a plain string, known at preview). */
export function policyDocument(grants: readonly PolicyGrant[]): string {
  assertNoUnscopedWildcards(grants);
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: grants.map((g) => ({ Sid: g.sid, Effect: "Allow", Action: [...g.actions], Resource: [...g.resources] })),
  });
}
