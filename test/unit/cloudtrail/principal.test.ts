import { describe, expect, it } from 'vitest';
import { resolvePrincipal } from '#core/cloudtrail/principal.ts';
import type { CloudTrailRecord, UserIdentity } from '#core/cloudtrail/types.ts';

const ACCOUNT = '111111111111';
const OTHER_ACCOUNT = '222222222222';

/** A record in ACCOUNT made by the given identity; override any other field. */
function aRecord(
  userIdentity: UserIdentity | undefined,
  overrides: Partial<CloudTrailRecord> = {},
): CloudTrailRecord {
  return {
    eventTime: '2026-01-01T00:00:00Z',
    eventSource: 's3.amazonaws.com',
    eventName: 'ListBuckets',
    awsRegion: 'us-east-1',
    recipientAccountId: ACCOUNT,
    userIdentity,
    ...overrides,
  };
}

/** A role session identity with a full sessionIssuer; override any field. */
function aRoleSession(overrides: Partial<UserIdentity> = {}): UserIdentity {
  return {
    type: 'AssumedRole',
    principalId: 'AROAEXAMPLE:agent-session',
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/AgentRole/agent-session`,
    accountId: ACCOUNT,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAEXAMPLE',
        arn: `arn:aws:iam::${ACCOUNT}:role/service-role/AgentRole`,
        accountId: ACCOUNT,
        userName: 'AgentRole',
      },
    },
    ...overrides,
  };
}

describe('resolvePrincipal', () => {
  describe('IAM users', () => {
    it('attributes an IAMUser call to the user ARN', () => {
      // Arrange
      const record = aRecord({
        type: 'IAMUser',
        arn: `arn:aws:iam::${ACCOUNT}:user/ops/alice`,
        accountId: ACCOUNT,
        userName: 'alice',
      });

      // Act
      const result = resolvePrincipal(record);

      // Assert
      expect(result).toEqual({
        ok: true,
        principal: {
          kind: 'iam-user',
          arn: `arn:aws:iam::${ACCOUNT}:user/ops/alice`,
          accountId: ACCOUNT,
          crossAccount: false,
        },
      });
    });

    it('builds the user ARN in the GovCloud partition when only account and name are given', () => {
      // Arrange
      const record = aRecord(
        { type: 'IAMUser', accountId: ACCOUNT, userName: 'alice' },
        { awsRegion: 'us-gov-west-1' },
      );

      // Act
      const result = resolvePrincipal(record);

      // Assert
      expect(result).toMatchObject({
        ok: true,
        principal: {
          kind: 'iam-user',
          arn: `arn:aws-us-gov:iam::${ACCOUNT}:user/alice`,
          derivedArn: true,
        },
      });
    });

    it('refuses an IAMUser with neither ARN nor user name', () => {
      // Arrange
      const record = aRecord({ type: 'IAMUser', principalId: 'AIDAEXAMPLE', accountId: ACCOUNT });

      // Act
      const result = resolvePrincipal(record);

      // Assert
      expect(result).toMatchObject({ ok: false, reason: 'unrecognised-identity' });
    });

    it('marks a user calling from another account as cross-account', () => {
      // Arrange
      const record = aRecord({
        type: 'IAMUser',
        arn: `arn:aws:iam::${OTHER_ACCOUNT}:user/bob`,
        accountId: OTHER_ACCOUNT,
      });

      // Act
      const result = resolvePrincipal(record);

      // Assert
      expect(result).toMatchObject({
        ok: true,
        principal: { accountId: OTHER_ACCOUNT, crossAccount: true },
      });
    });
  });

  describe('role sessions', () => {
    it('attributes a role session to the issuing role, keeping its path and the session name', () => {
      // Arrange
      const record = aRecord(aRoleSession());

      // Act
      const result = resolvePrincipal(record);

      // Assert
      expect(result).toEqual({
        ok: true,
        principal: {
          kind: 'iam-role',
          arn: `arn:aws:iam::${ACCOUNT}:role/service-role/AgentRole`,
          accountId: ACCOUNT,
          sessionName: 'agent-session',
          crossAccount: false,
        },
      });
    });

    it('keeps the source identity and the Identity Center user behind the session', () => {
      // Arrange
      const identity = aRoleSession({
        onBehalfOf: {
          userId: '94482488-3041-7026-18f3-be45837cd0e4',
          identityStoreArn: 'arn:aws:identitystore::111111111111:identitystore/d-1234567890',
        },
      });
      identity.sessionContext = { ...identity.sessionContext, sourceIdentity: 'alice@example.com' };
      const record = aRecord(identity);

      // Act
      const result = resolvePrincipal(record);

      // Assert
      expect(result).toMatchObject({
        ok: true,
        principal: {
          sourceIdentity: 'alice@example.com',
          onBehalfOf: '94482488-3041-7026-18f3-be45837cd0e4',
        },
      });
    });

    it('derives the role ARN from a GovCloud session ARN when sessionIssuer is missing', () => {
      // Arrange
      const record = aRecord(
        {
          type: 'AssumedRole',
          arn: `arn:aws-us-gov:sts::${ACCOUNT}:assumed-role/AgentRole/i-0123456789abcdef0`,
          accountId: ACCOUNT,
        },
        { awsRegion: 'us-gov-west-1' },
      );

      // Act
      const result = resolvePrincipal(record);

      // Assert
      expect(result).toEqual({
        ok: true,
        principal: {
          kind: 'iam-role',
          arn: `arn:aws-us-gov:iam::${ACCOUNT}:role/AgentRole`,
          accountId: ACCOUNT,
          sessionName: 'i-0123456789abcdef0',
          derivedArn: true,
          crossAccount: false,
        },
      });
    });

    it('derives the role ARN in the China partition when sessionIssuer is empty', () => {
      // Arrange
      const record = aRecord(
        aRoleSession({
          arn: `arn:aws-cn:sts::${ACCOUNT}:assumed-role/AgentRole/s1`,
          sessionContext: { sessionIssuer: {} },
        }),
      );

      // Act
      const result = resolvePrincipal(record);

      // Assert
      expect(result).toMatchObject({
        ok: true,
        principal: { arn: `arn:aws-cn:iam::${ACCOUNT}:role/AgentRole`, derivedArn: true },
      });
    });

    it('keeps a China-partition issuer ARN as given', () => {
      // Arrange
      const record = aRecord(
        aRoleSession({
          arn: `arn:aws-cn:sts::${ACCOUNT}:assumed-role/AgentRole/s1`,
          sessionContext: {
            sessionIssuer: { type: 'Role', arn: `arn:aws-cn:iam::${ACCOUNT}:role/AgentRole` },
          },
        }),
      );

      // Act
      const result = resolvePrincipal(record);

      // Assert
      expect(result).toMatchObject({
        ok: true,
        principal: { arn: `arn:aws-cn:iam::${ACCOUNT}:role/AgentRole` },
      });
      expect(result.ok && result.principal.derivedArn).toBeFalsy();
    });

    it('derives the role ARN from sessionIssuer name and account when no ARN is present', () => {
      // Arrange
      const record = aRecord({
        type: 'AssumedRole',
        principalId: 'AROAEXAMPLE:bob',
        accountId: ACCOUNT,
        sessionContext: { sessionIssuer: { type: 'Role', accountId: ACCOUNT, userName: 'Ops' } },
      });

      // Act
      const result = resolvePrincipal(record);

      // Assert
      expect(result).toMatchObject({
        ok: true,
        principal: {
          arn: `arn:aws:iam::${ACCOUNT}:role/Ops`,
          sessionName: 'bob',
          derivedArn: true,
        },
      });
    });

    it('takes the role name from a session ARN that lacks the session part', () => {
      // Arrange
      const record = aRecord({
        type: 'AssumedRole',
        arn: `arn:aws:sts::${ACCOUNT}:assumed-role/MakeStuffPublic`,
        accountId: ACCOUNT,
        sessionContext: { sessionIssuer: {} },
      });

      // Act
      const result = resolvePrincipal(record);

      // Assert
      expect(result).toMatchObject({
        ok: true,
        principal: { arn: `arn:aws:iam::${ACCOUNT}:role/MakeStuffPublic`, derivedArn: true },
      });
    });

    it('refuses a role session with neither session ARN nor issuer', () => {
      // Arrange
      const record = aRecord({ type: 'AssumedRole', userName: 'TestRole' });

      // Act
      const result = resolvePrincipal(record);

      // Assert
      expect(result).toMatchObject({ ok: false, reason: 'unrecognised-identity' });
    });

    it('marks a session of another account’s role as cross-account', () => {
      // Arrange
      const record = aRecord(
        aRoleSession({
          arn: `arn:aws:sts::${OTHER_ACCOUNT}:assumed-role/Deployer/ci`,
          accountId: OTHER_ACCOUNT,
          sessionContext: {
            sessionIssuer: {
              type: 'Role',
              arn: `arn:aws:iam::${OTHER_ACCOUNT}:role/Deployer`,
              accountId: OTHER_ACCOUNT,
            },
          },
        }),
      );

      // Act
      const result = resolvePrincipal(record);

      // Assert
      expect(result).toMatchObject({
        ok: true,
        principal: { arn: `arn:aws:iam::${OTHER_ACCOUNT}:role/Deployer`, crossAccount: true },
      });
    });

    it('does not call a session cross-account when the recording account is unknown', () => {
      // Arrange
      const record = aRecord(aRoleSession({ accountId: OTHER_ACCOUNT }), {
        recipientAccountId: undefined,
      });

      // Act
      const result = resolvePrincipal(record);

      // Assert
      expect(result).toMatchObject({ ok: true, principal: { crossAccount: false } });
    });
  });

  describe('root', () => {
    it('attributes root calls to the account root ARN', () => {
      // Arrange
      const record = aRecord({
        type: 'Root',
        principalId: ACCOUNT,
        arn: `arn:aws:iam::${ACCOUNT}:root`,
        accountId: ACCOUNT,
      });

      // Act
      const result = resolvePrincipal(record);

      // Assert
      expect(result).toEqual({
        ok: true,
        principal: {
          kind: 'root',
          arn: `arn:aws:iam::${ACCOUNT}:root`,
          accountId: ACCOUNT,
          crossAccount: false,
        },
      });
    });

    it('keeps the partition of a China root ARN', () => {
      // Arrange
      const record = aRecord({ type: 'Root', arn: `arn:aws-cn:iam::${ACCOUNT}:root` });

      // Act
      const result = resolvePrincipal(record);

      // Assert
      expect(result).toMatchObject({
        ok: true,
        principal: { kind: 'root', arn: `arn:aws-cn:iam::${ACCOUNT}:root`, accountId: ACCOUNT },
      });
    });

    it('refuses a root identity without any account', () => {
      // Arrange
      const record = aRecord({ type: 'Root', userName: 'root' });

      // Act
      const result = resolvePrincipal(record);

      // Assert
      expect(result).toMatchObject({ ok: false, reason: 'unrecognised-identity' });
    });
  });

  describe('federated users', () => {
    it('attributes a federated session to the issuing IAM user', () => {
      // Arrange
      const record = aRecord({
        type: 'FederatedUser',
        principalId: `${ACCOUNT}:partner`,
        arn: `arn:aws:sts::${ACCOUNT}:federated-user/partner`,
        accountId: ACCOUNT,
        sessionContext: {
          sessionIssuer: {
            type: 'IAMUser',
            arn: `arn:aws:iam::${ACCOUNT}:user/broker`,
            accountId: ACCOUNT,
            userName: 'broker',
          },
        },
      });

      // Act
      const result = resolvePrincipal(record);

      // Assert
      expect(result).toEqual({
        ok: true,
        principal: {
          kind: 'iam-user',
          arn: `arn:aws:iam::${ACCOUNT}:user/broker`,
          accountId: ACCOUNT,
          sessionName: 'partner',
          federated: true,
          crossAccount: false,
        },
      });
    });

    it('attributes a federated session issued by root to root', () => {
      // Arrange
      const record = aRecord({
        type: 'FederatedUser',
        arn: `arn:aws:sts::${ACCOUNT}:federated-user/partner`,
        accountId: ACCOUNT,
        sessionContext: {
          sessionIssuer: { type: 'Root', arn: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT },
        },
      });

      // Act
      const result = resolvePrincipal(record);

      // Assert
      expect(result).toMatchObject({ ok: true, principal: { kind: 'root', federated: true } });
    });

    it('refuses a federated session whose issuer is not recorded', () => {
      // Arrange
      const record = aRecord({
        type: 'FederatedUser',
        arn: `arn:aws:sts::${ACCOUNT}:federated-user/partner`,
        accountId: ACCOUNT,
      });

      // Act
      const result = resolvePrincipal(record);

      // Assert
      expect(result).toMatchObject({ ok: false, reason: 'unrecognised-identity' });
    });
  });

  describe('callers that are not IAM identities', () => {
    it('reports AWS service calls with the invoking service', () => {
      // Arrange
      const record = aRecord({ type: 'AWSService', invokedBy: 'lambda.amazonaws.com' });

      // Act
      const result = resolvePrincipal(record);

      // Assert
      expect(result).toEqual({ ok: false, reason: 'aws-service', detail: 'lambda.amazonaws.com' });
    });

    it.each([
      [{ type: 'AWSAccount', principalId: '', accountId: 'anonymous' }],
      [{ type: 'AWSAccount', accountId: OTHER_ACCOUNT }],
    ])('reports %j as anonymous', (identity) => {
      // Arrange
      const record = aRecord(identity);

      // Act
      const result = resolvePrincipal(record);

      // Assert
      expect(result).toEqual({ ok: false, reason: 'anonymous' });
    });

    it('refuses a caller from another account whose ARN CloudTrail does not give', () => {
      // Arrange
      const record = aRecord({
        type: 'AWSAccount',
        principalId: 'AROAEXAMPLE:session-name',
        accountId: OTHER_ACCOUNT,
      });

      // Act
      const result = resolvePrincipal(record);

      // Assert
      expect(result).toEqual({
        ok: false,
        reason: 'unrecognised-identity',
        detail: `AWSAccount ${OTHER_ACCOUNT}`,
      });
    });

    it('reports SAML users', () => {
      // Arrange
      const record = aRecord({ type: 'SAMLUser', userName: 'alice@example.com' });

      // Act
      const result = resolvePrincipal(record);

      // Assert
      expect(result).toEqual({ ok: false, reason: 'saml-user', detail: 'alice@example.com' });
    });

    it('reports web identity users', () => {
      // Arrange
      const record = aRecord({
        type: 'WebIdentityUser',
        identityProvider: 'accounts.google.com',
        userName: 'sub-123',
      });

      // Act
      const result = resolvePrincipal(record);

      // Assert
      expect(result).toEqual({
        ok: false,
        reason: 'web-identity-user',
        detail: 'accounts.google.com',
      });
    });

    it.each(['IdentityCenterUser', 'Unknown'])('refuses %s identities as unrecognised', (type) => {
      // Arrange
      const record = aRecord({ type, userName: 'someone' });

      // Act
      const result = resolvePrincipal(record);

      // Assert
      expect(result).toEqual({ ok: false, reason: 'unrecognised-identity', detail: type });
    });

    it('reports a record without userIdentity', () => {
      // Arrange
      const record = aRecord(undefined);

      // Act
      const result = resolvePrincipal(record);

      // Assert
      expect(result).toEqual({ ok: false, reason: 'missing-user-identity' });
    });

    it('reports a null userIdentity as missing', () => {
      // Arrange
      const record = { ...aRecord(undefined), userIdentity: null } as unknown as CloudTrailRecord;

      // Act
      const result = resolvePrincipal(record);

      // Assert
      expect(result).toEqual({ ok: false, reason: 'missing-user-identity' });
    });
  });
});
