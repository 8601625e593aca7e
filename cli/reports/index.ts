import type { ReportInput } from "./model";

export const FORMATS = ["table", "json", "sarif", "junit", "markdown", "html"] as const;
export type ReportFormat = (typeof FORMATS)[number];

type Renderer = (input: ReportInput) => string;

// Each renderer's module (and what it loads: junit-report-builder, cli-table3, zlib…) is loaded when its format is asked for.
/* eslint-disable @typescript-eslint/no-require-imports */
const RENDERERS: Record<ReportFormat, () => Renderer> = {
  table: () => (require("./table") as typeof import("./table")).renderTable,
  json: () => (require("./json") as typeof import("./json")).renderJson,
  sarif: () => (require("./sarif") as typeof import("./sarif")).renderSarif,
  junit: () => (require("./junit") as typeof import("./junit")).renderJunit,
  markdown: () => (require("./markdown") as typeof import("./markdown")).renderMarkdown,
  html: () => (require("./html") as typeof import("./html")).renderHtml,
};
/* eslint-enable @typescript-eslint/no-require-imports */

export function renderReport(format: ReportFormat, input: ReportInput): string {
  return RENDERERS[format]()(input);
}

export * from "./model";
export type { Cause, Location } from "./group";
