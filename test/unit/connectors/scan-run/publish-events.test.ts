import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import {
  batchEntries,
  findingCreatedDetail,
  MAX_CALL_BYTES,
  MAX_FINDING_DETAIL_BYTES,
} from '#connectors/scan-run/publish-events.ts';
import { FindingCreatedDetailSchema } from '#core/model/events.ts';
import type { StoredFinding } from '#core/ports/finding-store.ts';
import { aFinding, anIdentityResult } from '#test/helpers/findings-document.ts';

const FINDINGS = { bucket: 'b', key: 'findings/2026-11-15/run-1/findings.json' };

function aStored(evidence: Record<string, unknown>): StoredFinding {
  return {
    key: '0123456789abcdef0123456789abcdef',
    scope: '111111111111',
    identityId: 'arn:aws:iam::111111111111:role/agent',
    identityName: 'agent',
    finding: aFinding({ severity: 'high', evidence }),
    status: 'open',
    firstSeen: Date.parse('2026-11-15T00:00:00Z'),
    lastSeen: Date.parse('2026-11-15T00:00:00Z'),
    resolvedAt: null,
    openedRunId: 'run-1',
    lastRunId: 'run-1',
    resolvedRunId: null,
  };
}

const entry = (bytes: number): PutEventsRequestEntry => ({
  Source: 'leash',
  DetailType: 'Finding Created',
  Detail: 'x'.repeat(bytes),
});

describe('findingCreatedDetail', () => {
  it('keeps small evidence whole', () => {
    // Act
    const detail = findingCreatedDetail('run-1', aStored({ unused: 3 }), undefined, FINDINGS);

    // Assert
    expect(FindingCreatedDetailSchema.parse(detail).finding).toMatchObject({
      evidence: { unused: 3 },
      truncated: false,
    });
    expect(detail.identity.class).toBeNull();
  });

  it('cuts long evidence lists to fit the event, and says so', () => {
    // Arrange: thousands of unused actions
    const actions = Array.from({ length: 5000 }, (_, i) => `s3:Action${i}`);
    const identity = anIdentityResult('agent', [], { overrides: { class: 'ai-agent' } });

    // Act
    const detail = findingCreatedDetail(
      'run-1',
      aStored({ unusedActions: actions, granted: 5000 }),
      identity,
      FINDINGS,
    );

    // Assert
    expect(Buffer.byteLength(JSON.stringify(detail))).toBeLessThanOrEqual(MAX_FINDING_DETAIL_BYTES);
    expect(detail.finding.truncated).toBe(true);
    expect(detail.finding.evidence).toEqual({
      unusedActions: actions.slice(0, 10),
      unusedActionsCount: 5000,
      granted: 5000,
    });
    expect(detail.identity.class).toBe('ai-agent');
  });
});

describe('batchEntries', () => {
  it('puts at most 10 entries in a call', () => {
    // Act
    const batches = batchEntries(Array.from({ length: 23 }, () => entry(100)));

    // Assert
    expect(batches.map((b) => b.length)).toEqual([10, 10, 3]);
  });

  it('starts a new call before the entries reach 256 KB', () => {
    // Act
    const batches = batchEntries(Array.from({ length: 5 }, () => entry(100 * 1024)));

    // Assert
    expect(batches.map((b) => b.length)).toEqual([2, 2, 1]);
    for (const b of batches)
      expect(b.reduce((n, e) => n + (e.Detail?.length ?? 0), 0)).toBeLessThan(MAX_CALL_BYTES);
  });
});
