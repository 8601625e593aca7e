import type { ReportInput } from "./model";
import { renderHtml } from "./html";
import { renderJson } from "./json";
import { renderJunit } from "./junit";
import { renderMarkdown } from "./markdown";
import { renderSarif } from "./sarif";
import { renderTable } from "./table";

export const FORMATS = ["table", "json", "sarif", "junit", "markdown", "html"] as const;
export type ReportFormat = (typeof FORMATS)[number];

const RENDERERS: Record<ReportFormat, (input: ReportInput) => string> = {
  table: renderTable,
  json: renderJson,
  sarif: renderSarif,
  junit: renderJunit,
  markdown: renderMarkdown,
  html: renderHtml,
};

export function renderReport(format: ReportFormat, input: ReportInput): string {
  return RENDERERS[format](input);
}

export * from "./model";
export type { Cause, Location } from "./group";
