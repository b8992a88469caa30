/**
 * Calling the scan-run Lambdas in-process against moto: the environment a deployment sets
 * (pointed at moto), a fresh import of a handler after it (handlers read settings at cold
 * start), and the Leash bucket and table.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { vi } from 'vitest';
import { ensureTable } from '#adapters/dynamodb/table.ts';
import { AwsClients } from '#connectors/aws/clients.ts';
import { ENV } from '#functions/shared/contract.ts';
import type { GraphTenantData } from '#test/helpers/graph-server.ts';
import { aLambdaContext } from '#test/helpers/lambda.ts';
import { TEST_CREDENTIALS } from '#test/helpers/moto.ts';

export const REGION = 'us-east-1';
export const BUCKET = 'leash-test-bucket';
export const TABLE = 'leash-test';

/** A handler as the modules export it. */
export type Handler<I, O> = (event: I, context: Context) => Promise<O>;

/** The environment of the functions, pointed at moto; `extra` adds or overrides (by ENV name). */
export function stubHandlerEnv(endpoint: string, extra: Record<string, string> = {}): void {
  const env: Record<string, string> = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: '',
    [ENV.table]: TABLE,
    [ENV.bucket]: BUCKET,
    // Powertools: no log lines or EMF blobs in the test output.
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
    ...extra,
  };
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
}

/**
 * Imports a handler module afresh (after `stubHandlerEnv`) and returns its handler, called with
 * a Lambda context.
 * @param importer `() => import('#functions/analyze-scan.ts')`
 */
export async function loadHandler<I, O>(
  importer: () => Promise<{ handler: Handler<I, O> }>,
): Promise<(event: I) => Promise<O>> {
  vi.resetModules();
  const { handler } = await importer();
  return (event) => handler(event, aLambdaContext());
}

/** Clients with the test credentials, on moto. */
export function motoClients(endpoint: string): AwsClients {
  return new AwsClients({ endpoint, credentials: TEST_CREDENTIALS, homeRegion: REGION });
}

/** A DynamoDB client on moto. */
export function motoDynamo(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: REGION, credentials: TEST_CREDENTIALS });
}

/** Creates the Leash bucket and table. */
export async function createBucketAndTable(endpoint: string): Promise<void> {
  const clients = motoClients(endpoint);
  await clients.s3(REGION).send(new CreateBucketCommand({ Bucket: BUCKET }));
  const dynamo = motoDynamo(endpoint);
  await ensureTable(dynamo, TABLE);
  dynamo.destroy();
  clients.destroy();
}

/** Ids of {@link smallTenant}. */
export const SMALL_TENANT = {
  TENANT: '00000000-0000-0000-0000-0000000000e1',
  CLIENT: '11111111-2222-3333-4444-0000000000e1',
  /** Not a real secret: the loopback token endpoint's only client. */
  SECRET: 'collect-entra-test-secret-not-real',
  GRAPH_SP: 'a0000000-0000-4000-8000-000000000001',
  APP_SP: 'a0000000-0000-4000-8000-000000000002',
  MAIL_READ: 'b0000000-0000-4000-8000-000000000001',
} as const;

/**
 * A tenant for the loopback Graph server, built here (nothing from ../shared/datasets):
 * Microsoft Graph with one application permission, and one app holding it.
 */
export function smallTenant(): GraphTenantData {
  return {
    tenantId: SMALL_TENANT.TENANT,
    clients: [{ clientId: SMALL_TENANT.CLIENT, secret: SMALL_TENANT.SECRET }],
    servicePrincipals: [
      {
        id: SMALL_TENANT.GRAPH_SP,
        appId: '00000003-0000-0000-c000-000000000000',
        displayName: 'Microsoft Graph',
        servicePrincipalType: 'Application',
        accountEnabled: true,
        tags: [],
        keyCredentials: [],
        passwordCredentials: [],
        appOwnerOrganizationId: 'f8cdef31-a31e-4b4a-93e4-5f571e91255a',
        appRoles: [
          {
            id: SMALL_TENANT.MAIL_READ,
            value: 'Mail.Read',
            displayName: 'Read mail in all mailboxes',
            description: 'Read mail',
            allowedMemberTypes: ['Application'],
            isEnabled: true,
            origin: 'Application',
          },
        ],
      },
      {
        id: SMALL_TENANT.APP_SP,
        appId: 'c0000000-0000-4000-8000-000000000002',
        displayName: 'mail-agent',
        servicePrincipalType: 'Application',
        accountEnabled: true,
        tags: [],
        keyCredentials: [],
        passwordCredentials: [],
        appOwnerOrganizationId: SMALL_TENANT.TENANT,
        appRoles: [],
      },
    ],
    applications: [],
    users: [],
    groups: [],
    owners: {},
    sponsors: {},
    appRoleAssignments: [
      {
        id: 'assignment-mail-read',
        principalId: SMALL_TENANT.APP_SP,
        principalType: 'ServicePrincipal',
        principalDisplayName: 'mail-agent',
        resourceId: SMALL_TENANT.GRAPH_SP,
        resourceDisplayName: 'Microsoft Graph',
        appRoleId: SMALL_TENANT.MAIL_READ,
        createdDateTime: '2026-01-01T00:00:00Z',
      },
    ],
    oauth2PermissionGrants: [],
    roleDefinitions: [],
    roleAssignments: [],
    servicePrincipalSignInActivities: [],
    appCredentialSignInActivities: [],
  };
}
