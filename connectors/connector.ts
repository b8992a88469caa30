/**
 * The connector contract (STYLE.md §2): fetching is the only I/O, shaping is pure. Live
 * connectors to AWS, Microsoft Graph and SaaS implement it; a runner writes their output
 * through a port and never deletes data from a target whose fetch did not finish.
 */

/** Where a connector reads from. */
export type Target =
  | { kind: 'aws-account'; accountId: string; region: string; partition: string }
  | { kind: 'entra-tenant'; tenantId: string }
  | { kind: 'saas'; vendor: string; orgId: string };

/** What a connector gets from its runner. */
export interface ConnectorContext {
  runId: string;
  /** Aborts long fetches at a deadline (Lambda timeout, CLI interrupt). */
  signal: AbortSignal;
  /** Current time, injectable for tests. */
  now: () => number;
}

/** A connector: `fetch` yields raw pages, `transform` shapes one page. */
export interface Connector<Raw, Out> {
  readonly id: string;
  readonly kind: 'grants' | 'usage' | 'inventory';
  readonly scope: 'global' | 'regional' | 'tenant';
  fetch(ctx: ConnectorContext, target: Target): AsyncIterable<Raw>;
  transform(raw: Raw, target: Target): Out[];
}
