/**
 * Identity rules, in the cdk-nag manner: one file per rule, a stable id, and a result that is
 * Compliant, NotApplicable or a list of findings. Human text lives next to the registration in
 * `rules/index.ts`.
 */
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import type { Classification } from '#core/engine/classify.ts';
import type { Evidence } from '#core/engine/join-usage.ts';
import type { Recommendation } from '#core/engine/recommend.ts';
import type { PrincipalUsage, TimeWindow } from '#core/engine/usage.ts';
import type { CredentialReportRow, IamIdentity } from '#core/iam/inventory.ts';
import type { EffectiveGrant } from '#core/policy/effective.ts';

/** Finding severities, most severe first. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
/** A finding severity. */
export type Severity = (typeof SEVERITIES)[number];

/** Everything a rule may look at for one identity. */
export interface RuleContext {
  identity: IamIdentity;
  grant: EffectiveGrant;
  evidence: Evidence;
  usage: PrincipalUsage | undefined;
  credentials: CredentialReportRow | undefined;
  classification: Classification;
  recommendation: Recommendation | null;
  catalog: ActionCatalog;
  /** The requested window. */
  window: TimeWindow;
  /** The part of the window the corpus actually covers. */
  observed: TimeWindow | undefined;
  /** Latest activity IAM itself reports (RoleLastUsed, credential report), epoch ms. */
  iamLastActivity: number | undefined;
  /** IAM reports activity in the window the corpus does not hold. */
  activityOutsideCorpus: boolean;
  /** True when at least one CloudTrail record fell in the window. */
  trailObserved: boolean;
}

/** One finding a rule raises. */
export interface RuleHit {
  title: string;
  /** Overrides the rule's default severity (e.g. higher for AI agents). */
  severity?: Severity;
  evidence: Record<string, unknown>;
}

/** What a rule returns. */
export type RuleResult = 'Compliant' | 'NotApplicable' | RuleHit[];

/** A registered rule. */
export interface Rule {
  id: string;
  name: string;
  severity: Severity;
  /** One line: what the rule finds. */
  info: string;
  /** Why it matters and what to do. */
  explanation: string;
  evaluate(ctx: RuleContext): RuleResult;
}

/** Formats epoch milliseconds as an ISO date-time (UTC). */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Whole days between two instants. */
export function days(from: number, to: number): number {
  return Math.floor((to - from) / 86_400_000);
}
