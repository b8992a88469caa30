/**
 * CloudTrail record shapes as Leash reads them. Records come from trail files, Event history and
 * CloudTrail Lake exports, and from other tools' captures, so every field is optional and checked
 * where it is used. Hot paths do not run a schema validator per record (see bench/).
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html
 */

/** `userIdentity.sessionContext.sessionIssuer`. */
export interface SessionIssuer {
  type?: string;
  principalId?: string;
  arn?: string;
  accountId?: string;
  userName?: string;
}

/** `userIdentity` of a CloudTrail record. */
export interface UserIdentity {
  type?: string;
  principalId?: string;
  arn?: string;
  accountId?: string;
  accessKeyId?: string;
  userName?: string;
  invokedBy?: string;
  identityProvider?: string;
  sessionContext?: {
    sessionIssuer?: SessionIssuer;
    attributes?: { creationDate?: string; mfaAuthenticated?: string | boolean };
    sourceIdentity?: string;
    webIdFederationData?: { federatedProvider?: string; attributes?: Record<string, unknown> };
  };
  /** Set for IAM Identity Center users acting through a role. */
  onBehalfOf?: { userId?: string; identityStoreArn?: string };
}

/** One CloudTrail record. */
export interface CloudTrailRecord {
  eventVersion?: string;
  eventID?: string;
  eventTime?: string;
  /** Logstash exports carry this instead of eventTime. */
  '@timestamp'?: string;
  eventSource?: string;
  eventName?: string;
  awsRegion?: string;
  sourceIPAddress?: string;
  userAgent?: string;
  userIdentity?: UserIdentity;
  errorCode?: string;
  errorMessage?: string;
  readOnly?: boolean | string;
  eventType?: string;
  eventCategory?: string;
  managementEvent?: boolean | string;
  recipientAccountId?: string;
  requestParameters?: Record<string, unknown> | null;
  responseElements?: Record<string, unknown> | null;
  resources?: { ARN?: string; accountId?: string; type?: string }[];
}

/** An IAM identity a record can be attributed to. */
export interface ResolvedPrincipal {
  /** What kind of IAM identity acted. Federated users are attributed to their issuing user. */
  kind: 'iam-user' | 'iam-role' | 'root';
  /** ARN of the IAM identity (the role's ARN for a role session, never the session ARN). */
  arn: string;
  accountId: string;
  /** The role session name, for role sessions. */
  sessionName?: string;
  /** `sessionContext.sourceIdentity`: the human or system that started the session chain. */
  sourceIdentity?: string;
  /** IAM Identity Center user id behind the session (`onBehalfOf.userId`). */
  onBehalfOf?: string;
  /** True when the caller's account is not the account that recorded the event. */
  crossAccount: boolean;
  /** True for `FederatedUser` sessions (GetFederationToken), attributed to the issuing user. */
  federated?: boolean;
  /**
   * True when the ARN was rebuilt from other fields (a role from its session ARN or issuer name,
   * a user from account and user name), so its path is unknown: match it by name.
   */
  derivedArn?: boolean;
}

/** Why a record was not attributed to an IAM identity. */
export type UnattributedReason =
  | 'missing-user-identity'
  | 'aws-service'
  | 'anonymous'
  | 'saml-user'
  | 'web-identity-user'
  | 'unrecognised-identity';

/** Outcome of resolving a record's `userIdentity`. */
export type PrincipalResolution =
  | { ok: true; principal: ResolvedPrincipal }
  | { ok: false; reason: UnattributedReason; detail?: string };

/** Why a record needs no IAM action. */
export type NoIamReason =
  | 'console-sign-in'
  | 'permissionless'
  | 'service-event'
  | 'insight'
  | 'non-api-event';

/** Outcome of mapping a record's eventSource/eventName to IAM actions. */
export type ActionMapping =
  | {
      kind: 'action';
      /** IAM service prefix the actions belong to. */
      service: string;
      /** Catalog ids of the actions the call is authorized by (usually one). */
      actionIds: readonly number[];
    }
  | { kind: 'no-iam'; reason: NoIamReason }
  | {
      kind: 'unmapped';
      eventSource: string;
      eventName: string;
      reason: 'missing-fields' | 'unknown-service' | 'unknown-action';
    };
