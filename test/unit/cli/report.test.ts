import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseReportFormats, parseSince, reportCommand } from '#cli/commands/report.ts';
import { UsageError } from '#cli/errors.ts';
import { aFinding, aFindingsDocument, anIdentityResult } from '#test/helpers/findings-document.ts';

function capture() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const text = { out: '', err: '' };
  stdout.on('data', (c) => (text.out += String(c)));
  stderr.on('data', (c) => (text.err += String(c)));
  return { stdout, stderr, text };
}

describe('leash report', () => {
  it('writes the four formats from a findings document, saying there is no history in memory', async () => {
    // Arrange
    const dir = await mkdtemp(join(tmpdir(), 'leash-report-'));
    const doc = aFindingsDocument([
      anIdentityResult('agent', [aFinding()], { actions: ['s3:GetObject', 's3:PutObject'] }),
    ]);
    await writeFile(join(dir, 'findings.json'), JSON.stringify(doc));
    const io = capture();

    // Act
    const code = await reportCommand(
      dir,
      { out: 'out', format: 'html,md,csv,json', store: 'memory' },
      { ...io, cwd: dir },
    );

    // Assert
    expect(code).toBe(0);
    expect(io.text.out.trim().split('\n')).toEqual(
      ['report.html', 'report.md', 'report.csv', 'report.json'].map((f) => join(dir, 'out', f)),
    );
    expect(await readFile(join(dir, 'out', 'report.md'), 'utf8')).toContain(
      'No scan of these accounts and tenants is recorded in the store',
    );
    expect(io.text.err).toContain('2 of 2 granted permissions can go');
  });

  it('reads periods and dates for --since, and refuses unknown formats', () => {
    const asOf = Date.parse('2026-11-15T00:00:00Z');
    expect(parseSince('7d', asOf)).toBe(asOf - 7 * 86_400_000);
    expect(parseSince('2w', asOf)).toBe(asOf - 14 * 86_400_000);
    expect(parseSince('2026-11-01', asOf)).toBe(Date.parse('2026-11-01'));
    expect(() => parseSince('soon', asOf)).toThrow(UsageError);
    expect(parseReportFormats('html, csv')).toEqual(['html', 'csv']);
    expect(() => parseReportFormats('pdf')).toThrow(UsageError);
  });
});
