/**
 * Golden cases of the policy engine (STYLE.md §7): each file of test/fixtures/engine-cases holds
 * policies as AWS exports them and what the effective grant must be. One loop runs them all.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import type { ActionSet } from '#core/policy/action-set.ts';
import { parsePolicyDocument } from '#core/policy/document.ts';
import { GrantCalculator, type PolicySource } from '#core/policy/effective.ts';
import { ActionMatcher } from '#core/policy/match.ts';

const CASES_DIR = fileURLToPath(new URL('../../fixtures/engine-cases/', import.meta.url));

const EngineCase = z.strictObject({
  name: z.string().min(1),
  policies: z
    .array(
      z.strictObject({
        kind: z.enum(['inline', 'aws-managed', 'customer-managed']),
        name: z.string(),
        viaGroup: z.string().optional(),
        document: z.unknown(),
      }),
    )
    .min(1),
  boundary: z.unknown().optional(),
  expected: z.strictObject({
    allowed: z.array(z.string()).optional(),
    notAllowed: z.array(z.string()).optional(),
    conditionallyDenied: z.array(z.string()).optional(),
    outsideBoundary: z.array(z.string()).optional(),
    allowedCount: z.number().int().optional(),
    unknownActions: z.array(z.string()).optional(),
    /** Every parse issue message, in order; an empty list means the documents are clean. */
    issues: z.array(z.string()).optional(),
  }),
});
type EngineCase = z.infer<typeof EngineCase>;

const cases: { file: string; engineCase: EngineCase }[] = readdirSync(CASES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({
    file,
    engineCase: EngineCase.parse(JSON.parse(readFileSync(join(CASES_DIR, file), 'utf8'))),
  }));

describe('policy engine golden cases', () => {
  let catalog: ActionCatalog;
  let calculator: GrantCalculator;

  beforeAll(async () => {
    catalog = await loadCatalog();
    calculator = new GrantCalculator(new ActionMatcher(catalog));
  });

  /** The named actions the set lacks; throws on a name the catalog does not know. */
  function missingFrom(set: ActionSet, names: readonly string[]): string[] {
    return names.filter((name) => {
      const id = catalog.idOf(name);
      if (id === undefined) throw new Error(`fixture names ${name}, which the catalog lacks`);
      return !set.has(id);
    });
  }

  /** The named actions the set holds; throws on a name the catalog does not know. */
  function presentIn(set: ActionSet, names: readonly string[]): string[] {
    const missing = new Set(missingFrom(set, names));
    return names.filter((name) => !missing.has(name));
  }

  it('has at least fifteen cases', () => {
    // Arrange
    const count = cases.length;

    // Act
    const names = new Set(cases.map((c) => c.engineCase.name));

    // Assert
    expect(count).toBeGreaterThanOrEqual(15);
    expect(names.size).toBe(count);
  });

  it.each(cases)('$file: $engineCase.name', ({ engineCase }) => {
    // Arrange
    const issues: string[] = [];
    const sources: PolicySource[] = engineCase.policies.map((p) => {
      const parsed = parsePolicyDocument(p.document);
      issues.push(...parsed.issues.map((i) => i.message));
      const source: PolicySource = { kind: p.kind, name: p.name, document: parsed.document };
      if (p.viaGroup) source.viaGroup = p.viaGroup;
      return source;
    });
    let boundary: ReturnType<typeof parsePolicyDocument>['document'] | undefined;
    if (engineCase.boundary !== undefined) {
      const parsed = parsePolicyDocument(engineCase.boundary);
      issues.push(...parsed.issues.map((i) => i.message));
      boundary = parsed.document;
    }
    const expected = engineCase.expected;

    // Act
    const grant = calculator.compute(sources, boundary);

    // Assert
    expect(missingFrom(grant.allowed, expected.allowed ?? [])).toEqual([]);
    expect(presentIn(grant.allowed, expected.notAllowed ?? [])).toEqual([]);
    if (expected.conditionallyDenied) {
      expect(
        [...grant.conditionallyDenied.ids()].map((id) => catalog.actions[id]!.qualified).sort(),
      ).toEqual([...expected.conditionallyDenied].sort());
    }
    if (expected.outsideBoundary) {
      expect(missingFrom(grant.outsideBoundary, expected.outsideBoundary)).toEqual([]);
      expect(grant.hasBoundary).toBe(true);
    }
    if (expected.allowedCount !== undefined) {
      expect(grant.allowed.count()).toBe(expected.allowedCount);
    }
    if (expected.unknownActions) {
      expect(grant.unknownActions.map((u) => u.pattern)).toEqual(expected.unknownActions);
    }
    expect(issues).toEqual(expected.issues ?? []);
  });
});
