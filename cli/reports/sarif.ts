/**
 * `--format sarif`: SARIF 2.1.0 for GitHub code scanning (github/codeql-action/upload-sarif) and other viewers.
 *
 * - `tool.driver.rules`: one descriptor per rule id that has a result, with stable `id`, `shortDescription`,
 *   `fullDescription` (why), `help` (fix), `helpUri` when known, and GitHub's `security-severity`.
 * - results: `ruleId`, `level`, `message`, a physical location (the stack config / export file the finding names, else
 *   the run's default file) and a logical location (the resource), `partialFingerprints` = hash of rule id + resource
 *   + path (+ environment for per-stack findings): stable across runs, never derived from values.
 * - approved differences are results with `suppressions: [{ kind: "external", state: "accepted", justification: <reason> }]`.
 */
import { createHash } from "node:crypto";
import * as path from "node:path";
import type * as sarif from "sarif";
import type { Finding, Severity } from "../../consistency-rules/src/model";
import type { Cause } from "./group";
import type { ReportInput } from "./model";
import { causesOf, isFailing, valuesLine } from "./model";

export const SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json";
export const FINGERPRINT_KEY = "parityFinding/v1";

const SECURITY_SEVERITY: Record<Severity, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0" };

/**
 * SARIF 2.1.0 §3.27.9: `fail` is a problem; an approved (suppressed) difference was evaluated and accepted: `pass`;
 * an indeterminate check needs a person: `review`; a pack finding that enforces nothing (advisory, low) is
 * `informational`. §3.27.10: a result whose kind is not `fail` has level `none`.
 */
function kindOf(f: Finding, strict: boolean): sarif.Result.kind {
  if (f.status === "pass" || f.status === "approved") return "pass";
  if (f.status === "indeterminate" && !isFailing(f, strict)) return "review";
  if (f.kind === "policy" && f.enforcement === "advisory" && f.severity === "low") return "informational";
  return "fail";
}

function level(f: Finding, strict: boolean): sarif.Result.level {
  if (kindOf(f, strict) !== "fail") return "none";
  return f.severity === "critical" || f.severity === "high" ? "error" : f.severity === "medium" ? "warning" : "note";
}

/** Stable identity of a finding across runs: never values, only what it is about. */
export function fingerprint(f: Finding): string {
  const parts = [f.ruleId, f.resource ?? "", f.path ?? ""];
  // per-stack findings (policy, config) are one per environment; a parity difference is one across environments
  if (f.kind !== "parity") parts.push([...f.environments].sort().join(","));
  return createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 32);
}

/** A cause's fingerprint: its rule, resource and cause path — the same as its lead's when it stands alone. */
export function causeFingerprint(c: Cause): string {
  const { resource: _r, path: _p, ...rest } = c.lead;
  return fingerprint({
    ...rest,
    ...(c.causeResource !== undefined && { resource: c.causeResource }),
    ...(c.causePath !== undefined && { path: c.causePath }),
  });
}

/** Always a relative reference (never a machine's absolute path). */
function toUri(file: string, cwd: string): string {
  const rel = path.isAbsolute(file) ? path.relative(cwd, file) : file;
  return encodeURI(rel.split(path.sep).join("/"));
}

/**
 * An approved difference as SARIF 2.1.0 has it: `kind: "external"` (the approval lives in the rule set) and
 * `state: "accepted"`. The OASIS standard names the property `state`; @types/sarif 2.1.7 still has the draft's
 * `status`, which the final schema rejects (`additionalProperties: false`), hence the cast.
 */
function suppression(justification: string): sarif.Suppression {
  const s: Omit<sarif.Suppression, "status"> & { state: "accepted" } = {
    kind: "external",
    state: "accepted",
    justification,
  };
  return s as sarif.Suppression;
}

export function buildSarif(input: ReportInput): sarif.Log {
  const causes = causesOf(input).filter((c) => c.status !== "pass");
  const ruleIds = [...new Set(causes.map((c) => c.lead.ruleId))].sort();
  const rules: sarif.ReportingDescriptor[] = ruleIds.map((id) => {
    const info = input.rules(id);
    return {
      id,
      name: id
        .split("-")
        .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
        .join(""),
      shortDescription: { text: info.title },
      ...(info.why && { fullDescription: { text: info.why } }),
      ...(info.fix && { help: { text: info.fix, markdown: `**Fix:** ${info.fix}` } }),
      ...(info.helpUri && { helpUri: info.helpUri }),
      ...(info.severity && {
        defaultConfiguration: {
          level:
            info.severity === "critical" || info.severity === "high"
              ? "error"
              : info.severity === "medium"
                ? "warning"
                : "note",
        },
      }),
      properties: {
        tags: ["env-parity", info.kind ?? "parity"],
        ...(info.severity && { "security-severity": SECURITY_SEVERITY[info.severity], precision: "very-high" }),
      },
    };
  });
  const index = new Map(ruleIds.map((id, i) => [id, i]));
  const results: sarif.Result[] = causes.map((c) => {
    const f: Finding = { ...c.lead, status: c.status, severity: c.severity };
    const file = c.location.file ?? f.file ?? input.defaultFile;
    const region = c.location.line
      ? { region: { startLine: c.location.line, ...(c.location.column && { startColumn: c.location.column }) } }
      : {};
    const logicalId = f.resource ? f.resource.slice(f.resource.lastIndexOf("::") + 2) : undefined;
    const location: sarif.Location = {
      ...(file && { physicalLocation: { artifactLocation: { uri: toUri(file, input.cwd) }, ...region } }),
      ...(f.resource && {
        logicalLocations: [{ name: logicalId, fullyQualifiedName: f.urn ?? f.resource, kind: "resource" }],
      }),
    };
    const values = valuesLine(f);
    const text = `${f.message}${values && !f.message.includes(values) ? ` (${values})` : ""}${c.details.length > 0 ? `\n${c.details.join("\n")}` : ""}`;
    return {
      ruleId: f.ruleId,
      ruleIndex: index.get(f.ruleId)!,
      kind: kindOf(f, input.strict),
      level: level(f, input.strict),
      message: { text: `[${f.environments.join(", ")}] ${text}` },
      locations: [location],
      partialFingerprints: { [FINGERPRINT_KEY]: causeFingerprint(c) },
      ...(f.status === "approved" && {
        suppressions: [
          suppression(
            f.approval
              ? `${f.approval.reason} (approval ${f.approval.id}, owner ${f.approval.owner}${f.approval.expires ? `, expires ${f.approval.expires}` : ""})`
              : "approved",
          ),
        ],
      }),
      properties: {
        status: f.status,
        severity: f.severity,
        environments: [...f.environments],
        ...(f.path && { path: f.path }),
        ...(f.resource && { resource: f.resource }),
        sources: [...c.sources],
        ...(c.members.length > 1 && {
          related: c.members
            .slice(1)
            .map((m) => ({
              ruleId: m.ruleId,
              status: m.status,
              ...(m.resource && { resource: m.resource }),
              ...(m.path && { path: m.path }),
            })),
        }),
      },
    };
  });
  return {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "parity",
            fullName: "env-parity (parity CLI)",
            semanticVersion: input.toolVersion,
            version: input.toolVersion,
            rules,
          },
        },
        automationDetails: { id: `parity/${input.subject.replace(/[^\w.-]+/g, "-")}/` },
        columnKind: "unicodeCodePoints",
        results,
      },
    ],
  };
}

export function renderSarif(input: ReportInput): string {
  return `${JSON.stringify(buildSarif(input), null, 2)}\n`;
}
