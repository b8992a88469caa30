/**
 * Coverage gaps: what a scan could not read, and why. A denied or unsupported call never stops a
 * scan; it is recorded here and shown first in the reports, so nobody mistakes "not seen" for
 * "not there".
 */

import { ConnectorError, classifyError, describeError } from '#connectors/shared/errors.ts';
import type { CoverageGap } from '#core/model/coverage-gap.ts';

/** Collects gaps during a run. */
export class GapRecorder {
  readonly gaps: CoverageGap[] = [];

  /** Records a gap. */
  add(gap: CoverageGap): void {
    this.gaps.push(gap);
  }

  /**
   * Runs one provider call. Access denied and unsupported become gaps; throttling and transient
   * faults that outlived the SDK's retries become `failed` gaps; a resource that vanished
   * (not found) is simply absent. Each returns `undefined` and the scan goes on. Anything else is
   * rethrown wrapped with the API name: it means a bug or a malformed request, not a gap.
   * @param api the call, as `service:Operation` (`iam:ListAccessKeys`)
   * @param where account and region of the call
   * @param subject what the call was about (a principal ARN), put first in a `failed` gap's detail
   */
  async guard<T>(
    api: string,
    where: { account?: string; region?: string },
    fn: () => Promise<T>,
    subject?: string,
  ): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      const kind = classifyError(err);
      if (kind === 'access-denied' || kind === 'unsupported') {
        this.add({ provider: 'aws', api, ...where, reason: kind, detail: describeError(err) });
        return undefined;
      }
      if (kind === 'throttled' || kind === 'transient') {
        this.add({
          provider: 'aws',
          api,
          ...where,
          reason: 'failed',
          detail: `${subject ? `${subject}: ` : ''}${describeError(err)}`,
        });
        return undefined;
      }
      if (kind === 'not-found') return undefined;
      throw new ConnectorError(
        `${api}${where.account ? ` in ${where.account}` : ''}${where.region ? `/${where.region}` : ''} failed: ${describeError(err)}`,
        api,
        { cause: err },
      );
    }
  }
}
