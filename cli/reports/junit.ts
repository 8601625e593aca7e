/**
 * `--format junit`: JUnit XML (junit-report-builder) for CI test tabs.
 * One test suite per kind (policy, parity, config); one test case per rule × resource (classname = rule id,
 * name = resource); several findings of the same rule × resource (per environment, per path) are one test case.
 * fail → <failure>; approved → <skipped/> with the reason in <system-out> and `approval.*` properties;
 * indeterminate → <skipped/> (or <failure> under --strict); pass → a passing test case.
 */
import builderSingleton from "junit-report-builder";
import type { Finding } from "../../consistency-rules/src/model";
import type { ReportInput } from "./model";
import { isFailing, resourceLabel, sortFindings, valuesLine } from "./model";

const SUITES: readonly Finding["kind"][] = ["policy", "parity", "config"];

function describe(f: Finding): string {
  const values = valuesLine(f);
  return `[${f.environments.join(", ")}]${f.path ? ` ${f.path}:` : ""} ${f.message}${values ? ` (${values})` : ""}`;
}

export function renderJunit(input: ReportInput): string {
  const builder = builderSingleton.newBuilder();
  builder.name(`parity: ${input.subject}`);
  const sorted = sortFindings(input.findings);
  for (const kind of SUITES) {
    const ofKind = sorted.filter((f) => f.kind === kind);
    if (ofKind.length === 0) continue;
    const suite = builder.testSuite().name(`parity.${kind}`);
    const cases = new Map<string, Finding[]>();
    for (const f of ofKind) {
      const k = `${f.ruleId}\u0000${f.resource ?? ""}`;
      cases.set(k, [...(cases.get(k) ?? []), f]);
    }
    for (const group of cases.values()) {
      const first = group[0];
      const tc = suite.testCase().className(first.ruleId).name(resourceLabel(first));
      const file = group.find((f) => f.file)?.file;
      if (file) tc.file(file);
      const failing = group.filter((f) => isFailing(f, input.strict));
      const indeterminate = group.filter((f) => f.status === "indeterminate" && !isFailing(f, input.strict));
      const approved = group.filter((f) => f.status === "approved");
      if (failing.length > 0) {
        tc.failure(failing.map(describe).join("\n"), failing.some((f) => f.status === "fail") ? first.severity : "indeterminate");
      } else if (indeterminate.length > 0 || approved.length > 0) {
        tc.skipped();
      }
      const out: string[] = [];
      for (const f of indeterminate) out.push(`indeterminate: ${describe(f)}`);
      for (const f of approved) {
        out.push(`approved: ${describe(f)}${f.approval ? ` — ${f.approval.reason} (approval ${f.approval.id}, owner ${f.approval.owner})` : ""}`);
        if (f.approval) {
          tc.property("approval.id", f.approval.id).property("approval.reason", f.approval.reason).property("approval.owner", f.approval.owner);
          if (f.approval.expires) tc.property("approval.expires", f.approval.expires);
        }
      }
      if (out.length > 0) tc.standardOutput(out.join("\n"));
    }
  }
  return `${builder.build()}\n`;
}
