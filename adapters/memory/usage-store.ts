/** In-memory UsageStore: rows prepared by core exactly as the DynamoDB store prepares them. */
import type { DayRange, StoredUsageDay, UsageDay, UsageStore } from '#core/ports/usage-store.ts';
import {
  compareUsageDays,
  DEFAULT_USAGE_RETENTION_DAYS,
  inDayRange,
  prepareUsageDays,
  usageSortKey,
} from '#core/store/usage.ts';

/** Usage days held in a map; expiry is recorded, never enforced. */
export class MemoryUsageStore implements UsageStore {
  readonly #days = new Map<string, StoredUsageDay>();

  constructor(private readonly retentionDays = DEFAULT_USAGE_RETENTION_DAYS) {}

  async putUsageDays(rows: readonly UsageDay[]): Promise<number> {
    const prepared = prepareUsageDays(rows, this.retentionDays);
    for (const row of prepared) {
      this.#days.set(`${row.identityId}\0${usageSortKey(row)}`, structuredClone(row));
    }
    return prepared.length;
  }

  async usageDays(identityId: string, range: DayRange = {}): Promise<StoredUsageDay[]> {
    return [...this.#days.values()]
      .filter((d) => d.identityId === identityId && inDayRange(d.day, range))
      .sort(compareUsageDays)
      .map((d) => structuredClone(d));
  }
}
