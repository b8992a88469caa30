/**
 * The pure parts of AWS containment: policy documents, and plans and rollbacks from snapshots.
 */
import { describe, expect, it } from 'vitest';
import {
  revocationCovers,
  revokeOlderSessionsDocument,
  sameDocument,
} from '#connectors/aws/contain/documents.ts';
import {
  isRollbackPlan,
  planApplyRecommendation,
  restoreIdentity,
} from '#connectors/aws/contain/kinds.ts';
import type { IdentityState } from '#connectors/aws/contain/state.ts';
import type { ContainmentRequest } from '#core/ports/containment.ts';

const ROLE_ARN = 'arn:aws:iam::111111111111:role/agent';

function aRole(overrides: Partial<IdentityState> = {}): IdentityState {
  return {
    type: 'role',
    arn: ROLE_ARN,
    name: 'agent',
    inlinePolicies: {},
    attachedPolicies: [],
    ...overrides,
  };
}

function aRequest(params: Record<string, unknown>): ContainmentRequest {
  return {
    requestId: 'r1',
    kind: 'aws.apply-recommendation',
    target: {
      provider: 'aws',
      scope: '111111111111',
      id: ROLE_ARN,
      name: 'agent',
      type: 'role',
      class: 'workload',
      tags: {},
      environment: null,
      delegatingHuman: null,
    },
    trigger: { type: 'request', requester: 'cli' },
    params,
    requestedAt: 0,
  };
}

const identity = (policies: { name: string; document: object }[], id = ROLE_ARN) => ({
  identity: {
    id,
    grant: { policies: [{ name: 'old', arn: null, kind: 'inline', viaGroup: null }] },
    recommendedPolicy: { policies },
  },
});

describe('policy documents', () => {
  it('compares documents whatever the key order and whitespace', () => {
    // Act
    const same = sameDocument('{"a":1,"b":[1,2]}', '{ "b": [1, 2], "a": 1 }');
    const different = sameDocument('{"a":1}', '{"a":2}');
    // Assert
    expect(same).toBe(true);
    expect(different).toBe(false);
  });

  it('counts a later session revocation as covering an earlier one, not the reverse', () => {
    // Arrange
    const earlier = revokeOlderSessionsDocument('2026-11-15T10:00:00.000Z');
    const later = revokeOlderSessionsDocument('2026-11-15T11:00:00.000Z');
    // Act / Assert
    expect(revocationCovers(later, earlier)).toBe(true);
    expect(revocationCovers(earlier, later)).toBe(false);
    expect(revocationCovers('{"Statement":[]}', earlier)).toBe(false);
  });
});

describe('apply-recommendation plans', () => {
  it('refuses a recommendation for another identity', () => {
    // Arrange
    const request = aRequest(identity([], 'arn:aws:iam::111111111111:role/other'));
    // Act / Assert
    expect(() => planApplyRecommendation(request, aRole())).toThrow(/not the target/);
  });

  it('refuses policies over the inline quota of a role', () => {
    // Arrange
    const big = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['x'.repeat(11_000)] }],
    };
    const request = aRequest(identity([{ name: 'agent-leash-1', document: big }]));
    // Act / Assert
    expect(() => planApplyRecommendation(request, aRole())).toThrow(/over the 10240/);
  });

  it('rejects params that are not a findings entry', () => {
    // Act / Assert
    expect(() => planApplyRecommendation(aRequest({ identity: 'x' }), aRole())).toThrow(
      /invalid params/,
    );
  });
});

describe('restoreIdentity', () => {
  it('restores grants before it removes what containment added', () => {
    // Arrange
    const before = aRole({ inlinePolicies: { old: '{"v":1}' }, attachedPolicies: ['arn:p'] });
    const now = aRole({ inlinePolicies: { added: '{"v":2}' } });
    // Act
    const calls = restoreIdentity(before, now, { inline: ['old', 'added'], attached: ['arn:p'] });
    // Assert
    expect(calls.map((c) => c.api)).toEqual([
      'iam:AttachRolePolicy',
      'iam:PutRolePolicy',
      'iam:DeleteRolePolicy',
    ]);
    expect(calls[1]!.params).toEqual({
      RoleName: 'agent',
      PolicyName: 'old',
      PolicyDocument: '{"v":1}',
    });
    expect(isRollbackPlan(calls)).toBe(true);
  });
});
