import { describe, expect, it } from 'vitest';
import { classifyGitHubError } from '#connectors/saas/github/errors.ts';
import {
  fingerprint,
  toAuditEvent,
  toDeployKey,
  toInstallation,
  toTokenGrant,
} from '#connectors/saas/github/shape.ts';

/** A public key and the fingerprint `ssh-keygen -lf` prints for it. */
const PUBLIC_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDfLdFTuRemXiieB2Ol8AZOLwSOV+zV57sIbe51o+wXg test';
const FINGERPRINT = 'SHA256:OfS9rL6E81+Al+RNuTFbQ7dhmLcjWyXxwwwAjoQbkaI';

describe('GitHub shaping', () => {
  it('shapes an installation, its flat permissions and suspension, marking Leash own', () => {
    // Act
    const i = toInstallation(
      {
        id: 7,
        app_id: 70,
        app_slug: 'leash',
        permissions: { contents: 'read', members: 'read' },
        repository_selection: 'all',
        suspended_at: '2026-06-01T00:00:00Z',
        suspended_by: { login: 'alice' },
      },
      7,
    );

    // Assert
    expect(i).toMatchObject({
      self: true,
      suspendedBy: 'alice',
      permissions: [
        { name: 'contents', access: 'read', scope: 'repository' },
        { name: 'members', access: 'read', scope: 'organization' },
      ],
    });
  });

  it('shapes a token grant with its permissions by category', () => {
    // Act
    const t = toTokenGrant(
      {
        id: 1,
        token_id: 2,
        token_name: 'ci',
        owner: { login: 'dev' },
        repository_selection: 'subset',
        permissions: {
          repository: { contents: 'write' },
          organization: { members: 'read' },
          other: { gpg_keys: 'read' },
        },
        token_expires_at: null,
      },
      ['b', 'a'],
    );

    // Assert
    expect(t).toMatchObject({
      patId: 1,
      tokenId: 2,
      repositories: ['a', 'b'],
      tokenExpiresAt: null,
      tokenLastUsedAt: null,
    });
    expect(t.permissions.map((p) => `${p.scope}:${p.name}`)).toEqual([
      'account:gpg_keys',
      'organization:members',
      'repository:contents',
    ]);
  });

  it('keeps a deploy key fingerprint, not the key, and tells "no last use" from "not reported"', () => {
    // Act
    const reported = toDeployKey(
      { id: 1, key: PUBLIC_KEY, read_only: false, last_used: null },
      'app',
    );
    const older = toDeployKey({ id: 2, key: PUBLIC_KEY }, 'app');

    // Assert
    expect(reported).toMatchObject({ fingerprint: FINGERPRINT, readOnly: false, lastUsed: null });
    expect(JSON.stringify(reported)).not.toContain('AAAAC3Nza');
    expect('lastUsed' in older).toBe(false);
    expect(older.readOnly).toBe(true);
    expect(fingerprint(PUBLIC_KEY)).toBe(FINGERPRINT);
  });

  it('shapes audit events from epoch milliseconds, and drops ones without time or action', () => {
    expect(
      toAuditEvent({
        '@timestamp': 1_700_000_000_000,
        action: 'repo.update',
        actor: 'dev',
        token_id: 9,
        programmatic_access_type: 'Fine-grained personal access token',
        repo: 'acme/app',
      }),
    ).toMatchObject({ at: 1_700_000_000_000, tokenId: 9, repository: 'acme/app' });
    expect(toAuditEvent({ action: 'repo.update' })).toBeUndefined();
    expect(
      toAuditEvent({ created_at: 1, action: 'integration_installation.create', name: 'claude' })
        ?.integration,
    ).toBe('claude');
  });
});

describe('classifyGitHubError', () => {
  const err = (status: number, message: string, headers: Record<string, string> = {}) =>
    Object.assign(new Error(message), { status, response: { headers } });

  it('tells a rate limit from a denial although both are 403', () => {
    expect(
      classifyGitHubError(err(403, 'API rate limit exceeded', { 'x-ratelimit-remaining': '0' })),
    ).toBe('throttled');
    expect(classifyGitHubError(err(403, 'You have exceeded a secondary rate limit'))).toBe(
      'throttled',
    );
    expect(classifyGitHubError(err(403, 'Resource not accessible by integration'))).toBe(
      'access-denied',
    );
    expect(classifyGitHubError(err(429, 'Too many'))).toBe('throttled');
    expect(classifyGitHubError(err(404, 'Not Found'))).toBe('not-found');
    expect(classifyGitHubError(err(401, 'Bad credentials'))).toBe('bad-credentials');
    expect(classifyGitHubError(err(502, 'Bad gateway'))).toBe('transient');
    expect(classifyGitHubError(err(422, 'Validation Failed'))).toBe('fatal');
    const tls = Object.assign(new Error('self-signed certificate'), {
      status: 500,
      cause: Object.assign(new Error('fetch failed'), {
        cause: { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' },
      }),
    });
    expect(classifyGitHubError(tls)).toBe('unreachable');
    const reset = Object.assign(new Error('socket hang up'), {
      status: 500,
      cause: { code: 'ECONNRESET' },
    });
    expect(classifyGitHubError(reset)).toBe('transient');
  });
});
