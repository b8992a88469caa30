/**
 * Errors of containment. A handler maps them: MalformedContainmentRequestError to the
 * dead-letter queue (retrying cannot help), IdentityBusyError to a retry with backoff,
 * ContainmentStateError to a clear refusal for the person who asked.
 */

/** One problem with a request, at a path of the input. */
export interface RequestIssue {
  /** Dotted path (`target.id`, `params.policyArn`); empty for the whole input. */
  path: string;
  message: string;
}

/**
 * A request or event that is not a valid containment request: rejected before any API call.
 * Not retryable.
 */
export class MalformedContainmentRequestError extends Error {
  readonly code = 'MALFORMED_CONTAINMENT_REQUEST';

  constructor(
    readonly issues: RequestIssue[],
    options?: { cause?: unknown },
  ) {
    super(
      `malformed containment request: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`,
      options,
    );
    this.name = 'MalformedContainmentRequestError';
  }
}

/** Another request holds the identity's lock: retry after `retryAfterMs`. */
export class IdentityBusyError extends Error {
  readonly code = 'IDENTITY_BUSY';

  constructor(
    readonly identityKey: string,
    /** The request that holds the lock. */
    readonly holder: string,
    readonly retryAfterMs: number,
  ) {
    super(`identity ${identityKey} is being contained by request ${holder}: retry later`);
    this.name = 'IdentityBusyError';
  }
}

/** A step that the request's recorded state does not allow (approve a forbidden request...). */
export class ContainmentStateError extends Error {
  readonly code = 'CONTAINMENT_STATE';

  constructor(
    readonly requestId: string,
    message: string,
  ) {
    super(`containment request ${requestId}: ${message}`);
    this.name = 'ContainmentStateError';
  }
}

/** No actuator is configured for a kind of containment. */
export class NoActuatorError extends Error {
  readonly code = 'NO_ACTUATOR';

  constructor(readonly kind: string) {
    super(`no actuator is configured for containment kind ${kind}`);
    this.name = 'NoActuatorError';
  }
}

/** A policy set or schema that cannot be loaded (parse or validation errors). */
export class PolicyLoadError extends Error {
  readonly code = 'POLICY_LOAD';

  constructor(
    message: string,
    /** One line per problem, with the file and policy where known. */
    readonly problems: string[],
  ) {
    super(`${message}: ${problems.join('; ')}`);
    this.name = 'PolicyLoadError';
  }
}
