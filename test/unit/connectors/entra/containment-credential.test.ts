/**
 * The Entra containment credential: lazy, kept sign-in; the tenant check; the errors that say
 * what to configure; target names from Graph. Against an in-memory fake Graph client and a mocked
 * Secrets Manager (no network).
 */
import {
  GetSecretValueCommand,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import type { Client } from '@microsoft/microsoft-graph-client';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  connectedEntraActuators,
  connectWithSecret,
  describeEntraTarget,
  type EntraConnection,
  EntraContainmentCredentialError,
  EntraContainmentNotConfiguredError,
  EntraTenantMismatchError,
  signIn,
  unconfiguredEntraActuators,
} from '#connectors/entra/containment-credential.ts';
import type { GraphClient } from '#connectors/entra/graph-client.ts';
import { ENTRA_SECRET_PLACEHOLDER } from '#connectors/entra/secret-credential.ts';
import { NoActuatorError } from '#core/containment/errors.ts';
import type { ContainmentRequest } from '#core/ports/containment.ts';

const TENANT = '00000000-0000-0000-0000-0000000000aa';
const OTHER_TENANT = '00000000-0000-0000-0000-0000000000bb';
const SP = 'a0000000-0000-4000-8000-000000000002';
const SECRET_ID =
  'arn:aws:secretsmanager:us-east-1:111111111111:secret:leash/entra-containment-AbCdEf';

const sm = mockClient(SecretsManagerClient);
afterEach(() => sm.reset());

/** A GraphClient whose GETs `answer(path)` answers; `getToken` as given. */
function fakeClient(
  answer: (path: string) => unknown,
  getToken: () => Promise<unknown> = async () => ({ token: 't', expiresOnTimestamp: 0 }),
): GraphClient & { paths: string[] } {
  const paths: string[] = [];
  const api = (url: string) => {
    let path = url;
    const req = {
      version: (v: string) => {
        path = `/${v}${url}`;
        return req;
      },
      get: async () => {
        paths.push(path);
        return answer(path);
      },
    };
    return req;
  };
  return {
    sdk: { api } as unknown as Client,
    credential: { getToken } as unknown as GraphClient['credential'],
    maxRetries: 0,
    sleep: async () => {},
    paths,
  };
}

function aRequest(scope: string): ContainmentRequest {
  return {
    requestId: `ctn-${'a'.repeat(32)}`,
    kind: 'entra.disable-service-principal',
    target: {
      provider: 'entra',
      scope,
      id: SP,
      name: 'mail-agent',
      type: 'service-principal',
      class: 'ai-agent',
      tags: {},
      environment: null,
      delegatingHuman: null,
    },
    trigger: { type: 'request', requester: 'analyst@example.com' },
    params: {},
    requestedAt: 0,
  };
}

describe('connectedEntraActuators', () => {
  it('signs in on the first snapshot only, and keeps the connection', async () => {
    // Arrange
    const client = fakeClient(() => ({ id: SP, accountEnabled: true }));
    let connects = 0;
    const actuators = connectedEntraActuators(async () => {
      connects++;
      return { client, tenantId: TENANT };
    });
    const actuator = actuators['entra.disable-service-principal'];

    // Act
    const plan = actuator.plan(aRequest(TENANT), { id: SP, accountEnabled: true });
    const before = connects;
    const first = await actuator.snapshot(aRequest(TENANT));
    await actuator.snapshot(aRequest(TENANT));

    // Assert
    expect(plan).toHaveLength(1);
    expect(before).toBe(0);
    expect(first).toMatchObject({ id: SP, accountEnabled: true });
    expect(connects).toBe(1);
  });

  it('tries again after a failed sign-in rather than keeping the failure', async () => {
    // Arrange
    const client = fakeClient(() => ({ id: SP, accountEnabled: true }));
    const results: (() => Promise<EntraConnection>)[] = [
      async () => {
        throw new EntraContainmentCredentialError('the secret holds the placeholder', 'put it');
      },
      async () => ({ client, tenantId: TENANT }),
    ];
    const actuator = connectedEntraActuators(() => results.shift()!())[
      'entra.disable-service-principal'
    ];

    // Act
    const failed = actuator.snapshot(aRequest(TENANT));
    await expect(failed).rejects.toThrow(EntraContainmentCredentialError);
    const second = await actuator.snapshot(aRequest(TENANT));

    // Assert
    expect(second).toMatchObject({ accountEnabled: true });
    expect(results).toHaveLength(0);
  });

  it('refuses a request for another tenant before any Graph call', async () => {
    // Arrange
    const client = fakeClient(() => ({ id: SP, accountEnabled: true }));
    const actuator = connectedEntraActuators(async () => ({ client, tenantId: TENANT }))[
      'entra.disable-service-principal'
    ];

    // Act
    const other = actuator.snapshot(aRequest(OTHER_TENANT));
    const byDomain = await actuator.snapshot(aRequest('contoso.onmicrosoft.com'));

    // Assert
    await expect(other).rejects.toThrow(EntraTenantMismatchError);
    await expect(other).rejects.toThrow(`the request is for tenant ${OTHER_TENANT}`);
    // A tenant named by a domain cannot be compared with a directory id: it goes on.
    expect(byDomain).toMatchObject({ accountEnabled: true });
    expect(client.paths).toHaveLength(1);
  });
});

describe('unconfiguredEntraActuators', () => {
  it('refuses every Entra request with a NoActuatorError that says how to configure it', async () => {
    // Arrange
    const actuators = unconfiguredEntraActuators('set LEASH_ENTRA_CONTAINMENT_SECRET_ARN');

    // Act
    const refused = actuators['entra.disable-service-principal'].snapshot(aRequest(TENANT));

    // Assert
    await expect(refused).rejects.toBeInstanceOf(NoActuatorError);
    await expect(refused).rejects.toBeInstanceOf(EntraContainmentNotConfiguredError);
    await expect(refused).rejects.toThrow(
      'Entra containment is not configured: set LEASH_ENTRA_CONTAINMENT_SECRET_ARN',
    );
    expect(Object.keys(actuators).sort()).toEqual([
      'entra.delete-delegated-grant',
      'entra.disable-service-principal',
      'entra.remove-app-permission',
      'entra.remove-password',
      'entra.revoke-user-sessions',
    ]);
  });
});

describe('connectWithSecret', () => {
  const connect = () =>
    connectWithSecret({
      secrets: new SecretsManagerClient({ region: 'us-east-1' }),
      secretId: SECRET_ID,
      reader: 'apply-containment',
    });

  it('names the exact put-secret-value command while the secret holds the placeholder', async () => {
    // Arrange
    sm.on(GetSecretValueCommand).resolves({ SecretString: ENTRA_SECRET_PLACEHOLDER });

    // Act
    const failed = connect();

    // Assert
    await expect(failed).rejects.toThrow(EntraContainmentCredentialError);
    await expect(failed).rejects.toThrow(
      `Entra containment cannot sign in: the secret ${SECRET_ID} still holds the placeholder the stack put there. `,
    );
    await expect(failed).rejects.toThrow(
      `\`aws secretsmanager put-secret-value --secret-id ${SECRET_ID} --secret-string file://entra-containment-credential.json\``,
    );
    await expect(failed).rejects.toThrow(/AppRoleAssignment\.ReadWrite\.All/);
  });

  it("names apply-containment's role when it may not read the secret", async () => {
    // Arrange
    sm.on(GetSecretValueCommand).rejects(
      new SecretsManagerServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: {},
        message: 'denied',
      }),
    );

    // Act / Assert
    await expect(connect()).rejects.toThrow(
      "the apply-containment function's role needs secretsmanager:GetSecretValue on it",
    );
  });

  it('never echoes a value of a malformed secret', async () => {
    // Arrange
    sm.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ tenantId: TENANT, clientId: 'not-a-guid-s3cr3t' }),
    });

    // Act
    const failed = connect();

    // Assert
    await expect(failed).rejects.toThrow(/is not a valid credential \(clientId: /);
    await expect(failed).rejects.not.toThrow(/s3cr3t/);
  });
});

describe('signIn', () => {
  it('turns a credential Entra refuses into EntraContainmentCredentialError', async () => {
    // Arrange
    const client = fakeClient(
      () => ({}),
      async () => {
        throw Object.assign(new Error('AADSTS7000215: Invalid client secret provided.'), {
          name: 'AuthenticationError',
        });
      },
    );

    // Act
    const refused = signIn(client, 'signing in failed', 'Check the secret.');

    // Assert
    await expect(refused).rejects.toThrow(EntraContainmentCredentialError);
    await expect(refused).rejects.toThrow(
      'Entra containment cannot sign in: signing in failed (AADSTS7000215: Invalid client secret provided.). Check the secret.',
    );
  });

  it('passes on a failure that is not a refusal', async () => {
    // Arrange
    const outage = Object.assign(new Error('connect ECONNREFUSED'), { name: 'RestError' });
    const client = fakeClient(
      () => ({}),
      async () => {
        throw outage;
      },
    );

    // Act / Assert
    await expect(signIn(client, 'signing in failed', 'Check.')).rejects.toBe(outage);
  });
});

describe('describeEntraTarget', () => {
  it.each([
    [{ displayName: 'mail-agent', servicePrincipalType: 'Application' }, 'service-principal'],
    [{ displayName: 'mail-agent', servicePrincipalType: 'ServiceIdentity' }, 'agent-identity'],
    [
      { displayName: 'mail-agent', '@odata.type': '#microsoft.graph.agentIdentity' },
      'agent-identity',
    ],
  ])('names a service principal %j as a %s', async (sp, type) => {
    // Arrange
    const client = fakeClient(() => ({ id: SP, ...sp }));

    // Act
    const described = await describeEntraTarget(client, 'entra.disable-service-principal', SP);

    // Assert
    expect(described).toEqual({ name: 'mail-agent', type });
    expect(client.paths).toEqual([
      `/servicePrincipals/${SP}?$select=id,displayName,servicePrincipalType`,
    ]);
  });

  it('names a user by its user principal name, an agent user as such', async () => {
    // Arrange
    const user = fakeClient(() => ({ displayName: 'Ops', userPrincipalName: 'ops@example.com' }));
    const agentUser = fakeClient(() => ({
      displayName: 'Agent',
      userPrincipalName: 'agent@example.com',
      '@odata.type': '#microsoft.graph.agentUser',
    }));

    // Act
    const a = await describeEntraTarget(user, 'entra.revoke-user-sessions', SP);
    const b = await describeEntraTarget(agentUser, 'entra.revoke-user-sessions', SP);

    // Assert
    expect(a).toEqual({ name: 'ops@example.com', type: 'user-account' });
    expect(b).toEqual({ name: 'agent@example.com', type: 'agent-user' });
    expect(user.paths).toEqual([`/users/${SP}?$select=id,displayName,userPrincipalName`]);
  });
});
