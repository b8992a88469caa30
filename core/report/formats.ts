/**
 * The report's four formats and their file names, one switch for every caller (`leash report`
 * and the weekly Lambda write the same files).
 */
import { renderRecommendationsCsv, renderReportJson } from '#core/report/render-csv.ts';
import { renderReportHtml } from '#core/report/render-html.ts';
import { renderReportMarkdown } from '#core/report/render-markdown.ts';
import type { WeeklyReport } from '#core/report/weekly-report.ts';

/** Each format's file name. */
export const REPORT_FILES = {
  html: 'report.html',
  md: 'report.md',
  csv: 'report.csv',
  json: 'report.json',
} as const;

/** A report format. */
export type ReportFormat = keyof typeof REPORT_FILES;

/** Every format, in the order they are written. */
export const REPORT_FORMATS = Object.keys(REPORT_FILES) as ReportFormat[];

/** Each format's Content-Type. */
export const REPORT_CONTENT_TYPES: Record<ReportFormat, string> = {
  html: 'text/html; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  csv: 'text/csv; charset=utf-8; header=present',
  json: 'application/json',
};

/** Renders a report in one format. */
export function renderReport(report: WeeklyReport, format: ReportFormat): string {
  switch (format) {
    case 'html':
      return renderReportHtml(report);
    case 'md':
      return renderReportMarkdown(report);
    case 'csv':
      return renderRecommendationsCsv(report);
    case 'json':
      return renderReportJson(report);
  }
}
