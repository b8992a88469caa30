/**
 * Benchmark of the HTML report: builds and renders the report of a generated 5,000-identity
 * document (test/browser/report-corpus.ts), then opens it in headless Chromium (Debian's, through
 * playwright-core) and times the load until the page's `load` event and its first paint of the
 * identities table. Prints one line; with `--json`, the figures as JSON (for bench/run.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import { renderReportHtml } from '#core/report/render-html.ts';
import { buildWeeklyReport } from '#core/report/weekly-report.ts';
import { launchChromium } from '#test/browser/chromium.ts';
import { generatedDocument } from '#test/browser/report-corpus.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const count = Number(args.find((a) => /^\d+$/.test(a)) ?? 5_000);
const here = dirname(fileURLToPath(import.meta.url));

const doc = generatedDocument(count);
const catalog = await loadCatalog();
const t0 = performance.now();
const html = renderReportHtml(buildWeeklyReport(doc, { catalog }));
const renderSeconds = (performance.now() - t0) / 1000;
const dir = join(here, '.corpus');
await mkdir(dir, { recursive: true });
const file = join(dir, `report-${count}.html`);
await writeFile(file, html);

const browser = await launchChromium();
try {
  // Three loads in fresh pages; the median is printed (the first pays for Chromium's warm-up).
  const loads: { seconds: number; nodes: number; rows: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const started = performance.now();
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    // A frame after load: the table is laid out and painted, the filter script has run.
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => r(null)))');
    const seconds = (performance.now() - started) / 1000;
    const nodes = Number(await page.evaluate("document.getElementsByTagName('*').length"));
    const rows = await page.$$eval('#identities tbody tr', (r) => r.length);
    loads.push({ seconds, nodes, rows });
    await page.close();
  }
  loads.sort((a, b) => a.seconds - b.seconds);
  const median = loads[1]!;
  const figures = {
    identities: count,
    htmlMiB: Buffer.byteLength(html) / 1024 / 1024,
    renderSeconds,
    browserSeconds: median.seconds,
    browserMinSeconds: loads[0]!.seconds,
    browserMaxSeconds: loads[2]!.seconds,
    domNodes: median.nodes,
    rows: median.rows,
  };
  if (json) console.log(JSON.stringify(figures));
  else
    console.log(
      `report: ${count} identities, ${figures.htmlMiB.toFixed(1)} MiB of HTML rendered in ${renderSeconds.toFixed(2)} s; Chromium loads and paints it in ${median.seconds.toFixed(2)} s (median of 3; budget < 5)`,
    );
} finally {
  await browser.close();
}
