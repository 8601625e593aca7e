/**
 * `--format table` (default): for people at a terminal or reading CI logs.
 *
 * - fits the terminal: `width` (stdout's columns, else $COLUMNS, else 100); no line is longer, whatever the values;
 * - the verdict first and last; failures first, then indeterminate; approved differences are a count unless
 *   `--show-approved` (then one line each with the approval id and the values);
 * - one block per cause (cli/reports/group.ts), values of failing causes shown whole (wrapped, never cut);
 * - linear in findings; at most `maxRows` causes (default 200), then "… N more, see --format json".
 */
import pc from "picocolors";
import type { Cause } from "./group";
import type { ReportInput } from "./model";
import {
  STATUS_LABEL,
  causesOf,
  displayValue,
  isFailing,
  resourceLabel,
  shownValues,
  summarise,
  terminalWidth,
} from "./model";

const MIN_WIDTH = 40;
export const DEFAULT_MAX_ROWS = 200;

/** Wraps `text` to `width` columns, every line after the first indented by `indent`; long words are broken. */
export function wrap(text: string, width: number, indent = "", first = ""): string[] {
  const out: string[] = [];
  let line = first;
  let lineHasWord = false;
  const push = () => {
    out.push(line);
    line = indent;
    lineHasWord = false;
  };
  for (const word of text.replace(/\s*\n\s*/g, " ").split(" ")) {
    if (word === "") continue;
    let w = word;
    const sep = lineHasWord ? 1 : 0;
    if (line.length + sep + w.length <= width) {
      line += (sep ? " " : "") + w;
      lineHasWord = true;
      continue;
    }
    if (lineHasWord) push();
    while (line.length + w.length > width) {
      const room = Math.max(1, width - line.length);
      line += w.slice(0, room);
      w = w.slice(room);
      push();
    }
    if (w) {
      line += w;
      lineHasWord = true;
    }
  }
  if (lineHasWord || out.length === 0) out.push(line);
  return out;
}

function where(c: Cause): string {
  const l = c.location;
  if (!l.file) return "";
  return `${l.file}${l.line ? `:${l.line}${l.column ? `:${l.column}` : ""}` : ""}`;
}

export function renderTable(input: ReportInput): string {
  const c = pc.createColors(Boolean(input.colour));
  const width = Math.max(MIN_WIDTH, input.width ?? terminalWidth());
  const maxRows = input.maxRows ?? DEFAULT_MAX_ROWS;
  const summary = summarise(input.findings, input.strict);
  const causes = causesOf(input);
  const failing: Cause[] = [];
  const indeterminate: Cause[] = [];
  const approved: Cause[] = [];
  for (const k of causes) {
    const f = { ...k.lead, status: k.status };
    if (isFailing(f, input.strict)) failing.push(k);
    else if (k.status === "indeterminate") indeterminate.push(k);
    else if (k.status === "approved") approved.push(k);
  }
  const counts = [
    `${summary.fail} failed`,
    `${summary.indeterminate} indeterminate${input.strict ? " (failing: --strict)" : ""}`,
    `${summary.approved} approved`,
    `${summary.pass} passed`,
  ].join(", ");
  const verdictWord = summary.failing > 0 ? c.red(c.bold("FAIL")) : c.green(c.bold("OK"));
  const verdict = wrap(
    `${counts} (${causes.filter((k) => k.status !== "pass").length} causes)`,
    width,
    "  ",
    `${summary.failing > 0 ? "FAIL" : "OK"} `,
  ).map((l, i) => (i === 0 ? l.replace(/^(FAIL|OK)/, verdictWord) : l));
  const lines: string[] = [...verdict, ...wrap(`parity: ${input.subject}`, width, "  ").map((l) => c.bold(l))];

  let shown = 0;
  let omitted = 0;
  const block = (k: Cause, paint: (s: string) => string, label: string, full: boolean) => {
    if (shown >= maxRows) {
      omitted++;
      return;
    }
    shown++;
    const f = k.lead;
    lines.push("");
    const head = `${label} ${k.severity} ${f.ruleId} [${f.environments.join(", ")}]${k.sources.length > 1 ? ` (reported by ${k.sources.join(" and ")})` : ""}`;
    lines.push(...wrap(head, width, "    ").map((l, i) => (i === 0 ? l.replace(label, paint(label)) : l)));
    const subject = `${resourceLabel(f)}${k.causePath ? ` · ${k.causePath}` : ""}`;
    lines.push(...wrap(subject, width, "    ", "  "));
    const at = where(k);
    if (at) lines.push(...wrap(`at ${at}`, width, "    ", "  "));
    lines.push(...wrap(f.message, width, "    ", "  "));
    const vals = shownValues(f);
    const inMessage =
      vals && Object.entries(vals).every(([env, v]) => f.message.includes(`${env}=${displayValue(v, Infinity)}`));
    if (full && vals && !inMessage && !(k.causePath && k.causePath !== f.path)) {
      for (const [env, v] of Object.entries(vals))
        lines.push(...wrap(displayValue(v, Infinity), width, "      ", `  ${env}: `));
    }
    for (const d of k.details) lines.push(...wrap(d, width, "      ", "  - "));
    if (f.approval) {
      const a = `approval ${f.approval.id} (owner ${f.approval.owner}${f.approval.expires ? `, expires ${f.approval.expires}` : ""})`;
      lines.push(
        ...wrap(f.message.includes(f.approval.reason) ? a : `${a}: ${f.approval.reason}`, width, "    ", "  "),
      );
    }
  };
  for (const k of failing)
    block(k, (s) => c.red(s), k.status === "indeterminate" ? "INDETERMINATE(strict)" : STATUS_LABEL[k.status], true);
  for (const k of indeterminate) block(k, (s) => c.yellow(s), STATUS_LABEL.indeterminate, true);
  if (approved.length > 0) {
    if (input.showApproved) {
      for (const k of approved) block(k, (s) => c.cyan(s), STATUS_LABEL.approved, true);
    } else {
      lines.push(
        "",
        ...wrap(
          `${approved.length} approved differences (${summary.approved} findings) not listed: --show-approved lists them`,
          width,
          "  ",
        ),
      );
    }
  }
  if (omitted > 0) lines.push("", ...wrap(`… ${omitted} more, see --format json`, width, "  "));
  if (shown > 0 || approved.length > 0) lines.push("", ...verdict);
  return `${lines.join("\n")}\n`;
}
