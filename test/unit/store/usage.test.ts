import { describe, expect, it } from 'vitest';
import type { UsageDay } from '#core/ports/usage-store.ts';
import { InvalidUsageDayError } from '#core/store/errors.ts';
import { inDayRange, prepareUsageDays, usageTtl } from '#core/store/usage.ts';

const row = (overrides: Partial<UsageDay> = {}): UsageDay => ({
  identityId: 'arn:aws:iam::111111111111:role/app',
  action: 's3:GetObject',
  day: '2026-11-01',
  count: 2,
  first: 100,
  last: 200,
  ...overrides,
});

describe('prepareUsageDays', () => {
  it('sums the parts of a day and stamps the expiry in epoch seconds', () => {
    // Act
    const rows = prepareUsageDays(
      [row(), row({ count: 3, first: 50, last: 150 }), row({ action: 's3:PutObject' })],
      30,
    );

    // Assert
    expect(rows).toEqual([
      {
        ...row({ count: 5, first: 50, last: 200 }),
        ttl: Date.parse('2026-12-01T00:00:00Z') / 1000,
      },
      { ...row({ action: 's3:PutObject' }), ttl: Date.parse('2026-12-01T00:00:00Z') / 1000 },
    ]);
  });

  it.each([
    [{ day: '2026-11-1' }, /yyyy-mm-dd/],
    [{ day: '2026-13-45' }, /yyyy-mm-dd/],
    [{ count: -1 }, /whole number/],
    [{ count: 1.5 }, /whole number/],
    [{ action: '' }, /without identity or action/],
  ])('refuses %o', (overrides, message) => {
    expect(() => prepareUsageDays([row(overrides)], 30)).toThrow(InvalidUsageDayError);
    expect(() => prepareUsageDays([row(overrides)], 30)).toThrow(message);
  });
});

describe('usageTtl and inDayRange', () => {
  it('expires a day its retention after its start', () => {
    expect(usageTtl('2026-01-01', 1)).toBe(Date.parse('2026-01-02T00:00:00Z') / 1000);
  });

  it('treats a range as inclusive with open ends', () => {
    expect(inDayRange('2026-11-01')).toBe(true);
    expect(inDayRange('2026-11-01', { from: '2026-11-01', to: '2026-11-01' })).toBe(true);
    expect(inDayRange('2026-11-02', { to: '2026-11-01' })).toBe(false);
    expect(inDayRange('2026-10-31', { from: '2026-11-01' })).toBe(false);
  });
});
