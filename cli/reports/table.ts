/** `--format table` (default): for people at a terminal or reading CI logs. Failures first; approved listed with reason. */
import Table from "cli-table3";
import pc from "picocolors";
import type { Finding } from "../../consistency-rules/src/model";
import type { ReportInput } from "./model";
import { STATUS_LABEL, isFailing, resourceLabel, sortFindings, summarise, valuesLine } from "./model";

export function renderTable(input: ReportInput): string {
  const c = pc.createColors(Boolean(input.colour));
  const summary = summarise(input.findings, input.strict);
  const shown = sortFindings(input.findings.filter((f) => f.status !== "pass"));
  const paint = (f: Finding, s: string): string =>
    isFailing(f, input.strict) ? c.red(s) : f.status === "indeterminate" ? c.yellow(s) : f.status === "approved" ? c.cyan(s) : c.green(s);
  const lines: string[] = [c.bold(`parity: ${input.subject}`)];
  if (shown.length > 0) {
    const table = new Table({
      head: ["status", "severity", "rule", "resource", "path", "envs", "detail"],
      style: { head: input.colour ? ["bold"] : [], border: input.colour ? ["grey"] : [] },
      wordWrap: true,
      colWidths: [null, null, null, 34, 24, 16, 60] as unknown as number[],
    });
    for (const f of shown) {
      const status = f.status === "indeterminate" && input.strict ? "INDETERMINATE (strict)" : STATUS_LABEL[f.status];
      let detail = f.message;
      const values = valuesLine(f);
      if (values && !detail.includes(values)) detail += `\n${values}`;
      if (f.approval) {
        detail += `\napproval ${f.approval.id} (owner ${f.approval.owner}${f.approval.expires ? `, expires ${f.approval.expires}` : ""})`;
        if (!f.message.includes(f.approval.reason)) detail += `: ${f.approval.reason}`;
      }
      table.push([paint(f, status), f.severity, f.ruleId, resourceLabel(f), f.path ?? "", f.environments.join(", "), detail]);
    }
    lines.push(table.toString());
  }
  const parts = [
    `${summary.fail} failed`,
    `${summary.indeterminate} indeterminate${input.strict ? " (failing: --strict)" : ""}`,
    `${summary.approved} approved`,
    `${summary.pass} passed`,
  ];
  const verdict = summary.failing > 0 ? c.red(c.bold("FAIL")) : c.green(c.bold("OK"));
  lines.push(`${verdict} ${parts.join(", ")}`);
  return `${lines.join("\n")}\n`;
}
