/** A part of the estate a scan could not read. */
export interface CoverageGap {
  provider: 'aws' | 'entra' | 'saas';
  /** The call that failed, as `service:Operation`. */
  api: string;
  account?: string;
  region?: string;
  /** `access-denied`: the scan's role may not call it; `unsupported`: not available there; `failed`: gave up after retries. */
  reason: 'access-denied' | 'unsupported' | 'failed';
  detail: string;
}
