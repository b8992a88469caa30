/**
 * Daily usage rows as the stores keep them: validated, parts of one day summed, and stamped
 * with their expiry. Pure, so both adapters store exactly the same items.
 */
import type { DayRange, StoredUsageDay, UsageDay } from '#core/ports/usage-store.ts';
import { InvalidUsageDayError } from '#core/store/errors.ts';

/**
 * Default retention of usage days: a year and a month, so a year-over-year trend can be drawn
 * and the 90-day analysis window is always covered.
 */
export const DEFAULT_USAGE_RETENTION_DAYS = 400;

const DAY_MS = 86_400_000;
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Epoch seconds at which a day's row expires. */
export function usageTtl(day: string, retentionDays: number): number {
  return Math.floor((Date.parse(`${day}T00:00:00Z`) + retentionDays * DAY_MS) / 1000);
}

/** The key of a row within its identity: day first, so a day range is a key range. */
export function usageSortKey(row: Pick<UsageDay, 'day' | 'action'>): string {
  return `${row.day}#${row.action}`;
}

/**
 * Validates rows, sums those that share identity, action and day (count added, first the
 * earliest, last the latest), and stamps each with its expiry.
 * @throws InvalidUsageDayError on a malformed day, an empty identity or action, or a count
 *   that is not a non-negative integer
 */
export function prepareUsageDays(
  rows: readonly UsageDay[],
  retentionDays: number,
): StoredUsageDay[] {
  const byKey = new Map<string, StoredUsageDay>();
  for (const row of rows) {
    if (!DAY_RE.test(row.day) || Number.isNaN(Date.parse(`${row.day}T00:00:00Z`)))
      throw new InvalidUsageDayError(`usage day must be yyyy-mm-dd, not "${row.day}"`);
    if (!row.identityId || !row.action)
      throw new InvalidUsageDayError('usage day without identity or action');
    if (!Number.isInteger(row.count) || row.count < 0)
      throw new InvalidUsageDayError(`usage count must be a whole number >= 0, not ${row.count}`);
    const key = `${row.identityId}\0${usageSortKey(row)}`;
    const seen = byKey.get(key);
    if (seen) {
      seen.count += row.count;
      seen.first = Math.min(seen.first, row.first);
      seen.last = Math.max(seen.last, row.last);
    } else {
      byKey.set(key, {
        identityId: row.identityId,
        action: row.action,
        day: row.day,
        count: row.count,
        first: row.first,
        last: row.last,
        ttl: usageTtl(row.day, retentionDays),
      });
    }
  }
  return [...byKey.values()];
}

/** Whether a day is in a range (inclusive; open ends). */
export function inDayRange(day: string, range: DayRange = {}): boolean {
  return (
    (range.from === undefined || day >= range.from) && (range.to === undefined || day <= range.to)
  );
}

/** Orders usage days by identity, day and action. */
export function compareUsageDays(a: UsageDay, b: UsageDay): number {
  return (
    a.identityId.localeCompare(b.identityId) ||
    a.day.localeCompare(b.day) ||
    a.action.localeCompare(b.action)
  );
}
