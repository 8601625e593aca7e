/** `--format markdown`: a PR-comment-ready summary (GitHub-flavoured markdown; failures first, approved in a fold). */
import type { Finding } from "../../consistency-rules/src/model";
import type { ReportInput } from "./model";
import { isFailing, resourceLabel, sortFindings, summarise, valuesLine } from "./model";

/** Escapes text for a table cell (pipes, newlines, backticks, HTML). */
function cell(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/[<>]/g, (ch) => (ch === "<" ? "&lt;" : "&gt;")).replace(/\r?\n/g, "<br>");
}
const code = (s: string): string => (s ? `\`${s.replace(/`/g, "ˋ")}\`` : "");

function rows(fs: readonly Finding[], withApproval: boolean): string[] {
  const head = withApproval
    ? ["| rule | resource | path | envs | reason | owner | expires |", "| --- | --- | --- | --- | --- | --- | --- |"]
    : ["| severity | rule | resource | path | envs | detail |", "| --- | --- | --- | --- | --- | --- |"];
  return [
    ...head,
    ...fs.map((f) => {
      const base = [code(f.ruleId), cell(resourceLabel(f)), code(f.path ?? ""), cell(f.environments.join(", "))];
      if (withApproval) return `| ${[...base, cell(f.approval?.reason ?? ""), cell(f.approval?.owner ?? ""), cell(f.approval?.expires ?? "")].join(" | ")} |`;
      const values = valuesLine(f);
      return `| ${[f.severity, ...base, cell(`${f.message}${values ? ` (${values})` : ""}`)].join(" | ")} |`;
    }),
  ];
}

export function renderMarkdown(input: ReportInput): string {
  const s = summarise(input.findings, input.strict);
  const sorted = sortFindings(input.findings);
  const failing = sorted.filter((f) => isFailing(f, input.strict));
  const indeterminate = sorted.filter((f) => f.status === "indeterminate" && !isFailing(f, input.strict));
  const approved = sorted.filter((f) => f.status === "approved");
  const out: string[] = [
    `## ${s.failing > 0 ? "❌" : "✅"} parity: ${cell(input.subject)}`,
    "",
    `**${s.fail}** failed · **${s.indeterminate}** indeterminate${input.strict ? " (failing under `--strict`)" : ""} · **${s.approved}** approved · **${s.pass}** passed`,
    "",
  ];
  if (failing.length > 0) out.push("### Failures", "", ...rows(failing, false), "");
  if (indeterminate.length > 0) out.push("### Indeterminate (unknown until apply)", "", ...rows(indeterminate, false), "");
  if (approved.length > 0) out.push("<details><summary>Approved differences (" + approved.length + ")</summary>", "", ...rows(approved, true), "", "</details>", "");
  if (failing.length === 0 && indeterminate.length === 0 && approved.length === 0) out.push("No differences and no violations.", "");
  out.push(`<sub>parity ${input.toolVersion}${input.strict ? " --strict" : ""}</sub>`, "");
  return out.join("\n");
}
