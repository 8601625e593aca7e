/**
 * `--format markdown`: a PR-comment-ready summary (GitHub-flavoured markdown; failures first, approved in a fold).
 * One row per cause (cli/reports/group.ts). The whole text stays under GitHub's 65,536-character comment limit:
 * rows beyond {@link MARKDOWN_BUDGET} are left out with a pointer to the full report (`--format json` / `html`).
 */
import type { Cause } from "./group";
import type { ReportInput } from "./model";
import { causesOf, displayValue, isFailing, resourceLabel, shownValues, summarise, valuesLine } from "./model";

/** GitHub's limit on a comment body is 65,536 characters; leave room for the footer and the pointer. */
export const MARKDOWN_LIMIT = 65_536;
export const MARKDOWN_BUDGET = 60_000;

/** Escapes text for a table cell (pipes, newlines, backticks, HTML). */
function cell(s: string): string {
  return s
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/[<>]/g, (ch) => (ch === "<" ? "&lt;" : "&gt;"))
    .replace(/\r?\n/g, "<br>");
}
const code = (s: string): string => (s ? `\`${s.replace(/`/g, "ˋ")}\`` : "");

function where(c: Cause): string {
  const l = c.location;
  return l.file ? code(`${l.file}${l.line ? `:${l.line}` : ""}`) : "";
}

const HEAD_FAIL = [
  "| severity | rule | resource | path | envs | where | detail |",
  "| --- | --- | --- | --- | --- | --- | --- |",
];
const HEAD_APPROVED = [
  "| approval | rule | resource | path | values | reason | owner | expires |",
  "| --- | --- | --- | --- | --- | --- | --- | --- |",
];

function failRow(c: Cause): string {
  const f = c.lead;
  const values = valuesLine(f, 200);
  const detail = `${f.message}${values ? ` (${values})` : ""}${c.details.length ? `\n${c.details.join("\n")}` : ""}${c.members.length > 1 ? `\n(${c.members.length} findings)` : ""}`;
  return `| ${[c.severity, code(f.ruleId), cell(resourceLabel(f)), code(c.causePath ?? ""), cell(f.environments.join(", ")), where(c), cell(detail)].join(" | ")} |`;
}

function approvedRow(c: Cause): string {
  const f = c.lead;
  const a = f.approval;
  const shown = shownValues(f);
  const values = shown
    ? Object.entries(shown)
        .map(([env, v]) => `${env}=${displayValue(v, 120)}`)
        .join(", ")
    : "";
  return `| ${[code(a?.id ?? ""), code(f.ruleId), cell(resourceLabel(f)), code(c.causePath ?? ""), cell(values), cell(a?.reason ?? ""), cell(a?.owner ?? ""), cell(a?.expires ?? "")].join(" | ")} |`;
}

export function renderMarkdown(input: ReportInput): string {
  const s = summarise(input.findings, input.strict);
  const causes = causesOf(input);
  const failing = causes.filter((c) => isFailing({ ...c.lead, status: c.status }, input.strict));
  const indeterminate = causes.filter(
    (c) => c.status === "indeterminate" && !isFailing({ ...c.lead, status: c.status }, input.strict),
  );
  const approved = causes.filter((c) => c.status === "approved");
  const out: string[] = [
    `## ${s.failing > 0 ? "❌" : "✅"} parity: ${cell(input.subject)}`,
    "",
    `**${s.fail}** failed · **${s.indeterminate}** indeterminate${input.strict ? " (failing under `--strict`)" : ""} · **${s.approved}** approved · **${s.pass}** passed`,
    "",
  ];
  let size = out.reduce((n, l) => n + l.length + 1, 0);
  let left = 0;
  const section = (
    title: string[],
    head: string[],
    rows: readonly Cause[],
    row: (c: Cause) => string,
    tail: string[],
  ) => {
    if (rows.length === 0) return;
    const lines = [...title, ...head];
    let n = lines.reduce((k, l) => k + l.length + 1, 0) + tail.reduce((k, l) => k + l.length + 1, 0);
    if (size + n > MARKDOWN_BUDGET) {
      left += rows.length;
      return;
    }
    let i = 0;
    for (; i < rows.length; i++) {
      const r = row(rows[i]);
      if (size + n + r.length + 1 > MARKDOWN_BUDGET) break;
      lines.push(r);
      n += r.length + 1;
    }
    left += rows.length - i;
    if (i < rows.length) lines.push("", `… ${rows.length - i} more not shown here`);
    out.push(...lines, ...tail);
    size += n;
  };
  section(["### Failures", ""], HEAD_FAIL, failing, failRow, [""]);
  section(["### Indeterminate (unknown until apply)", ""], HEAD_FAIL, indeterminate, failRow, [""]);
  section(
    [`<details><summary>Approved differences (${approved.length})</summary>`, ""],
    HEAD_APPROVED,
    approved,
    approvedRow,
    ["", "</details>", ""],
  );
  if (left > 0)
    out.push(
      `**${left} more not shown** (GitHub's comment size limit): the full report is \`parity check --format json\` (or \`--format html\`), e.g. the workflow's report artifact.`,
      "",
    );
  if (failing.length === 0 && indeterminate.length === 0 && approved.length === 0)
    out.push("No differences and no violations.", "");
  out.push(`<sub>parity ${input.toolVersion}${input.strict ? " --strict" : ""}</sub>`, "");
  return out.join("\n");
}
