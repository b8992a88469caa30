/**
 * The HTML report in a real browser: headless Chromium (Debian's, through playwright-core) opens
 * the file as a security team would, and the charts must show the model's numbers, the filter
 * must hide and count rows, collapsed sections must open (with JavaScript or without) and print
 * their content, nothing may be logged as an error (a Content-Security-Policy violation would
 * be), and nothing but the file itself may be requested. A screenshot is saved to out/browser/
 * for a person to look at.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import { openMemoryStore } from '#adapters/memory/leash-store.ts';
import { loadReportHistory } from '#core/report/history.ts';
import { renderReportHtml } from '#core/report/render-html.ts';
import { buildWeeklyReport, type WeeklyReport } from '#core/report/weekly-report.ts';
import { recordScanRun } from '#core/store/record-scan.ts';
import { launchChromium } from '#test/browser/chromium.ts';
import { generatedDocument } from '#test/browser/report-corpus.ts';
import { aFinding, aFindingsDocument, anIdentityResult } from '#test/helpers/findings-document.ts';

const OUT = resolve('out', 'browser');

/** An SVG element's box (the DOM types are not in this project's lib). */
type Box = { getBBox(): { width: number; height: number } };
const DAY = 86_400_000;
const T0 = Date.parse('2026-11-02T03:00:00.000Z');

let browser: Browser;
let report: WeeklyReport;
let url: string;

/** A report of 60 generated identities plus two named ones, over two recorded weeks. */
async function aReport(): Promise<WeeklyReport> {
  const store = openMemoryStore();
  const week1 = aFindingsDocument(
    [anIdentityResult('support-agent', [aFinding({ title: 'Policy Old is unused' })])],
    { asOf: new Date(T0).toISOString() },
  );
  await recordScanRun(store, week1, 'run-1', T0);
  const generated = generatedDocument(60);
  const doc = aFindingsDocument(
    [
      anIdentityResult('support-agent', [aFinding({ severity: 'high', title: 'Tool reach' })], {
        actions: ['bedrock:InvokeModel', 's3:GetObject', 's3:PutObject', 'iam:PassRole'],
        used: 1,
        overrides: { class: 'ai-agent', aiRole: 'agent' },
      }),
      anIdentityResult('<script>alert(1)</script>', [], { actions: ['sqs:SendMessage'] }),
      ...generated.identities,
    ],
    { asOf: new Date(T0 + 7 * DAY).toISOString() },
  );
  await recordScanRun(store, doc, 'run-2', T0 + 7 * DAY);
  return buildWeeklyReport(doc, {
    catalog: await loadCatalog(),
    history: await loadReportHistory(store, doc),
  });
}

/** The selector of an identity's section. */
function sectionOf(id: string): string {
  return `details.identity[id="id-${id.replace(/[^A-Za-z0-9_-]/g, '-')}"]`;
}

/** The least risky identity with a recommended policy: not one of the ten, so collapsed. */
function quietIdentity(): WeeklyReport['identities'][number] {
  const quiet = report.identities.filter((i) => i.recommendedPolicy).at(-1)!;
  expect(report.topRisks).not.toContain(quiet.id);
  return quiet;
}

/** Whether the first element matching `selector` is rendered (the DOM types are not in lib). */
function shown(page: Page, selector: string): Promise<boolean> {
  return page.$eval(selector, (el) =>
    (el as unknown as { checkVisibility(): boolean }).checkVisibility(),
  );
}

/** Every context opened, closed (awaited) before the browser is: none outlives its test run. */
const contexts: BrowserContext[] = [];

/** Opens the report, collecting console errors and every request the page makes. */
async function open(
  options: { javaScriptEnabled?: boolean } = {},
): Promise<{ page: Page; errors: string[]; requests: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  contexts.push(context);
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(url, { waitUntil: 'load' });
  return { page, errors, requests };
}

beforeAll(async () => {
  report = await aReport();
  await mkdir(OUT, { recursive: true });
  const file = join(OUT, 'report.html');
  await writeFile(file, renderReportHtml(report));
  url = pathToFileURL(file).href;
  browser = await launchChromium();
});

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await browser?.close();
});

describe('the HTML report in Chromium', () => {
  it('draws the reduction by class with the model numbers', async () => {
    // Arrange
    const { page } = await open();

    // Act
    const bars = await page.$$eval('#chart-reduction g.bar', (gs) =>
      gs.map((g) => ({
        class: g.getAttribute('data-class'),
        granted: Number(g.getAttribute('data-granted')),
        removable: Number(g.getAttribute('data-removable')),
        grantedText: g.querySelector('text.v.granted')?.textContent,
        afterText: g.querySelector('text.v.after')?.textContent,
        width: (g.querySelector('rect.granted') as unknown as Box).getBBox().width,
      })),
    );

    // Assert
    expect(bars.map((b) => b.class)).toEqual(report.headline.byClass.map((c) => c.class));
    for (const c of report.headline.byClass) {
      const bar = bars.find((b) => b.class === c.class)!;
      expect(bar).toMatchObject({ granted: c.granted, removable: c.removable });
      expect(bar.grantedText).toBe(String(c.granted));
      expect(bar.afterText).toBe(`${c.granted - c.removable} (−${Math.round(c.reduction * 100)}%)`);
      if (c.granted > 0) expect(bar.width).toBeGreaterThan(0);
    }
    await page.close();
  });

  it('draws the weekly trend and the per-service chart from the store and the model', async () => {
    // Arrange
    const { page } = await open();

    // Act
    const trend = await page.$$eval('#chart-trend g.bar', (gs) =>
      gs.map((g) => ({
        week: g.getAttribute('data-week'),
        open: g.querySelector('text.v')?.textContent,
        height: (g.querySelector('rect') as unknown as Box).getBBox().height,
      })),
    );
    const services = await page.$$eval('#chart-services g.bar', (gs) =>
      gs.map((g) => ({
        service: g.getAttribute('data-service'),
        text: g.querySelector('text.v')?.textContent,
      })),
    );

    // Assert
    expect(trend.map((p) => [p.week, p.open])).toEqual(
      report.trend.map((p) => [p.week, String(p.open)]),
    );
    expect(trend).toHaveLength(2);
    expect(trend.every((p) => p.height > 0)).toBe(true);
    expect(services.map((s) => s.service)).toEqual(report.services.map((s) => s.service));
    const first = report.services[0]!;
    expect(services[0]!.text).toBe(
      `${first.used} used / ${first.unused} unused / ${first.granted}`,
    );
    await page.close();
  });

  it('filters the identities as one types, and counts what is shown', async () => {
    // Arrange
    const { page } = await open();
    const visible = () => page.$$eval('#identities tbody tr:not([hidden])', (rs) => rs.length);
    const expected = report.identities.filter((i) =>
      `${i.name} ${i.id}`.toLowerCase().includes('role-0001'),
    ).length;

    // Act
    await page.fill('#filter', 'role-0001');
    const afterSearch = await visible();
    const counted = await page.textContent('#visible-count');
    await page.fill('#filter', '');
    await page.selectOption('#class-filter', 'ai-agent');
    const agents = await visible();
    await page.fill('#filter', 'no such identity');
    const none = await visible();

    // Assert
    expect(expected).toBe(10);
    expect(afterSearch).toBe(expected);
    expect(counted).toBe(String(expected));
    expect(agents).toBe(report.identities.filter((i) => i.class === 'ai-agent').length);
    expect(none).toBe(0);
    expect(await page.textContent('#visible-count')).toBe('0');
    await page.close();
  });

  it('opens collapsed sections, and the section a link points at', async () => {
    // Arrange
    const { page } = await open();
    const section = sectionOf(quietIdentity().id);

    // Act
    const coverageBefore = await page.$eval(
      '#coverage details',
      (d) => (d as unknown as { open: boolean }).open,
    );
    await page.click('#coverage summary');
    const coverageAfter = await page.$eval(
      '#coverage details',
      (d) => (d as unknown as { open: boolean }).open,
    );
    const identityBefore = await page.$eval(
      section,
      (d) => (d as unknown as { open: boolean }).open,
    );
    const policyBefore = await shown(page, `${section} pre.policy`);
    await page.click(`#identities a[href="#${section.slice(section.indexOf('"') + 1, -2)}"]`);
    const identityAfter = await page.$eval(
      section,
      (d) => (d as unknown as { open: boolean }).open,
    );
    // Its body is in the markup from the start, hidden until the section opens.
    const policyAfter = await shown(page, `${section} pre.policy`);

    // Assert
    expect([coverageBefore, coverageAfter]).toEqual([false, true]);
    expect([identityBefore, identityAfter]).toEqual([false, true]);
    expect([policyBefore, policyAfter]).toEqual([false, true]);
    await page.close();
  });

  it("shows a collapsed section's content when opened with JavaScript disabled", async () => {
    // Arrange
    const { page, errors } = await open({ javaScriptEnabled: false });
    const quiet = quietIdentity();
    const section = sectionOf(quiet.id);
    const policy = quiet.recommendedPolicy!.policies[0]!;

    // Act
    const before = await shown(page, `${section} pre.policy`);
    await page.click(`${section} > summary`);
    const after = await shown(page, `${section} pre.policy`);
    const text = await page.innerText(section);
    // The script never ran: it would have set the count from the rows it filtered.
    const counted = await page.textContent('#visible-count');
    await page.fill('#filter', 'no such identity');
    const rowsShown = await page.$$eval('#identities tbody tr:not([hidden])', (rs) => rs.length);

    // Assert
    expect([before, after]).toEqual([false, true]);
    expect(text).toContain(`${policy.name} (${policy.size} characters)`);
    expect(text).toContain('"Sid": "Used"');
    expect(text).toMatch(new RegExp(`Evidence\\s+${quiet.evidence.events} events in the window`));
    expect(counted).toBe(String(report.identities.length));
    expect(rowsShown).toBe(report.identities.length);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('prints collapsed sections with their content, without the controls', async () => {
    // Arrange
    const { page } = await open();
    const section = sectionOf(quietIdentity().id);

    // Act
    const onScreen = await shown(page, `${section} pre.policy`);
    await page.emulateMedia({ media: 'print' });
    const printed = await shown(page, `${section} pre.policy`);
    const controls = await shown(page, '.filters');
    const stillClosed = await page.$eval(section, (d) => !(d as unknown as { open: boolean }).open);

    // Assert
    expect([onScreen, printed]).toEqual([false, true]);
    expect(controls).toBe(false);
    expect(stillClosed).toBe(true);
    await page.close();
  });

  it('logs no error, loads nothing but itself, runs no injected script, and is screenshotted', async () => {
    // Arrange
    const { page, errors, requests } = await open();

    // Act
    await page.screenshot({ path: join(OUT, 'report.png'), fullPage: false });
    await page.fill('#filter', 'agent');
    await page.fill('#filter', '');
    const injected = await page.$$eval('script', (s) => s.length);

    // Assert
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    // The report's own script, and only it.
    expect(injected).toBe(1);
    expect(await page.textContent('#identities')).toContain('<script>alert(1)</script>');
    await page.close();
  });
});
