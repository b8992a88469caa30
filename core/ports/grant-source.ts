/** Port for the IAM configuration of an account: exported files or the live IAM API. */
import type { AccountInventory } from '#core/iam/inventory.ts';
import type { InputIssue } from '#core/model/input-issue.ts';

/** Loads identities, groups, policies, credential report and last-accessed data. */
export interface GrantSource {
  /**
   * Reads the inventory.
   * @param issues receives every element skipped or partly ignored; loading goes on
   */
  loadInventory(issues: InputIssue[]): Promise<AccountInventory>;
}
