import { describe, expect, it } from 'vitest';
import { openMemoryStore } from '#adapters/memory/leash-store.ts';
import type { ScanRecord } from '#core/ports/finding-store.ts';
import { previousScan, recordScanRun } from '#core/store/record-scan.ts';
import {
  aFinding,
  aFindingsDocument,
  anIdentityResult,
  DOC_ACCOUNT,
  DOC_OTHER_ACCOUNT,
} from '#test/helpers/findings-document.ts';

const T1 = Date.parse('2026-11-01T00:00:00Z');

const aScan = (runId: string, scopes: string[], at = T1): ScanRecord => ({
  runId,
  at,
  scopes,
  open: 0,
  new: 0,
  resolved: 0,
  persisting: 0,
  openBySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
});

describe('previousScan', () => {
  it('finds the latest other scan sharing an account or tenant', () => {
    // Arrange
    const scans = [
      aScan('r1', [DOC_ACCOUNT]),
      aScan('r2', [DOC_ACCOUNT, DOC_OTHER_ACCOUNT]),
      aScan('r3', [DOC_OTHER_ACCOUNT]),
      aScan('r4', [DOC_ACCOUNT]),
    ];

    // Act + Assert
    expect(previousScan(scans, [DOC_ACCOUNT], 'r5')?.runId).toBe('r4');
    expect(previousScan(scans, [DOC_ACCOUNT], 'r4')?.runId).toBe('r2');
    expect(previousScan(scans, ['333333333333'], 'r5')).toBeNull();
  });
});

describe('recordScanRun', () => {
  it('records findings and inventory, and names the previous scan', async () => {
    // Arrange
    const store = openMemoryStore();
    const doc = aFindingsDocument([anIdentityResult('app', [aFinding()], { policies: ['A'] })]);

    // Act
    const first = await recordScanRun(store, doc, 'r1', T1);
    const second = await recordScanRun(store, doc, 'r2', T1 + 1);
    const retried = await recordScanRun(store, doc, 'r2', T1 + 1);

    // Assert
    expect(first.previous).toBeNull();
    expect(first.diff.newFindings).toHaveLength(1);
    expect(first.inventory.grants.added).toHaveLength(1);
    expect(second.previous?.runId).toBe('r1');
    expect(second.diff).toMatchObject({ newFindings: [], resolved: [], persisting: 1 });
    expect(retried).toEqual(second);
  });
});
