/** `--format table` (default): for people at a terminal or reading CI logs. Failures first; approved listed with reason. */
import Table from "cli-table3";
import pc from "picocolors";
import type { Finding } from "../../consistency-rules/src/model";
import type { ReportInput } from "./model";
import { STATUS_LABEL, isFailing, resourceLabel, sortFindings, summarise, valuesLine } from "./model";

const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, " ");

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
      const parts = [f.message];
      const values = valuesLine(f);
      if (values && !f.message.includes(values)) parts.push(values);
      if (f.approval) {
        const approval = `approval ${f.approval.id} (owner ${f.approval.owner}${f.approval.expires ? `, expires ${f.approval.expires}` : ""})`;
        parts.push(f.message.includes(f.approval.reason) ? approval : `${approval}: ${f.approval.reason}`);
      }
      // Cells stay single-line (cli-table3 wraps them): on multi-line cell text cli-table3 0.6.5 runs a quadratic
      // truncation per drawn line (Cell.draw), seconds for a hundred findings.
      table.push([paint(f, status), f.severity, f.ruleId, resourceLabel(f), f.path ?? "", f.environments.join(", "), parts.join(" · ")].map(oneLine));
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
