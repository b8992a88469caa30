import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseAsOf, parseFormats, parseLookback, scanCommand } from '#cli/commands/scan.ts';
import { main } from '#cli/index.ts';
import { type FindingsDocument, FindingsDocumentSchema } from '#core/model/findings.ts';

const SAMPLE = new URL('../../../examples/sample-account', import.meta.url).pathname;

function sink(): NodeJS.WriteStream & { text: () => string } {
  let buf = '';
  const w = new Writable({
    write(chunk, _enc, cb) {
      buf += chunk.toString();
      cb();
    },
  }) as unknown as NodeJS.WriteStream & { text: () => string };
  w.text = () => buf;
  return w;
}

async function scanSample(): Promise<{ doc: FindingsDocument; out: string; stderr: string }> {
  const out = await mkdtemp(join(tmpdir(), 'leash-scan-'));
  const stderr = sink();
  const code = await scanCommand(
    {
      from: SAMPLE,
      out,
      asOf: '2026-11-15T00:00:00Z',
      lookback: '90d',
      format: 'json,md,html',
      progress: true,
      store: 'memory',
    },
    { stdout: sink(), stderr, version: 'test' },
  );
  expect(code).toBe(0);
  const doc = JSON.parse(await readFile(join(out, 'findings.json'), 'utf8')) as FindingsDocument;
  return { doc, out, stderr: stderr.text() };
}

const byName = (doc: FindingsDocument, name: string) => {
  const r = doc.identities.find((i) => i.name === name);
  if (!r) throw new Error(`identity ${name} missing`);
  return r;
};

describe('leash scan over the sample account', () => {
  it('writes a findings document that matches its schema, and both reports', async () => {
    // Arrange + Act
    const { doc, out, stderr } = await scanSample();
    // Assert
    expect(FindingsDocumentSchema.safeParse(doc).success).toBe(true);
    const md = await readFile(join(out, 'report.md'), 'utf8');
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(md).toContain('# Leash rightsizing report');
    expect(html).toContain('<svg');
    // Self-contained: one inline script and nothing loaded (the browser tests check it live).
    expect(html).not.toMatch(/<script[^>]*\ssrc=|<link|src="http|href="http/);
    expect(html).toContain("default-src 'none'");
    expect(stderr).toContain('rec/s');
    expect(doc.coverage.records.read).toBeGreaterThan(20_000);
    expect(doc.coverage.mappingRate).toBeGreaterThan(0.99);
  });

  it('flags the over-privileged prototype agent and rightsizes it to what it used', async () => {
    // Arrange + Act
    const { doc } = await scanSample();
    const agent = byName(doc, 'prototype-agent');
    // Assert
    expect(agent.class).toBe('ai-agent');
    expect(agent.aiRole).toBe('agent');
    expect(agent.findings.some((f) => f.ruleId === 'LP-IAM-005' && f.severity === 'critical')).toBe(
      true,
    );
    const kept = agent.recommendedPolicy!.policies.flatMap((p) =>
      p.document.Statement.flatMap((s) => s.Action),
    );
    for (const u of agent.usedActions) expect(kept).toContain(u.action);
    for (const u of agent.unusedActions.slice(0, 500)) expect(kept).not.toContain(u);
    for (const p of agent.recommendedPolicy!.policies) expect(p.size).toBeLessThanOrEqual(6144);
  });

  it('never lists an unobservable or used action as unused', async () => {
    // Arrange + Act
    const { doc } = await scanSample();
    // Assert
    for (const r of doc.identities) {
      const unused = new Set(r.unusedActions);
      for (const o of r.unobservableActions) expect(unused.has(o.action)).toBe(false);
      for (const u of r.usedActions) expect(unused.has(u.action)).toBe(false);
      expect(r.unusedActions.includes('iam:PassRole')).toBe(false);
    }
  });

  it('classes humans, workloads and agents and ties agents to who deployed them', async () => {
    // Arrange + Act
    const { doc } = await scanSample();
    // Assert
    expect(byName(doc, 'alice').class).toBe('human');
    expect(byName(doc, 'dave').aiRole).toBe('user');
    expect(byName(doc, 'ci-deploy').class).toBe('workload');
    const deployed = byName(doc, 'support-agent').links.deployedBy;
    expect(deployed.map((d) => d.arn)).toContain('arn:aws:iam::111122223333:role/ci-deploy');
    // Every edge names the events that prove it; CloudFormation-made ones say so.
    for (const d of deployed) expect(d.eventIds.length).toBeGreaterThan(0);
    expect(deployed.some((d) => d.invokedBy === 'cloudformation.amazonaws.com')).toBe(true);
    expect(byName(doc, 'AWSServiceRoleForSupport').recommendedPolicy).toBeNull();
    expect(byName(doc, 'old-etl-role').recommendation).toBe('decommission');
    expect(byName(doc, 'legacy-reporting').findings.map((f) => f.ruleId)).toContain('LP-IAM-002');
  });
});

describe('leash scan options and exit codes', () => {
  it('parses lookback, as-of and formats, and rejects bad values', () => {
    expect(parseLookback('90d')).toBe(90);
    expect(parseLookback('2w')).toBe(14);
    expect(() => parseLookback('ninety')).toThrow(/--lookback/);
    expect(parseAsOf('2026-11-15', 0)).toBe(Date.parse('2026-11-15T23:59:59.999Z'));
    expect(() => parseAsOf('yesterday', 0)).toThrow(/--as-of/);
    expect([...parseFormats('md')].sort()).toEqual(['json', 'md']);
    expect(() => parseFormats('pdf')).toThrow(/--format/);
  });

  it('exits 2 on bad usage and 0 for --help', async () => {
    expect(await main(['node', 'leash', 'scan', '--store', 'memory', '--out', '/tmp/x'])).toBe(2);
    expect(
      await main([
        'node',
        'leash',
        'scan',
        '--store',
        'memory',
        '--from',
        '/nonexistent/leash',
        '--out',
        '/tmp/x',
      ]),
    ).toBe(2);
    expect(
      await main([
        'node',
        'leash',
        'scan',
        '--store',
        'memory',
        '--from',
        SAMPLE,
        '--out',
        '/tmp/x',
        '--lookback',
        'abc',
      ]),
    ).toBe(2);
    expect(await main(['node', 'leash', 'bogus'])).toBe(2);
  });

  it('finishes with exit 0 and records every bad file when the input is damaged', async () => {
    // Arrange
    const dir = await mkdtemp(join(tmpdir(), 'leash-bad-'));
    await writeFile(join(dir, 'trail.json.gz'), 'not gzip at all');
    await writeFile(
      join(dir, 'notes.json'),
      '{"Records": [ {"eventTime": "2026-11-01T00:00:00Z", "eventSource": "s3.amazonaws.com", "eventName": "ListBuckets", "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/x", "accountId": "111122223333"}}, {"eventTi',
    );
    await writeFile(join(dir, 'garbage.json'), 'this is not json');
    const out = await mkdtemp(join(tmpdir(), 'leash-bad-out-'));
    // Act
    const code = await main([
      'node',
      'leash',
      'scan',
      '--store',
      'memory',
      '--from',
      dir,
      '--out',
      out,
      '--as-of',
      '2026-11-15',
      '--no-progress',
    ]);
    // Assert
    expect(code).toBe(0);
    const doc = JSON.parse(await readFile(join(out, 'findings.json'), 'utf8')) as FindingsDocument;
    const reasons = doc.coverage.issues.map((i) => `${i.file}:${i.reason}`);
    expect(reasons).toContain('trail.json.gz:corrupt-gzip');
    expect(reasons).toContain('notes.json:truncated-json');
    expect(reasons.some((r) => r.startsWith('garbage.json:'))).toBe(true);
    expect(doc.coverage.records.read).toBe(1);
  });
});
