/**
 * Errors of the AWS and Entra containment actuators. Each is raised before any change is made:
 * a request that names the wrong kind of identity, lacks a parameter, or asks for something the
 * provider cannot do is refused with the reason, never half-applied.
 */

/** A containment request cannot be carried out as asked (wrong target, bad parameters). */
export class ContainmentRequestError extends Error {
  constructor(
    message: string,
    readonly kind: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ContainmentRequestError';
  }
}

/** A planned call names an API the actuator does not make, or another identity than the target. */
export class UnplannedCallError extends Error {
  constructor(
    message: string,
    readonly api: string,
  ) {
    super(message);
    this.name = 'UnplannedCallError';
  }
}
