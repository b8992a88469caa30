/**
 * The report's charts as inline SVG: no script, no external font or image, colours from CSS
 * classes (the HTML's style block) so the Content-Security-Policy can forbid inline styles.
 * Every bar carries its figures as `data-*` attributes and prints them as text, so a reader
 * without colour vision and the browser tests both get the numbers.
 */
import type { ClassSurface, ServiceTotal, TrendPoint } from '#core/report/weekly-report.ts';

/** Escapes text for HTML and SVG (element content and quoted attributes). */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const e = escapeHtml;

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

function figure(id: string, caption: string, svg: string, legend = ''): string {
  return `<figure id="${id}"><figcaption>${e(caption)}</figcaption>${svg}${legend}</figure>`;
}

/**
 * Granted against what remains after the recommendations, per identity class: the attack
 * surface that can go.
 */
export function reductionChart(classes: readonly ClassSurface[]): string {
  const width = 560;
  const labelW = 120;
  const barW = width - labelW - 150;
  const rowH = 40;
  const max = Math.max(1, ...classes.map((c) => c.granted));
  const rows = classes
    .map((c, i) => {
      const y = i * rowH + 4;
      const gw = (barW * c.granted) / max;
      const kw = (barW * (c.granted - c.removable)) / max;
      return `<g class="bar" data-class="${c.class}" data-identities="${c.identities}" data-granted="${c.granted}" data-used="${c.used}" data-removable="${c.removable}"><title>${e(`${c.label}: ${c.identities} identities, ${c.granted} granted, ${c.used} used, ${c.removable} can go`)}</title><text class="l" x="0" y="${y + 15}">${e(c.label)}</text><text class="s" x="0" y="${y + 29}">${c.identities} identities</text><rect class="granted" x="${labelW}" y="${y}" width="${gw.toFixed(1)}" height="14"/><rect class="kept" x="${labelW}" y="${y + 16}" width="${kw.toFixed(1)}" height="14"/><text class="v granted" x="${(labelW + gw + 6).toFixed(1)}" y="${y + 12}">${c.granted}</text><text class="v after" x="${(labelW + kw + 6).toFixed(1)}" y="${y + 28}">${c.granted - c.removable} (−${pct(c.reduction)})</text></g>`;
    })
    .join('');
  const h = classes.length * rowH + 8;
  return figure(
    'chart-reduction',
    'Attack surface by identity class: granted, and what remains after the recommendations',
    `<svg role="img" aria-label="Reduction by identity class" viewBox="0 0 ${width} ${h}" width="${width}" height="${h}">${rows}</svg>`,
    '<p class="legend"><i class="granted"></i>granted <i class="kept"></i>after the recommendations</p>',
  );
}

/** Open findings at the last scan of each week, with new and resolved over the week. */
export function trendChart(points: readonly TrendPoint[]): string {
  const width = 560;
  const height = 200;
  if (points.length === 0)
    return figure(
      'chart-trend',
      'Weekly trend of open findings',
      `<svg role="img" aria-label="Weekly trend" viewBox="0 0 ${width} 40" width="${width}" height="40"><text class="l" x="0" y="24">No scans recorded in the store yet.</text></svg>`,
    );
  const max = Math.max(1, ...points.map((p) => p.open));
  const slot = (width - 20) / points.length;
  const bw = Math.min(36, slot * 0.6);
  const plot = height - 50;
  const bars = points
    .map((p, i) => {
      const x = 10 + i * slot + (slot - bw) / 2;
      const bh = (plot * p.open) / max;
      const y = 20 + plot - bh;
      const cx = (x + bw / 2).toFixed(1);
      return `<g class="bar" data-week="${p.week}" data-open="${p.open}" data-new="${p.new}" data-resolved="${p.resolved}"><title>${e(`Week of ${p.week}: ${p.open} open, ${p.new} new, ${p.resolved} resolved (run ${p.runId})`)}</title><rect class="open" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${bw.toFixed(1)}" height="${bh.toFixed(1)}"/><text class="v" text-anchor="middle" x="${cx}" y="${(y - 4).toFixed(1)}">${p.open}</text><text class="s" text-anchor="middle" x="${cx}" y="${height - 18}">${p.week.slice(5)}</text><text class="s" text-anchor="middle" x="${cx}" y="${height - 4}">+${p.new} −${p.resolved}</text></g>`;
    })
    .join('');
  return figure(
    'chart-trend',
    'Weekly trend of open findings (last scan of each week; new and resolved over the week)',
    `<svg role="img" aria-label="Weekly trend" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${bars}</svg>`,
  );
}

/** Used, kept (unobservable) and unused grants per service, over every identity. */
export function serviceChart(services: readonly ServiceTotal[]): string {
  const width = 1000;
  const labelW = 170;
  const barW = width - labelW - 170;
  const rowH = 22;
  if (services.length === 0) return '';
  const max = Math.max(1, ...services.map((s) => s.granted));
  const rows = services
    .map((s, i) => {
      const y = i * rowH + 4;
      const scale = barW / max;
      const u = s.used * scale;
      const o = s.unobservable * scale;
      const n = s.unused * scale;
      return `<g class="bar" data-service="${e(s.service)}" data-granted="${s.granted}" data-used="${s.used}" data-unobservable="${s.unobservable}" data-unused="${s.unused}"><title>${e(`${s.service}: ${s.granted} granted, ${s.used} used, ${s.unobservable} unobservable, ${s.unused} unused`)}</title><text class="l" x="0" y="${y + 13}">${e(s.service.length > 26 ? `${s.service.slice(0, 25)}…` : s.service)}</text><rect class="used" x="${labelW}" y="${y}" width="${u.toFixed(1)}" height="15"/><rect class="unobservable" x="${(labelW + u).toFixed(1)}" y="${y}" width="${o.toFixed(1)}" height="15"/><rect class="unused" x="${(labelW + u + o).toFixed(1)}" y="${y}" width="${n.toFixed(1)}" height="15"/><text class="v" x="${(labelW + u + o + n + 6).toFixed(1)}" y="${y + 13}">${s.used} used / ${s.unused} unused / ${s.granted}</text></g>`;
    })
    .join('');
  const h = services.length * rowH + 8;
  return figure(
    'chart-services',
    'Used against unused grants per service, over every identity (most granted first)',
    `<svg role="img" aria-label="Used against unused per service" viewBox="0 0 ${width} ${h}" width="${width}" height="${h}">${rows}</svg>`,
    '<p class="legend"><i class="used"></i>used <i class="unobservable"></i>kept, use not observable <i class="unused"></i>unused</p>',
  );
}
