/**
 * `--format junit`: JUnit XML (junit-report-builder) for CI test tabs.
 * One test suite per kind (policy, parity, config); one test case per cause (cli/reports/group.ts), i.e. per
 * rule × resource × path (classname = rule id, name = resource and path); `file` is the file to look at and the
 * `location.line`/`location.column` properties the line in it (also the start of the failure message, `file:line:col`).
 * fail → <failure>; approved → <skipped/> with the reason in <system-out> and `approval.*` properties;
 * indeterminate → <skipped/> (or <failure> under --strict); pass → a passing test case.
 */
import builderSingleton from "junit-report-builder";
import type { Finding } from "../../consistency-rules/src/model";
import type { Cause } from "./group";
import type { ReportInput } from "./model";
import { causesOf, isFailing, resourceLabel, valuesLine } from "./model";

const SUITES: readonly Finding["kind"][] = ["policy", "parity", "config"];

function describe(f: Finding): string {
  const values = valuesLine(f);
  return `[${f.environments.join(", ")}]${f.path ? ` ${f.path}:` : ""} ${f.message}${values ? ` (${values})` : ""}`;
}

function at(c: Cause): string {
  const l = c.location;
  return l.file ? `${l.file}${l.line ? `:${l.line}${l.column ? `:${l.column}` : ""}` : ""}: ` : "";
}

export function renderJunit(input: ReportInput): string {
  const builder = builderSingleton.newBuilder();
  builder.name(`parity: ${input.subject}`);
  const causes = causesOf(input);
  for (const kind of SUITES) {
    const ofKind = causes.filter((c) => c.lead.kind === kind);
    if (ofKind.length === 0) continue;
    const suite = builder.testSuite().name(`parity.${kind}`);
    for (const c of ofKind) {
      const first = c.lead;
      const name = `${resourceLabel(first)}${c.causePath ? ` ${c.causePath}` : ""}${first.kind !== "parity" ? ` [${first.environments.join(", ")}]` : ""}`;
      const tc = suite.testCase().className(first.ruleId).name(name);
      const file = c.location.file ?? first.file;
      if (file) tc.file(file);
      if (c.location.line) tc.property("location.line", String(c.location.line));
      if (c.location.column) tc.property("location.column", String(c.location.column));
      const group = c.members;
      const failing = group.filter((f) => isFailing(f, input.strict));
      const indeterminate = group.filter((f) => f.status === "indeterminate" && !isFailing(f, input.strict));
      const approved = group.filter((f) => f.status === "approved");
      if (failing.length > 0) {
        tc.failure(
          `${at(c)}${failing.map(describe).join("\n")}${c.details.length ? `\n${c.details.join("\n")}` : ""}`,
          failing.some((f) => f.status === "fail") ? c.severity : "indeterminate",
        );
      } else if (indeterminate.length > 0 || approved.length > 0) {
        tc.skipped();
      }
      const out: string[] = [];
      for (const f of indeterminate) out.push(`indeterminate: ${describe(f)}`);
      const seen = new Set<string>();
      for (const f of approved) {
        out.push(
          `approved: ${describe(f)}${f.approval ? ` — ${f.approval.reason} (approval ${f.approval.id}, owner ${f.approval.owner})` : ""}`,
        );
        if (f.approval && !seen.has(f.approval.id)) {
          seen.add(f.approval.id);
          tc.property("approval.id", f.approval.id)
            .property("approval.reason", f.approval.reason)
            .property("approval.owner", f.approval.owner);
          if (f.approval.expires) tc.property("approval.expires", f.approval.expires);
        }
      }
      if (out.length > 0) tc.standardOutput(out.join("\n"));
    }
  }
  return `${builder.build()}\n`;
}
