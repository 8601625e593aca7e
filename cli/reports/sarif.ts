/**
 * `--format sarif`: SARIF 2.1.0 for GitHub code scanning (github/codeql-action/upload-sarif) and other viewers.
 *
 * - `tool.driver.rules`: one descriptor per rule id that has a result, with stable `id`, `shortDescription`,
 *   `fullDescription` (why), `help` (fix), `helpUri` when known, and GitHub's `security-severity`.
 * - results: `ruleId`, `level`, `message`, a physical location (the stack config / export file the finding names, else
 *   the run's default file) and a logical location (the resource), `partialFingerprints` = hash of rule id + resource
 *   + path (+ environment for per-stack findings): stable across runs, never derived from values.
 * - approved differences are results with `suppressions: [{ kind: "external", state: "accepted", justification: <reason> }]`.
 * - within GitHub code scanning's upload limits ({@link GITHUB_SARIF_LIMITS}): over them, the most severe results are
 *   kept, and the run says what was left out (a `toolExecutionNotification` and `properties.omitted`) and where every
 *   finding is (the JSON report).
 */
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import type * as sarif from "sarif";
import type { Finding, Severity } from "../../consistency-rules/src/model";
import type { Cause } from "./group";
import type { ReportInput } from "./model";
import { causeFingerprint } from "./fingerprint";
import { causesOf, isFailing, valuesLine } from "./model";

/**
 * What GitHub code scanning accepts in one upload ("SARIF support for code scanning", "SARIF results exceed limit"):
 * 10 MB per (gzip-compressed) file, 20 runs per file, 25,000 results and 25,000 rules per run, 1,000 locations per
 * result, 20 tags per rule, 100 tool extensions per run, 10,000 thread-flow locations per result. The log has one run,
 * one location per result, two tags per rule, no extensions and no thread flows; results, rules and size are enforced.
 * `maxRelated` and `maxDetails` keep one cause from filling the file (the JSON report lists every member).
 */
export interface SarifLimits {
  readonly maxResults: number;
  readonly maxRules: number;
  readonly maxLocationsPerResult: number;
  readonly maxTagsPerRule: number;
  /** The gzip-compressed size of the file as written. */
  readonly maxGzipBytes: number;
  readonly maxRelated: number;
  readonly maxDetails: number;
}

export const GITHUB_SARIF_LIMITS: SarifLimits = {
  maxResults: 25_000,
  maxRules: 25_000,
  maxLocationsPerResult: 1_000,
  maxTagsPerRule: 20,
  // 10 MB, with room for the upload's own envelope
  maxGzipBytes: 10_000_000 - 64 * 1024,
  maxRelated: 100,
  maxDetails: 100,
};

/** Where every finding is when the SARIF log leaves some out. */
export const FULL_REPORT_HINT = "parity check --format json -o parity.json (or --format html)";

export const SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json";
export const FINGERPRINT_KEY = "parityFinding/v1";
export { causeFingerprint, fingerprint } from "./fingerprint";

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

const LEVEL_RANK: Record<sarif.Result.level, number> = { error: 0, warning: 1, note: 2, none: 3 };
const KIND_RANK: Record<sarif.Result.kind, number> = {
  fail: 0,
  review: 1,
  open: 2,
  informational: 3,
  notApplicable: 4,
  pass: 5,
};
const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

interface Omitted {
  readonly results: number;
  readonly byLevel: Record<string, number>;
  readonly reasons: string[];
}

export function buildSarif(input: ReportInput, limits: SarifLimits = GITHUB_SARIF_LIMITS): sarif.Log {
  const all = causesOf(input).filter((c) => c.status !== "pass");
  // the most severe first: failing before review before accepted, then by level and severity (stable)
  const ranked = all
    .map((c, i) => {
      const f: Finding = { ...c.lead, status: c.status, severity: c.severity };
      return {
        c,
        i,
        k: KIND_RANK[kindOf(f, input.strict)],
        l: LEVEL_RANK[level(f, input.strict)],
        s: SEVERITY_RANK[c.severity],
      };
    })
    .sort((a, b) => a.k - b.k || a.l - b.l || a.s - b.s || a.i - b.i);
  const reasons: string[] = [];
  let keep = ranked;
  if (keep.length > limits.maxResults) {
    reasons.push(`at most ${limits.maxResults} results per run`);
    keep = keep.slice(0, limits.maxResults);
  }
  const ruleOrder = [...new Set(keep.map((r) => r.c.lead.ruleId))];
  if (ruleOrder.length > limits.maxRules) {
    reasons.push(`at most ${limits.maxRules} rules per run`);
    const allowed = new Set(ruleOrder.slice(0, limits.maxRules));
    keep = keep.filter((r) => allowed.has(r.c.lead.ruleId));
  }
  const build = (n: number): sarif.Log => {
    const kept = keep.slice(0, n);
    const chosen = kept.map((r) => r.i).sort((a, b) => a - b);
    const omitted = ranked.length - kept.length;
    const byLevel: Record<string, number> = {};
    if (omitted > 0) {
      const inKept = new Set(chosen);
      for (const r of ranked) {
        if (inKept.has(r.i)) continue;
        const lv = level({ ...r.c.lead, status: r.c.status, severity: r.c.severity }, input.strict);
        byLevel[lv] = (byLevel[lv] ?? 0) + 1;
      }
    }
    return buildLog(
      input,
      limits,
      chosen.map((i) => all[i]),
      omitted > 0 ? { results: omitted, byLevel, reasons } : undefined,
    );
  };
  let n = keep.length;
  let log = build(n);
  // the file as written, gzip-compressed (as code scanning measures it); only compressed when it could be too big
  const size = (l: sarif.Log): number => {
    const text = renderLog(l);
    return Buffer.byteLength(text) <= limits.maxGzipBytes ? 0 : gzipSync(text).length;
  };
  let bytes = size(log);
  if (bytes > limits.maxGzipBytes) reasons.push(`at most ${limits.maxGzipBytes} bytes (gzip) per file`);
  while (bytes > limits.maxGzipBytes && n > 0) {
    n = Math.max(0, Math.min(n - 1, Math.floor((n * limits.maxGzipBytes * 0.95) / bytes)));
    log = build(n);
    bytes = size(log);
  }
  return log;
}

function buildLog(
  input: ReportInput,
  limits: SarifLimits,
  causes: readonly Cause[],
  omitted: Omitted | undefined,
): sarif.Log {
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
        tags: ["env-parity", info.kind ?? "parity"].slice(0, limits.maxTagsPerRule),
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
    const details =
      c.details.length > limits.maxDetails
        ? [
            ...c.details.slice(0, limits.maxDetails),
            `… ${c.details.length - limits.maxDetails} more lines, see the JSON report`,
          ]
        : c.details;
    const text = `${f.message}${values && !f.message.includes(values) ? ` (${values})` : ""}${details.length > 0 ? `\n${details.join("\n")}` : ""}`;
    return {
      ruleId: f.ruleId,
      ruleIndex: index.get(f.ruleId)!,
      kind: kindOf(f, input.strict),
      level: level(f, input.strict),
      message: { text: `[${f.environments.join(", ")}] ${text}` },
      locations: [location].slice(0, limits.maxLocationsPerResult),
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
          related: c.members.slice(1, 1 + limits.maxRelated).map((m) => ({
            ruleId: m.ruleId,
            status: m.status,
            ...(m.resource && { resource: m.resource }),
            ...(m.path && { path: m.path }),
          })),
          ...(c.members.length - 1 > limits.maxRelated && { relatedOmitted: c.members.length - 1 - limits.maxRelated }),
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
        ...(omitted && {
          invocations: [
            {
              executionSuccessful: true,
              toolExecutionNotifications: [
                {
                  level: "warning",
                  descriptor: { id: "parity-sarif-results-omitted" },
                  message: { text: omittedText(omitted, results.length) },
                },
              ],
            },
          ],
        }),
        results,
        ...(omitted && {
          properties: {
            omitted: {
              results: omitted.results,
              byLevel: omitted.byLevel,
              reasons: omitted.reasons,
              fullReport: FULL_REPORT_HINT,
            },
          },
        }),
      },
    ],
  };
}

function omittedText(o: Omitted, kept: number): string {
  const levels = Object.entries(o.byLevel)
    .map(([l, n]) => `${n} ${l === "none" ? "approved or for review" : `at level ${l}`}`)
    .join(", ");
  return `${o.results} of ${o.results + kept} results left out (${levels}) to stay within GitHub code scanning's limits (${o.reasons.join("; ")}); the most severe are kept. Every finding: ${FULL_REPORT_HINT}`;
}

function renderLog(log: sarif.Log): string {
  return `${JSON.stringify(log, null, 2)}\n`;
}

export function renderSarif(input: ReportInput): string {
  return renderLog(buildSarif(input));
}
