/**
 * `--format json`: a stable, documented shape (docs/cli.md#json). Keys are emitted in a fixed order; findings in the
 * order of {@link sortFindings}; `schemaVersion` changes only on breaking changes.
 */
import type { ReportInput } from "./model";
import { displayValue, sortFindings, summarise } from "./model";

export const JSON_REPORT_VERSION = 1;

export function renderJson(input: ReportInput): string {
  const summary = summarise(input.findings, input.strict);
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
    },
    findings: sortFindings(input.findings).map((f) => ({
      ruleId: f.ruleId,
      status: f.status,
      severity: f.severity,
      kind: f.kind,
      message: f.message,
      environments: [...f.environments],
      resource: f.resource ?? null,
      urn: f.urn ?? null,
      path: f.path ?? null,
      // values pass through displayValue's redaction (parsed back, so types are kept)
      values: f.values ? Object.fromEntries(Object.entries(f.values).map(([k, v]) => [k, v === undefined ? null : JSON.parse(displayValue(v, Infinity))])) : null,
      approval: f.approval ? { id: f.approval.id, reason: f.approval.reason, owner: f.approval.owner, expires: f.approval.expires ?? null } : null,
      enforcement: f.enforcement ?? null,
      file: f.file ?? null,
    })),
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}
