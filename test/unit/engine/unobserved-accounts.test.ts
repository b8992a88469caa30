/**
 * An organization scan merges accounts whose activity was read with accounts whose was not
 * (no trail and no Event history): the second kind must never be judged against the first
 * kind's corpus, so nothing of theirs is called unused without an observation.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import { analyzeAccount } from '#core/engine/analyze-account.ts';
import { UsageAggregator } from '#core/engine/usage.ts';
import type { IamRole } from '#core/iam/inventory.ts';
import type { FindingsDocument } from '#core/model/findings.ts';
import {
  ACCOUNT,
  allowDocument,
  anInventory,
  aRecord,
  aRole,
  asRole,
  BEFORE_WINDOW,
  IN_WINDOW,
  OTHER_ACCOUNT,
  WINDOW,
} from '#test/helpers/builders.ts';

const DAY = 86_400_000;

/** A role of OTHER_ACCOUNT granted two actions. */
function otherRole(overrides: Partial<IamRole> = {}): IamRole {
  const name = overrides.name ?? 'elsewhere';
  return aRole({
    name,
    arn: `arn:aws:iam::${OTHER_ACCOUNT}:role/${name}`,
    accountId: OTHER_ACCOUNT,
    inlinePolicies: [{ name: 'p', document: allowDocument('s3:CreateBucket', 's3:DeleteBucket') }],
    ...overrides,
  });
}

describe('analyzeAccount with unobserved accounts', () => {
  let catalog: ActionCatalog;

  beforeAll(async () => {
    catalog = await loadCatalog();
  });

  /** ACCOUNT's role is seen all window long; OTHER_ACCOUNT's roles are not in the corpus. */
  function analyze(roles: IamRole[], unobserved?: Map<string, string>): FindingsDocument {
    const seen = aRole({
      name: 'seen',
      inlinePolicies: [{ name: 'p', document: allowDocument('s3:CreateBucket') }],
    });
    const aggregator = new UsageAggregator(catalog, WINDOW);
    [WINDOW.from + DAY, WINDOW.to - DAY].forEach((t, i) => {
      aggregator.add(
        aRecord({
          userIdentity: asRole(seen.arn),
          eventName: 'CreateBucket',
          readOnly: false,
          eventTime: new Date(t).toISOString(),
        }),
        'trail.json',
        i,
      );
    });
    const inventory = anInventory({ roles: [seen, ...roles] });
    inventory.accountIds.push(OTHER_ACCOUNT);
    return analyzeAccount({
      inventory,
      usage: aggregator,
      catalog,
      window: WINDOW,
      lookbackDays: 90,
      issues: [],
      toolVersion: 'test',
      ...(unobserved ? { unobservedAccounts: unobserved } : {}),
    });
  }

  const result = (doc: FindingsDocument, role: IamRole) => {
    const found = doc.identities.find((i) => i.id === role.arn);
    if (!found) throw new Error(`${role.arn} missing`);
    return found;
  };

  it("would call an unobserved account's actions unused if it were judged by the others' corpus", () => {
    // Arrange
    const role = otherRole({ lastUsed: { date: BEFORE_WINDOW } });

    // Act
    const doc = analyze([role]);

    // Assert
    expect(result(doc, role).unusedActions).toEqual(['s3:CreateBucket', 's3:DeleteBucket']);
  });

  it('keeps every action of an unobserved account unobservable and recommends nothing', () => {
    // Arrange
    const role = otherRole({ lastUsed: { date: IN_WINDOW } });

    // Act
    const doc = analyze([role], new Map([[OTHER_ACCOUNT, 'no trail and no Event history']]));

    // Assert
    const r = result(doc, role);
    expect(r.unusedActions).toEqual([]);
    expect(r.unobservableActions.map((a) => a.action).sort()).toEqual([
      's3:CreateBucket',
      's3:DeleteBucket',
    ]);
    expect(r.recommendation).toBe('insufficient-evidence');
    expect(r.recommendedPolicy).toBeNull();
    expect(r.confidence).toBe('low');
    expect(
      doc.coverage.gaps.some((g) => g.startsWith(`Account ${OTHER_ACCOUNT}: no activity`)),
    ).toBe(true);
    // The observed account is judged as before.
    const seen = doc.identities.find((i) => i.accountId === ACCOUNT);
    expect(seen?.recommendation).toBe('none-needed');
  });

  it('does not call an identity of an unobserved account unused when IAM keeps no record of it', () => {
    // Arrange: no RoleLastUsed at all
    const role = otherRole();

    // Act
    const doc = analyze([role], new Map([[OTHER_ACCOUNT, 'no usage source']]));

    // Assert
    const r = result(doc, role);
    expect(r.findings.map((f) => f.ruleId)).not.toContain('LP-IAM-001');
    expect(r.recommendation).toBe('insufficient-evidence');
  });

  it("still reports an identity idle by IAM's own record in an unobserved account", () => {
    // Arrange: RoleLastUsed says last used before the window
    const role = otherRole({ lastUsed: { date: BEFORE_WINDOW } });

    // Act
    const doc = analyze([role], new Map([[OTHER_ACCOUNT, 'no usage source']]));

    // Assert
    const r = result(doc, role);
    expect(r.findings.map((f) => f.ruleId)).toContain('LP-IAM-001');
    expect(r.recommendation).toBe('decommission');
    expect(r.unusedActions).toEqual([]);
  });
});
