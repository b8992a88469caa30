/**
 * Puts a GitHub organization's analysis into a findings document, so one findings.json holds
 * AWS, Entra and GitHub results: the organization's identities (`provider: 'saas'`), its
 * summary block (`github[]`), its gaps, and the OIDC findings on the AWS roles that trust its
 * workflows. Merging the same organization again replaces what the earlier merge put in. Pure.
 */
import type { TimeWindow } from '#core/engine/usage.ts';
import type { FindingsDocument, IdentityResult } from '#core/model/findings.ts';
import { combineSummaries, emptyDocument, summarizeIdentities } from '#core/report/summary.ts';
import { type GitHubAnalysis, sortFindings } from '#core/saas/github/analyze-org.ts';

/**
 * Appends an organization's results to a document and updates its summary. Identities of the
 * same organization already in the document are replaced; GitHub findings an earlier merge of
 * it put on other identities (AWS roles) are replaced too. Returns a new document.
 */
export function mergeGitHubIntoDocument(
  doc: FindingsDocument,
  analysis: GitHubAnalysis,
): FindingsDocument {
  const { scope, org } = analysis;
  const ours = (r: IdentityResult) => r.provider === 'saas' && r.accountId === scope;
  const fromThisOrg = (f: IdentityResult['findings'][number]) =>
    f.ruleId.startsWith('LP-GH-') && f.evidence.org === org;
  const roleFindings = new Map(analysis.roleFindings.map((r) => [r.roleArn, r.findings]));

  const before: IdentityResult[] = [];
  const after: IdentityResult[] = [];
  const identities: IdentityResult[] = [];
  const unmatchedRoles = new Set(roleFindings.keys());
  for (const r of doc.identities) {
    // This organization's identities from an earlier merge: replaced by the new analysis.
    if (ours(r)) {
      before.push(r);
      continue;
    }
    const added = roleFindings.get(r.id);
    const stale = r.findings.some(fromThisOrg);
    if (!added && !stale) {
      identities.push(r);
      continue;
    }
    // An AWS role the analysis judged, or one an earlier merge of this organization judged:
    // its GitHub findings are replaced, its own kept.
    unmatchedRoles.delete(r.id);
    const next = {
      ...r,
      findings: sortFindings([...r.findings.filter((f) => !fromThisOrg(f)), ...(added ?? [])]),
    };
    before.push(r);
    after.push(next);
    identities.push(next);
  }
  identities.push(...analysis.identities);
  after.push(...analysis.identities);

  const prefix = `GitHub ${scope}: `;
  const gaps = [
    ...doc.coverage.gaps.filter((g) => !g.startsWith(prefix)),
    ...analysis.gaps.map((g) => prefix + g),
  ];
  if (unmatchedRoles.size > 0)
    gaps.push(
      `${prefix}${unmatchedRoles.size} AWS roles trusting its workflows are not in this document; their findings are in github[].oidc.trusts only.`,
    );
  // The summary moves by what changed, so figures other producers put in stay as they were.
  return {
    ...doc,
    summary: combineSummaries(
      combineSummaries(doc.summary, summarizeIdentities(before), -1),
      summarizeIdentities(after),
      1,
    ),
    coverage: {
      ...doc.coverage,
      gaps,
      accessGaps: [
        ...doc.coverage.accessGaps.filter((g) => !(g.provider === 'saas' && g.account === scope)),
        ...analysis.accessGaps,
      ],
    },
    identities,
    github: [...(doc.github ?? []).filter((o) => o.scope !== scope), analysis.organization],
  };
}

/** Options of {@link buildGitHubDocument}. */
export interface GitHubDocumentOptions {
  toolVersion: string;
  /** The AWS action catalog's version, when loaded; `n/a` otherwise. */
  catalogVersion?: string;
  window: TimeWindow;
  lookbackDays: number;
}

/**
 * A findings document holding one organization's results and no AWS account or Entra tenant:
 * for a GitHub-only scan. AWS coverage fields are zero or empty.
 */
export function buildGitHubDocument(
  analysis: GitHubAnalysis,
  options: GitHubDocumentOptions,
): FindingsDocument {
  const empty = emptyDocument(options);
  return mergeGitHubIntoDocument(empty, analysis);
}
