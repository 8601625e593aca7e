/**
 * `--format json`: a stable, documented shape (docs/cli.md#json, docs/reports.md). Keys are emitted in a fixed order.
 * `findings` holds one entry per cause (cli/reports/group.ts), in the order of {@link sortFindings}; the findings it
 * stands for are in its `related` list. `location` is the file, line and column to look at (relative paths).
 * `schemaVersion` changes only on breaking changes.
 */
import type { Finding } from "../../consistency-rules/src/model";
import type { Cause } from "./group";
import type { ReportInput } from "./model";
import { causesOf, redactValue, shownValues, summarise } from "./model";
import { causeFingerprint } from "./fingerprint";

export const JSON_REPORT_VERSION = 2;

function valuesJson(values: Finding["values"]): Record<string, unknown> | null {
  if (!values) return null;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(values)) {
    const v = values[k];
    out[k] = v === undefined ? null : redactValue(v);
  }
  return out;
}

function approvalJson(a: Finding["approval"]) {
  return a ? { id: a.id, reason: a.reason, owner: a.owner, expires: a.expires ?? null } : null;
}

// The arrays below are the findings' own (readonly, printed at once): no copies.

function findingJson(f: Finding) {
  return {
    ruleId: f.ruleId,
    status: f.status,
    severity: f.severity,
    kind: f.kind,
    message: f.message,
    environments: f.environments,
    resource: f.resource ?? null,
    urn: f.urn ?? null,
    path: f.path ?? null,
    // each environment's value as its source has it; `normalised`: the values that were compared (placeholders such
    // as `{env}`, `{region}`). Both pass through the reports' redaction (secrets, unknowns), types kept.
    values: valuesJson(shownValues(f)),
    normalised: valuesJson(f.values),
    approval: approvalJson(f.approval),
    enforcement: f.enforcement ?? null,
    file: f.file ?? null,
  };
}

/**
 * The lead finding's keys in their order (status, severity and file those of the cause), then the cause's own: the
 * object `{ ...findingJson(f), status, severity, file, location, … }` written out field by field, so one object is
 * built per cause, not two (a 10k-resource diff has ~10k causes). Where the lead has no raw values, its `values` and
 * `normalised` are the same redacted object (printed twice, built once).
 */
function causeJson(c: Cause) {
  const f = c.lead;
  const normalised = valuesJson(f.values);
  const shown = shownValues(f);
  return {
    ruleId: f.ruleId,
    status: c.status,
    severity: c.severity,
    kind: f.kind,
    message: f.message,
    environments: f.environments,
    resource: f.resource ?? null,
    urn: f.urn ?? null,
    path: f.path ?? null,
    values: shown === f.values ? normalised : valuesJson(shown),
    normalised,
    approval: approvalJson(f.approval),
    enforcement: f.enforcement ?? null,
    file: c.location.file ?? f.file ?? null,
    location: { file: c.location.file ?? null, line: c.location.line ?? null, column: c.location.column ?? null },
    causePath: c.causePath ?? null,
    sources: c.sources,
    details: c.details,
    fingerprint: causeFingerprint(c),
    related: c.members.length > 1 ? c.members.slice(1).map(findingJson) : [],
  };
}

export function renderJson(input: ReportInput): string {
  const summary = summarise(input.findings, input.strict);
  const causes = causesOf(input);
  const report = {
    schemaVersion: JSON_REPORT_VERSION,
    tool: { name: "parity", version: input.toolVersion },
    subject: input.subject,
    strict: input.strict,
    summary: {
      result: summary.result,
      exitCode: summary.exitCode,
      total: summary.total,
      fail: summary.fail,
      indeterminate: summary.indeterminate,
      approved: summary.approved,
      pass: summary.pass,
      causes: causes.length,
    },
    findings: causes.map(causeJson),
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}
