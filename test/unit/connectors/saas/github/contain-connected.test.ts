/**
 * The GitHub actuators that sign in on first use (connectedGitHubActuators) and the ones that
 * refuse every request where no GitHub credential is configured (unconfiguredGitHubActuators).
 * The clients are fakes that are never asked anything: each request here stops before a call.
 */
import { describe, expect, it, vi } from 'vitest';
import { ContainmentRequestError } from '#connectors/aws/contain/errors.ts';
import type { GitHubClient } from '#connectors/saas/github/client.ts';
import {
  connectedGitHubActuators,
  type GitHubActuatorOptions,
  GitHubContainmentNotConfiguredError,
  type GitHubOrganization,
  unconfiguredGitHubActuators,
} from '#connectors/saas/github/contain.ts';
import { NoActuatorError } from '#core/containment/errors.ts';
import type { ContainmentRequest } from '#core/ports/containment.ts';

/** A token client: token grants are refused to it before any request. */
const tokenClient = (host = 'github.com') =>
  ({ host, auth: 'token', installationId: undefined }) as unknown as GitHubClient;

function aTokenRequest(scope = 'github.com/acme', patId = 7001): ContainmentRequest {
  return {
    requestId: `req-${patId}`,
    kind: 'github.revoke-token-access',
    target: {
      provider: 'saas',
      scope,
      id: `github:${scope}/personal-access-tokens/${patId}`,
      name: 'ci-script (bob)',
      type: 'access-token',
      class: 'human',
      environment: null,
      tags: {},
      delegatingHuman: null,
    },
    trigger: { type: 'request', requester: 'alice' },
    params: {},
    requestedAt: 0,
  };
}

describe('connectedGitHubActuators', () => {
  it('signs in once per organization, with the host and organization of the scope', async () => {
    // Arrange
    const connect = vi.fn(
      async (_organization: GitHubOrganization): Promise<GitHubActuatorOptions> => ({
        client: tokenClient(),
      }),
    );
    const actuator = connectedGitHubActuators(connect)['github.revoke-token-access'];

    // Act
    const first = actuator.snapshot(aTokenRequest('github.com/acme', 1));
    const second = actuator.snapshot(aTokenRequest('github.com/ACME', 2));
    const other = actuator.snapshot(aTokenRequest('github.com/globex', 3));

    // Assert
    for (const read of [first, second, other]) await expect(read).rejects.toThrow(/only for apps/);
    expect(connect.mock.calls.map(([organization]) => organization)).toEqual([
      { host: 'github.com', org: 'acme' },
      { host: 'github.com', org: 'globex' },
    ]);
  });

  it('tries again after a failed sign-in', async () => {
    // Arrange
    const connect = vi
      .fn<() => Promise<GitHubActuatorOptions>>()
      .mockRejectedValueOnce(new Error('the key is not the app’s'))
      .mockResolvedValue({ client: tokenClient() });
    const actuator = connectedGitHubActuators(connect)['github.revoke-token-access'];

    // Act
    const failed = actuator.snapshot(aTokenRequest());
    await expect(failed).rejects.toThrow('the key is not the app’s');
    const again = actuator.snapshot(aTokenRequest());

    // Assert
    await expect(again).rejects.toThrow(/only for apps/);
    expect(connect).toHaveBeenCalledTimes(2);
  });

  it('refuses a plan before the request signed in, and a scope that is not HOST/ORG', async () => {
    // Arrange
    const connect = vi.fn(async (): Promise<GitHubActuatorOptions> => ({ client: tokenClient() }));
    const actuator = connectedGitHubActuators(connect)['github.revoke-token-access'];

    // Act
    const plan = () => actuator.plan(aTokenRequest(), {});
    const badScope = actuator.snapshot(aTokenRequest('acme'));

    // Assert
    expect(plan).toThrow(ContainmentRequestError);
    expect(plan).toThrow(/not signed in to github\.com\/acme yet/);
    await expect(badScope).rejects.toThrow(/a GitHub scope is HOST\/ORG/);
    expect(connect).not.toHaveBeenCalled();
  });
});

describe('unconfiguredGitHubActuators', () => {
  it('refuses every GitHub request with the message it is given', async () => {
    // Arrange
    const message = 'GitHub containment is not configured in the deployment: use leash contain';
    const actuators = unconfiguredGitHubActuators(message);

    // Act
    const refused = actuators['github.revoke-token-access'].snapshot(aTokenRequest());

    // Assert
    await expect(refused).rejects.toThrow(GitHubContainmentNotConfiguredError);
    await expect(refused).rejects.toThrow(NoActuatorError);
    await expect(refused).rejects.toMatchObject({
      name: 'GitHubContainmentNotConfiguredError',
      message,
      kind: 'github.revoke-token-access',
    });
    expect(Object.keys(actuators).sort()).toEqual([
      'github.delete-deploy-key',
      'github.revoke-token-access',
      'github.suspend-installation',
    ]);
  });
});
