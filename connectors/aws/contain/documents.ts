/**
 * The policies containment writes, and how to compare policy documents. Pure.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html
 * @see https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSCompromisedKeyQuarantineV3.html
 */

/**
 * The inline policy that revokes sessions issued before a time: AWS's own
 * `AWSRevokeOlderSessions` pattern under a name Leash owns, so that the console's revoke and
 * Leash's do not overwrite each other.
 */
export const REVOKE_SESSIONS_POLICY = 'LeashRevokeOlderSessions';

/** The deny-all inline policy that quarantines a role. */
export const QUARANTINE_POLICY = 'LeashQuarantine';

/** The AWS managed policy for users whose keys leaked (newest version of the family). */
export function compromisedKeyQuarantineArn(partition: string): string {
  return `arn:${partition}:iam::aws:policy/AWSCompromisedKeyQuarantineV3`;
}

/**
 * Denies every action to credentials issued before `issuedBefore` (ISO 8601): every session of
 * the role that exists now. `aws:TokenIssueTime` is present only in requests signed with
 * temporary credentials, so new sessions (issued later) and long-term user keys are unaffected.
 */
export function revokeOlderSessionsDocument(issuedBefore: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'LeashRevokeOlderSessions',
        Effect: 'Deny',
        Action: ['*'],
        Resource: ['*'],
        Condition: { DateLessThan: { 'aws:TokenIssueTime': issuedBefore } },
      },
    ],
  });
}

/** Denies every action on every resource: an explicit deny no allow can override. */
export function quarantineDocument(): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'LeashQuarantine', Effect: 'Deny', Action: '*', Resource: '*' }],
  });
}

/** The time a revoke-older-sessions document cuts at, or undefined when it is not one. */
export function revocationTime(text: string): string | undefined {
  const doc = parse(text) as { Statement?: unknown } | undefined;
  const statements = Array.isArray(doc?.Statement) ? doc.Statement : [doc?.Statement];
  if (statements.length !== 1) return undefined;
  const st = statements[0] as
    | { Effect?: unknown; Action?: unknown; Condition?: Record<string, Record<string, unknown>> }
    | undefined;
  const action = Array.isArray(st?.Action) ? st.Action : [st?.Action];
  const time = st?.Condition?.DateLessThan?.['aws:TokenIssueTime'];
  if (st?.Effect !== 'Deny' || action.length !== 1 || action[0] !== '*') return undefined;
  return typeof time === 'string' && Number.isFinite(Date.parse(time)) ? time : undefined;
}

/**
 * True when `current` revokes at least every session `wanted` revokes: both are revoke-older-
 * sessions documents and `current` cuts at the same time or later. A redelivered request with
 * an earlier time must not shorten a revocation already in place.
 */
export function revocationCovers(current: string, wanted: string): boolean {
  const have = revocationTime(current);
  const want = revocationTime(wanted);
  return have !== undefined && want !== undefined && Date.parse(have) >= Date.parse(want);
}

/** Same policy document, whatever the whitespace and key order. */
export function sameDocument(a: string, b: string): boolean {
  const pa = parse(a);
  const pb = parse(b);
  if (pa === undefined || pb === undefined) return a === b;
  return canonical(pa) === canonical(pb);
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null)
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}
