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

/**
 * A finding's JSON; with `c` (the cause `f` leads), the cause's: its status, severity and file over the lead's, then
 * its own fields. One object per cause (a 10k-resource diff has ~10k causes). Where the finding has no raw values,
 * `values` and `normalised` are the same redacted object (printed twice, built once).
 */
function findingJson(f: Finding, c?: Cause): Record<string, unknown> {
  const normalised = valuesJson(f.values);
  const shown = shownValues(f);
  const json = {
    ruleId: f.ruleId,
    status: c ? c.status : f.status,
    severity: c ? c.severity : f.severity,
    kind: f.kind,
    message: f.message,
    environments: f.environments,
    resource: f.resource ?? null,
    urn: f.urn ?? null,
    path: f.path ?? null,
    // each environment's value as its source has it; `normalised`: the values that were compared (placeholders such
    // as `{env}`, `{region}`). Both pass through the reports' redaction (secrets, unknowns), types kept.
    values: shown === f.values ? normalised : valuesJson(shown),
    normalised,
    approval: approvalJson(f.approval),
    enforcement: f.enforcement ?? null,
    file: (c ? c.location.file : undefined) ?? f.file ?? null,
  };
  if (!c) return json;
  return Object.assign(json, {
    location: { file: c.location.file ?? null, line: c.location.line ?? null, column: c.location.column ?? null },
    causePath: c.causePath ?? null,
    sources: c.sources,
    details: c.details,
    fingerprint: causeFingerprint(c),
    related: c.members.length > 1 ? c.members.slice(1).map((m) => findingJson(m)) : [],
  });
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
    findings: causes.map((c) => findingJson(c.lead, c)),
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}
