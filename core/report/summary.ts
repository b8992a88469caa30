/**
 * The summary figures of a findings document, computed from its identities. One function for
 * every producer (AWS analysis, Entra analysis, merges), so the figures always mean the same.
 */
import { iso } from '#core/engine/rules/rule.ts';
import type { FindingsDocument, IdentityResult } from '#core/model/findings.ts';

/** Summary figures for a set of identities. */
export function summarizeIdentities(identities: IdentityResult[]): FindingsDocument['summary'] {
  const count = (values: string[]) => {
    const out: Record<string, number> = {};
    for (const v of values) out[v] = (out[v] ?? 0) + 1;
    return out;
  };
  const findings = identities.flatMap((r) => r.findings);
  return {
    identities: identities.length,
    byClass: count(identities.map((r) => r.class)),
    byAiRole: count(
      identities.map((r) => r.aiRole).filter((r): r is NonNullable<typeof r> => r !== null),
    ),
    findingsBySeverity: count(findings.map((f) => f.severity)),
    findingsByRule: count(findings.map((f) => f.ruleId)),
    grantedActions: identities.reduce((n, r) => n + r.grant.allowedActions, 0),
    // Only what a recommendation removes: service-linked roles, first-party apps and identities
    // without enough evidence keep their grants whatever is unused.
    unusedActions: identities
      .filter((r) => r.recommendation === 'rightsize' || r.recommendation === 'decommission')
      .reduce((n, r) => n + r.unusedActions.length, 0),
    unobservableActions: identities.reduce((n, r) => n + r.unobservableActions.length, 0),
    identitiesToRightsize: identities.filter((r) => r.recommendation === 'rightsize').length,
    identitiesToDecommission: identities.filter((r) => r.recommendation === 'decommission').length,
  };
}

type Summary = FindingsDocument['summary'];

/**
 * Adds (`sign` 1) or subtracts (-1) one set of summary figures to or from another; counts that
 * reach zero are dropped. Merges move a document's summary by what they change, so figures
 * other producers put in stay as they were.
 */
export function combineSummaries(a: Summary, b: Summary, sign: 1 | -1): Summary {
  const rec = (x: Record<string, number>, y: Record<string, number>) => {
    const out = { ...x };
    for (const [k, v] of Object.entries(y)) {
      const n = (out[k] ?? 0) + sign * v;
      if (n === 0) delete out[k];
      else out[k] = n;
    }
    return out;
  };
  return {
    identities: a.identities + sign * b.identities,
    byClass: rec(a.byClass, b.byClass),
    byAiRole: rec(a.byAiRole, b.byAiRole),
    findingsBySeverity: rec(a.findingsBySeverity, b.findingsBySeverity),
    findingsByRule: rec(a.findingsByRule, b.findingsByRule),
    grantedActions: a.grantedActions + sign * b.grantedActions,
    unusedActions: a.unusedActions + sign * b.unusedActions,
    unobservableActions: a.unobservableActions + sign * b.unobservableActions,
    identitiesToRightsize: a.identitiesToRightsize + sign * b.identitiesToRightsize,
    identitiesToDecommission: a.identitiesToDecommission + sign * b.identitiesToDecommission,
  };
}

/** What a findings document holding no AWS account needs to say about the scan. */
export interface EmptyDocumentOptions {
  toolVersion: string;
  catalogVersion?: string;
  /** The observation window, epoch ms. */
  window: { from: number; to: number };
  lookbackDays: number;
}

/**
 * A findings document with no identities and AWS coverage all zero: the base an Entra-only or
 * GitHub-only scan merges its results into.
 */
export function emptyDocument(options: EmptyDocumentOptions): FindingsDocument {
  const { window } = options;
  return {
    schemaVersion: '1',
    tool: {
      name: 'leash',
      version: options.toolVersion,
      catalogVersion: options.catalogVersion ?? 'n/a',
    },
    window: {
      asOf: iso(window.to),
      lookbackDays: options.lookbackDays,
      from: iso(window.from),
      to: iso(window.to),
      observedFrom: null,
      observedTo: null,
      observedDays: 0,
    },
    accounts: [],
    summary: summarizeIdentities([]),
    coverage: {
      files: { cloudtrail: 0, iam: 0, ignored: 0, withIssues: 0 },
      records: {
        read: 0,
        inWindow: 0,
        outsideWindow: 0,
        mapped: 0,
        unmapped: 0,
        noIamAction: {},
        unattributed: {},
        skipped: {},
      },
      mappingRate: null,
      unmappedPairs: [],
      readEventsObserved: false,
      dataEventServices: [],
      gaps: [],
      accessGaps: [],
      trails: [],
      unknownPrincipals: [],
      issues: [],
    },
    identities: [],
    agents: [],
    functions: [],
  };
}
