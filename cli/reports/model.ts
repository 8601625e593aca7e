/** What every report is written from: the findings, the rule catalogue, and how strict the run is. */
import * as path from "node:path";
import type { Finding, FindingStatus, Severity } from "../../consistency-rules/src/model";
import { ExitCode } from "../../consistency-rules/src/errors";
import { SECRET_PLACEHOLDER, isSecret, isUnknown } from "../../consistency-rules/src/sentinels";
import type { Cause } from "./group";
import { groupFindings } from "./group";

/** Documentation of one rule id (policy or consistency rule): what, why, fix (cdk-nag style). */
export interface RuleInfo {
  readonly id: string;
  /** One line: what the rule checks. */
  readonly title: string;
  /** Why it matters. */
  readonly why?: string;
  /** How to fix a failure (or approve the difference). */
  readonly fix?: string;
  readonly severity?: Severity;
  readonly kind?: Finding["kind"];
  readonly helpUri?: string;
}

export type RuleLookup = (id: string) => RuleInfo;

export interface ReportInput {
  readonly findings: readonly Finding[];
  readonly strict: boolean;
  readonly rules: RuleLookup;
  readonly toolVersion: string;
  /** File for findings that name none (SARIF needs a physical location): the rules file or Pulumi.yaml. */
  readonly defaultFile?: string;
  /** Paths in reports are made relative to this directory. */
  readonly cwd: string;
  /** What was checked, for headings (`data-platform: dev, staging, prod`). */
  readonly subject: string;
  readonly colour?: boolean;
  /** Table: list approved differences one by one (default: a count). */
  readonly showApproved?: boolean;
  /** Table: the width to fit (default: stdout's columns, else $COLUMNS, else 100). */
  readonly width?: number;
  /** Table: at most this many rows of findings (default 200), then "… N more, see --format json". */
  readonly maxRows?: number;
  /** URN → where the program registers the resource (relative to `cwd`), for resource findings' locations. */
  readonly sourcePositions?: ReadonlyMap<string, SourcePosition>;
}

export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/**
 * URN → source position of every resource that has one (planned snapshots record the registration's frame,
 * relative to `projectDir`), made relative to `cwd`.
 */
export function sourcePositionsOf(
  snapshots: readonly {
    readonly resources: readonly { readonly urn: string; readonly sourcePosition?: SourcePosition }[];
  }[],
  projectDir: string,
  cwd: string,
): Map<string, SourcePosition> {
  const out = new Map<string, SourcePosition>();
  for (const s of snapshots) {
    for (const r of s.resources) {
      if (!r.sourcePosition) continue;
      const file = path.relative(cwd, path.resolve(projectDir, r.sourcePosition.file)).split(path.sep).join("/");
      out.set(r.urn, { file, line: r.sourcePosition.line, column: r.sourcePosition.column });
    }
  }
  return out;
}

const causeCache = new WeakMap<readonly Finding[], Cause[]>();

/** The findings as causes (one per cause, members in `members`), in {@link sortFindings} order of their leads. */
export function causesOf(input: Pick<ReportInput, "findings" | "cwd" | "sourcePositions">): Cause[] {
  let c = causeCache.get(input.findings);
  if (!c) {
    c = groupFindings(sortFindings(input.findings), input.cwd, input.sourcePositions);
    causeCache.set(input.findings, c);
  }
  return c;
}

/** The width a terminal table fits: stdout's columns, else $COLUMNS, else 100. */
export function terminalWidth(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const cols = process.stdout.columns;
  if (typeof cols === "number" && cols > 0) return cols;
  const n = Number(env.COLUMNS);
  return Number.isInteger(n) && n > 0 ? n : 100;
}

export interface Summary {
  readonly total: number;
  readonly fail: number;
  readonly indeterminate: number;
  readonly approved: number;
  readonly pass: number;
  /** `fail` plus, under --strict, `indeterminate`. */
  readonly failing: number;
  readonly result: "clean" | "findings";
  readonly exitCode: ExitCode.Clean | ExitCode.Findings;
}

export function isFailing(f: Finding, strict: boolean): boolean {
  return f.status === "fail" || (strict && f.status === "indeterminate");
}

export function summarise(findings: readonly Finding[], strict: boolean): Summary {
  const n = (s: FindingStatus) => findings.filter((f) => f.status === s).length;
  const failing = findings.filter((f) => isFailing(f, strict)).length;
  return {
    total: findings.length,
    fail: n("fail"),
    indeterminate: n("indeterminate"),
    approved: n("approved"),
    pass: n("pass"),
    failing,
    result: failing > 0 ? "findings" : "clean",
    exitCode: failing > 0 ? ExitCode.Findings : ExitCode.Clean,
  };
}

const STATUS_ORDER: Record<FindingStatus, number> = { fail: 0, indeterminate: 1, approved: 2, pass: 3 };
export const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/** `String.prototype.localeCompare` without arguments, its collator made once (the same order; no lookup per call). */
let collate: ((a: string, b: string) => number) | undefined;

/** Failures first, then by severity, rule, resource, path, environments: a stable order for every format. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  const cmp = (collate ??= new Intl.Collator().compare);
  return [...findings].sort(
    (a, b) =>
      STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      (a.ruleId === b.ruleId ? 0 : cmp(a.ruleId, b.ruleId)) ||
      (a.resource === b.resource ? 0 : cmp(a.resource ?? "", b.resource ?? "")) ||
      (a.path === b.path ? 0 : cmp(a.path ?? "", b.path ?? "")) ||
      (a.environments === b.environments ? 0 : cmp(a.environments.join(","), b.environments.join(","))),
  );
}

/** `type::logicalId` → `logicalId (type)` for humans. */
export function resourceLabel(f: Finding): string {
  if (!f.resource) return "(stack)";
  if (f.resource === "config::config") return "(stack config)";
  const i = f.resource.lastIndexOf("::");
  return i < 0 ? f.resource : `${f.resource.slice(i + 2)} (${f.resource.slice(0, i)})`;
}

/** How a value unknown until apply is shown (never the engine's sentinel UUID). */
export const UNKNOWN_LABEL = "(unknown)";

/**
 * A value for display. Findings carry redacted values already; this is the last line of defence: any secret marker
 * still present prints as "[secret]", and long values are cut.
 */
export function displayValue(v: unknown, max = 80): string {
  if (v === undefined) return "(absent)";
  const r = redactValue(v);
  const s = r === UNKNOWN_LABEL ? UNKNOWN_LABEL : (JSON.stringify(r) ?? String(v));
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * Secrets → "[secret]", values unknown until apply → "(unknown)", anywhere inside the value. A value with neither
 * inside is returned as it is (the reports only print it), else a copy with the same keys in the same order.
 */
export function redactValue(x: unknown): unknown {
  if (typeof x !== "object" || x === null) return isUnknown(x) ? UNKNOWN_LABEL : x;
  if (isSecret(x)) return SECRET_PLACEHOLDER;
  if (Array.isArray(x)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < x.length; i++) {
      const y: unknown = x[i];
      const r = redactValue(y);
      if (r !== y) (out ??= x.slice())[i] = r;
    }
    return out ?? x;
  }
  let out: Record<string, unknown> | undefined;
  const obj = x as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    const y = obj[k];
    const r = redactValue(y);
    if (r !== y) (out ??= { ...obj })[k] = r;
  }
  return out ?? x;
}

/**
 * The values a report shows: each environment's value as its source has it (`rawValues`, redacted), else the
 * compared (normalised) values. Comparisons in reports (grouping, majorities, scores) use `f.values`.
 */
export function shownValues(f: Finding): Readonly<Record<string, unknown>> | undefined {
  return f.rawValues ?? f.values;
}

/** `dev=512, staging=512, prod=1024`, unless the message already gives every environment's value. */
export function valuesLine(f: Finding, max = 60): string | undefined {
  const shown = shownValues(f);
  if (!shown) return undefined;
  const envs = Object.keys(shown);
  // the comparer's messages already say `dev=…, staging=…`: do not print the values twice
  if (envs.length > 0 && envs.every((env) => f.message.includes(`${env}=`))) return undefined;
  return Object.entries(shown)
    .map(([env, v]) => `${env}=${displayValue(v, max)}`)
    .join(", ");
}

export const STATUS_LABEL: Record<FindingStatus, string> = {
  fail: "FAIL",
  indeterminate: "INDETERMINATE",
  approved: "APPROVED",
  pass: "PASS",
};
