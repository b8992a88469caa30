/**
 * Port for daily usage aggregates: how often each identity called each action on each day. Rows
 * expire (DynamoDB TTL on the `ttl` attribute, epoch seconds) a retention period after their
 * day, so the table keeps the trend without growing for ever.
 *
 * Writes set, never add: writing a day again (a retried scan, a later scan that re-read the
 * day) replaces its figures. Rows of one call that share identity, action and day are parts of
 * the same day (one per region or per delivery folder) and are summed first (see
 * core/store/usage.ts), so every part of a day goes in one call.
 */

/** One identity's calls of one action on one day. */
export interface UsageDay {
  /** ARN (AWS) or object id (Entra) of the identity. */
  identityId: string;
  /** `service:Name` (AWS) or the permission (Entra). */
  action: string;
  /** `yyyy-mm-dd` (UTC). */
  day: string;
  count: number;
  /** Epoch ms of the first and last call. */
  first: number;
  last: number;
}

/** A usage day as the store keeps it. */
export interface StoredUsageDay extends UsageDay {
  /** Expiry, epoch seconds: the start of `day` plus the retention. */
  ttl: number;
}

/** Days to read, inclusive (`yyyy-mm-dd`); open ends read everything. */
export interface DayRange {
  from?: string;
  to?: string;
}

/** Stores daily usage aggregates. */
export interface UsageStore {
  /**
   * Writes usage days (batched). Idempotent: the same rows written again set the same items.
   * @returns the number of items written (after summing parts of the same day)
   * @throws InvalidUsageDayError on a malformed day or a negative count
   */
  putUsageDays(rows: readonly UsageDay[]): Promise<number>;
  /** The usage days of an identity, by day then action. */
  usageDays(identityId: string, range?: DayRange): Promise<StoredUsageDay[]>;
}
