/**
 * Child process of the benchmark: streams a corpus through the real reader and aggregator (parse,
 * map, aggregate) on one thread, and prints records/s and peak RSS as JSON.
 */
import { ExportDirectory } from '#adapters/fs/export-directory.ts';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import { UsageAggregator } from '#core/engine/usage.ts';
import type { InputIssue } from '#core/model/input-issue.ts';

const dir = process.argv[2]!;
const catalog = await loadCatalog();
const source = new ExportDirectory(
  dir,
  process.argv[3] ? { wholeFileLimit: Number(process.argv[3]) } : {},
);
const issues: InputIssue[] = [];
await source.list(issues);
const agg = new UsageAggregator(catalog, { from: 0, to: Date.parse('2100-01-01') });
const started = process.hrtime.bigint();
const cpuStart = process.cpuUsage();
for await (const b of source.batches(issues)) {
  for (let i = 0; i < b.records.length; i++)
    agg.add(
      b.records[i],
      b.file,
      b.positions ? b.positions[i]! : b.firstIndex + i,
      b.locationPrefix,
    );
}
const secs = Number(process.hrtime.bigint() - started) / 1e9;
const cpu = process.cpuUsage(cpuStart);
const c = agg.coverage;
process.stdout.write(
  `${JSON.stringify({
    records: c.recordsRead,
    mapped: c.mapped,
    principals: agg.principals.size,
    seconds: secs,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    recordsPerSecond: c.recordsRead / secs,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    issues: issues.length,
  })}\n`,
);
