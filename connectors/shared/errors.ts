/**
 * Classifies errors from AWS (and later Graph and SaaS) calls once, so every connector treats
 * them alike (STYLE.md §5): access denied becomes a coverage gap and the scan goes on;
 * throttling and transient faults are retried by the SDK before they reach here; anything else
 * fails loudly.
 */

/** How a failed call is handled. */
export type ErrorClass =
  | 'access-denied'
  | 'throttled'
  | 'transient'
  | 'not-found'
  | 'unsupported'
  | 'fatal';

const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedException',
  'AuthorizationError',
  'AuthorizationErrorException',
  'AWSOrganizationsNotInUseException',
  'NotAuthorized',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'ExpiredToken',
  'ExpiredTokenException',
]);
const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'RequestThrottled',
  'RequestThrottledException',
  'LimitExceededException',
]);
const NOT_FOUND = new Set([
  'NoSuchEntity',
  'NoSuchEntityException',
  'ResourceNotFoundException',
  'NoSuchBucket',
  'NoSuchKey',
  'TrailNotFoundException',
  'NotFoundException',
]);
const UNSUPPORTED = new Set([
  'UnknownOperationException',
  'UnsupportedOperation',
  'UnsupportedOperationException',
  'OptInRequired',
  'InvalidAction',
  'UnknownEndpoint',
]);
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ServiceUnavailable',
  'InternalError',
  'InternalFailure',
]);

/** Reads the error name/code of an SDK v3 (or Node network) error. */
export function errorName(err: unknown): string {
  if (typeof err !== 'object' || err === null) return String(err);
  const e = err as { name?: unknown; Code?: unknown; code?: unknown };
  if (typeof e.Code === 'string') return e.Code;
  if (typeof e.name === 'string' && e.name !== 'Error') return e.name;
  if (typeof e.code === 'string') return e.code;
  return 'Error';
}

/** Classifies an error from a provider call. */
export function classifyError(err: unknown): ErrorClass {
  const name = errorName(err);
  if (ACCESS_DENIED.has(name) || /AccessDenied|NotAuthorized/i.test(name)) return 'access-denied';
  if (THROTTLED.has(name) || /Throttl/i.test(name)) return 'throttled';
  if (NOT_FOUND.has(name)) return 'not-found';
  if (UNSUPPORTED.has(name) || /ENOTFOUND/.test(name)) return 'unsupported';
  const status = (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata
    ?.httpStatusCode;
  if (status === 403) return 'access-denied';
  if (status === 429) return 'throttled';
  if (status === 404) return 'not-found';
  if (TRANSIENT_CODES.has(name) || (status !== undefined && status >= 500)) return 'transient';
  return 'fatal';
}

/** A provider call failed in a way the scan cannot continue past. */
export class ConnectorError extends Error {
  constructor(
    message: string,
    readonly api: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ConnectorError';
  }
}

/** Short, secret-free description of an error for gaps and logs. */
export function describeError(err: unknown): string {
  const name = errorName(err);
  const message = err instanceof Error ? err.message : '';
  // Messages from AWS name the caller's ARN and the action: useful, and not secret. Cap length.
  const text = message && message !== name ? `${name}: ${message}` : name;
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
