/**
 * Entra containment through the deployed flow, in-process: the containment state machine as
 * `cdk synth` emits it, walked by the test ASL interpreter over the exported handlers; the
 * containment credential in moto's Secrets Manager (LEASH_ENTRA_CONTAINMENT_SECRET_ARN, which
 * only apply-containment is given), the tenant on the loopback Graph server. The default
 * policies ask for approval of every Entra kind: the approval endpoint's handler answers.
 */

import { ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  inject,
  it,
  vi,
} from 'vitest';
import type { AwsClients } from '#connectors/aws/clients.ts';
import { ENTRA_SECRET_PLACEHOLDER } from '#connectors/entra/secret-credential.ts';
import { auditChain } from '#core/containment/contain.ts';
import { readSettings } from '#functions/shared/config.ts';
import { openContainmentStore } from '#functions/shared/containment.ts';
import { ENV } from '#functions/shared/contract.ts';
import type { Json } from '#test/helpers/asl.ts';
import { answerTaskTokens, prepareContainmentAws } from '#test/helpers/containment-aws.ts';
import {
  approvalRequest,
  type CallHandler,
  type ContainmentExecution,
  containmentDefinition,
  containmentRequestedEvent,
  findingCreatedEvent,
  runContainment,
  TokenDesk,
} from '#test/helpers/containment-run.ts';
import { type GraphServer, startGraphServer } from '#test/helpers/graph-server.ts';
import { TEST_CREDENTIALS } from '#test/helpers/moto.ts';
import {
  loadHandler,
  motoClients,
  motoDynamo,
  REGION,
  SMALL_TENANT,
  smallTenant,
  stubHandlerEnv,
} from '#test/helpers/scan-run.ts';
import { allow, callerAccount, createRole, trust } from '#test/helpers/seed-aws.ts';

const endpoint = inject('motoEndpoint');
const AUDIT_TABLE = 'leash-test-audit';
const APPROVER = 'arn:aws:sts::123456789012:assumed-role/security-oncall/alice';
const { TENANT, CLIENT, SECRET, APP_SP } = SMALL_TENANT;

let definition: Json;
let graph: GraphServer;
let secrets: SecretsManagerClient;
let desk: TokenDesk;
let topicArn: string;
const sfn = mockClient(SFNClient);

beforeAll(() => {
  definition = containmentDefinition();
});

beforeEach(async () => {
  ({ topicArn } = await prepareContainmentAws(endpoint, AUDIT_TABLE));
  secrets = new SecretsManagerClient({ endpoint, region: REGION, credentials: TEST_CREDENTIALS });
  graph = await startGraphServer(smallTenant());
  desk = new TokenDesk();
  answerTaskTokens(sfn, desk);
});

afterEach(async () => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  secrets.destroy();
  await graph.close();
});

afterAll(() => {
  sfn.restore();
});

/** The containment credential for the loopback tenant, as the customer puts it. */
const credential = () => ({
  tenantId: TENANT,
  clientId: CLIENT,
  clientSecret: SECRET,
  authorityHost: graph.url,
  graphBaseUrl: graph.url,
  caPem: graph.ca,
});

/** Creates the containment secret (as the stack does, or with a value) and returns its ARN. */
async function containmentSecret(value: unknown): Promise<string> {
  const out = await secrets.send(
    new CreateSecretCommand({
      Name: 'leash/entra-containment',
      SecretString: typeof value === 'string' ? value : JSON.stringify(value),
    }),
  );
  return out.ARN!;
}

/** The handlers the definition calls and the approval endpoint, loaded after the environment. */
async function handlers(extra: Record<string, string>) {
  stubHandlerEnv(endpoint, { [ENV.auditTable]: AUDIT_TABLE, [ENV.topic]: topicArn, ...extra });
  const fns: Record<string, CallHandler> = {
    'decide-containment': await loadHandler(() => import('#functions/decide-containment.ts')),
    'wait-for-approval': await loadHandler(() => import('#functions/wait-for-approval.ts')),
    'apply-containment': await loadHandler(() => import('#functions/apply-containment.ts')),
    'expire-approvals': await loadHandler(() => import('#functions/expire-approvals.ts')),
  };
  const answer = await loadHandler(() => import('#functions/answer-approval.ts'));
  return { fns, answer };
}

/** `Containment Requested` for an Entra kind on the tenant's agent. */
function entraRequest(kind: string, params: Record<string, string> = {}): Json {
  return containmentRequestedEvent({
    kind,
    target: {
      provider: 'entra',
      scope: TENANT,
      id: APP_SP,
      name: 'mail-agent',
      type: 'service-principal',
      class: 'ai-agent',
    },
    requester: 'arn:aws:sts::123456789012:assumed-role/soc-automation/defender',
    reason: 'Defender: anomalous mail access',
    params,
    idempotencyKey: `INC-${kind}`,
  });
}

/** Runs an execution up to the approval, approves it, and returns the finished execution. */
async function approveAndRun(
  event: Json,
  hs: Awaited<ReturnType<typeof handlers>>,
): Promise<{ run: ContainmentExecution; requestId: string }> {
  const running = runContainment(event, { definition, handlers: hs.fns, desk });
  const ended = running.then((run) => {
    throw new Error(`the execution ended instead of waiting: ${JSON.stringify(run.trace)}`);
  });
  await Promise.race([desk.nextToken(), ended]);
  const [pending] = await store().pendingApprovals();
  const requestId = pending!.requestId;
  await hs.answer(approvalRequest(APPROVER, { requestId, decision: 'approve' }));
  return { run: await running, requestId };
}

function store() {
  return openContainmentStore(readSettings(), motoDynamo(endpoint));
}

const spEnabled = () =>
  graph.data.servicePrincipals.find((sp) => sp.id === APP_SP)!.accountEnabled as boolean;
const graphWrites = () =>
  graph.requests.filter((r) => r.method !== 'GET' && r.path.startsWith('/v1.0'));

describe('apply-containment, Entra kinds', () => {
  it('disables a service principal with the containment credential, read once and kept', async () => {
    // Arrange
    const secretId = await containmentSecret(credential());
    const hs = await handlers({ [ENV.entraContainmentSecret]: secretId });
    const reads = vi.spyOn(SecretsManagerClient.prototype, 'send');

    // Act
    const disabled = await approveAndRun(entraRequest('entra.disable-service-principal'), hs);
    const removed = await approveAndRun(
      entraRequest('entra.remove-app-permission', { assignmentId: 'assignment-mail-read' }),
      hs,
    );

    // Assert
    for (const { run } of [disabled, removed]) {
      expect(run.error).toBeNull();
      expect(run.trace.slice(-3)).toEqual(['ApplyApproved', 'Applied', 'Contained']);
    }
    expect(spEnabled()).toBe(false);
    expect(graph.data.appRoleAssignments).toEqual([]);
    expect(graphWrites().map((r) => `${r.method} ${r.path}`)).toEqual([
      `PATCH /v1.0/servicePrincipals/${APP_SP}`,
      `DELETE /v1.0/servicePrincipals/${APP_SP}/appRoleAssignments/assignment-mail-read`,
    ]);
    const chain = await auditChain(disabled.requestId, { store: store() });
    expect(chain.status).toBe('applied');
    const call = chain.entries.find((e) => e.kind === 'api-call')!;
    expect(call.detail).toMatchObject({
      ok: true,
      outcome: 'applied',
      call: { api: 'graph:PATCH /servicePrincipals/{id}' },
    });
    expect(chain.entries.find((e) => e.kind === 'applied')!.detail.notes).toEqual([
      expect.stringContaining('Access tokens already issued stay valid'),
    ]);
    // The credential is read on the first Entra request and kept for the next.
    const secretReads = reads.mock.calls.filter(
      ([command]) => command instanceof GetSecretValueCommand,
    );
    expect(secretReads).toHaveLength(1);
    expect((secretReads[0]![0] as GetSecretValueCommand).input.SecretId).toBe(secretId);
  });

  it('fails an Entra request with the put-secret-value command while the secret holds the placeholder', async () => {
    // Arrange: the secret as the stack creates it
    const secretId = await containmentSecret(ENTRA_SECRET_PLACEHOLDER);
    const hs = await handlers({ [ENV.entraContainmentSecret]: secretId });

    // Act
    const { run, requestId } = await approveAndRun(
      entraRequest('entra.disable-service-principal'),
      hs,
    );
    // The customer puts the credential; the execution is redriven (apply-containment again).
    await secrets.send(
      new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify(credential()) }),
    );
    const redriven = (await hs.fns['apply-containment']!({ requestId, approved: true })) as {
      status: string;
    };

    // Assert
    const command = `aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string file://entra-containment-credential.json`;
    expect(run.trace.slice(-1)).toEqual(['ApplyApproved']);
    expect(run.error).toMatchObject({ error: 'EntraContainmentCredentialError' });
    expect(run.error!.cause).toContain('still holds the placeholder the stack put there');
    expect(run.error!.cause).toContain(command);
    const chain = await auditChain(requestId, { store: store() });
    const error = chain.entries.find((e) => e.kind === 'error')!;
    expect(error.detail.stage).toBe('snapshot');
    expect(error.detail.message).toContain(command);
    // Nothing reached Graph until the credential was there; then the request was applied.
    expect(redriven.status).toBe('applied');
    expect(spEnabled()).toBe(false);
    expect(graphWrites()).toHaveLength(1);
  });

  it('applies AWS requests as ever when the Entra containment secret is unusable', async () => {
    // Arrange
    const admin: AwsClients = motoClients(endpoint);
    const accountId = await callerAccount(admin);
    const role = await createRole(admin, {
      name: 'support-agent',
      trust: trust({ Service: 'bedrock.amazonaws.com' }),
      inline: { tools: allow('s3:GetObject') },
    });
    const hs = await handlers({ [ENV.entraContainmentSecret]: await containmentSecret('{}') });

    // Act: a critical finding on an AI agent role is revoked automatically
    const run = await runContainment(
      findingCreatedEvent({ accountId, arn: role.arn, name: role.name, class: 'ai-agent' }),
      { definition, handlers: hs.fns, desk },
    );

    // Assert
    expect(run.error).toBeNull();
    expect(run.trace).toEqual(['Decide', 'Route', 'Apply', 'Applied', 'Contained']);
    const policies = await admin.iam().send(new ListRolePoliciesCommand({ RoleName: role.name }));
    expect(policies.PolicyNames?.sort()).toEqual(['LeashRevokeOlderSessions', 'tools']);
    expect(graph.requests).toEqual([]);
    admin.destroy();
  });

  it('says Entra containment is not configured when the deployment has no containment secret', async () => {
    // Arrange: Entra off, as the stack leaves the variable unset
    const hs = await handlers({});

    // Act
    const { run, requestId } = await approveAndRun(
      entraRequest('entra.disable-service-principal'),
      hs,
    );

    // Assert
    expect(run.error).toMatchObject({ error: 'EntraContainmentNotConfiguredError' });
    expect(run.error!.cause).toMatch(
      /^Entra containment is not configured: LEASH_ENTRA_CONTAINMENT_SECRET_ARN is not set\. Deploy with -c leash:entra=true/,
    );
    const chain = await auditChain(requestId, { store: store() });
    expect(chain.entries.find((e) => e.kind === 'error')?.detail.message).toContain(
      'Entra containment is not configured',
    );
    expect(spEnabled()).toBe(true);
    expect(graph.requests).toEqual([]);
  });
});
