import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExportDirectory } from '#adapters/fs/export-directory.ts';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import { runScan } from '#core/engine/scan.ts';
import { addAuthorizationDetails } from '#core/iam/authz-details.ts';
import { emptyInventory } from '#core/iam/inventory.ts';
import { FindingsDocumentSchema } from '#core/model/findings.ts';
import type { InputIssue } from '#core/model/input-issue.ts';
import { parsePolicyDocument } from '#core/policy/document.ts';
import { GrantCalculator } from '#core/policy/effective.ts';
import { ActionMatcher } from '#core/policy/match.ts';

const DATASETS = resolve(new URL('../..', import.meta.url).pathname, '../shared/datasets');
let catalog: ActionCatalog;

beforeAll(async () => {
  catalog = await loadCatalog();
});

describe('authorization-details exports in ../shared/datasets', () => {
  it('parses every file into identities and policies', async () => {
    // Arrange
    const files = [
      ...(await readdir(join(DATASETS, 'cloudsplaining-authz-details'))).map((f) =>
        join(DATASETS, 'cloudsplaining-authz-details', f),
      ),
      join(DATASETS, 'cloudmapper-demo-iam', 'iam-get-account-authorization-details.json'),
    ];
    for (const file of files) {
      const inventory = emptyInventory();
      const issues: InputIssue[] = [];
      // Act
      addAuthorizationDetails(inventory, JSON.parse(await readFile(file, 'utf8')), file, issues);
      // Assert
      expect(
        inventory.users.length + inventory.roles.length + inventory.policies.size,
        file,
      ).toBeGreaterThan(0);
      console.log(
        `${file.split('/').pop()}: ${inventory.users.length} users, ${inventory.roles.length} roles, ${inventory.groups.length} groups, ${inventory.policies.size} policies, ${issues.length} issues`,
      );
    }
  });

  it('scans the largest export end to end into a valid findings document', async () => {
    // Arrange
    const source = new ExportDirectory(
      join(DATASETS, 'cloudsplaining-authz-details', 'example.json'),
    );
    // Act
    const doc = await runScan(
      { grants: source, usage: source, catalog },
      { asOf: Date.parse('2026-11-15T00:00:00Z'), lookbackDays: 90, toolVersion: 'test' },
    );
    // Assert
    expect(FindingsDocumentSchema.safeParse(doc).success).toBe(true);
    expect(doc.identities.length).toBe(44 + 78);
    // No CloudTrail: nothing may be called unused unless IAM's own records say so.
    for (const r of doc.identities) expect(r.unusedActions).toEqual([]);
  });
});

describe('AWS managed policies in ../shared/datasets', () => {
  it('parses and expands every one of them against the catalog', async () => {
    // Arrange
    const dir = join(DATASETS, 'aws-managed-policies-mamip', 'policies');
    const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    const calc = new GrantCalculator(new ActionMatcher(catalog));
    let patterns = 0;
    let unknown = 0;
    let empty = 0;
    // Act
    for (const f of files) {
      const v = JSON.parse(await readFile(join(dir, f), 'utf8')) as {
        PolicyVersion: { Document: unknown };
      };
      const { document, issues } = parsePolicyDocument(v.PolicyVersion.Document);
      expect(issues, f).toEqual([]);
      const grant = calc.compute([{ kind: 'aws-managed', name: f, document }]);
      patterns += document.statements.reduce((s, st) => s + (st.actions?.length ?? 0), 0);
      unknown += grant.unknownActions.length;
      if (grant.allowed.isEmpty()) {
        // A policy that allows nothing must be Deny-only (AWSDenyAll, quarantine policies) or
        // name only actions newer than the catalog, each reported as unknown.
        const allowPatterns = document.statements
          .filter((st) => st.effect === 'Allow')
          .flatMap((st) => st.actions ?? ['(NotAction)']);
        expect(
          allowPatterns.length === 0 || allowPatterns.length === grant.unknownActions.length,
          f,
        ).toBe(true);
        empty++;
      }
    }
    // Assert
    console.log(
      `${files.length} managed policies, ${patterns} Action patterns, ${unknown} match no catalog action, ${empty} allow nothing`,
    );
    expect(files.length).toBeGreaterThan(1500);
    expect(unknown / patterns).toBeLessThan(0.01);
    expect(empty / files.length).toBeLessThan(0.02);
  });
});
