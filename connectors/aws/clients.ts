/**
 * One place that builds AWS SDK v3 clients for the live connectors: adaptive retries with
 * backoff (throttling, timeouts, 5xx), request timeouts, and an optional endpoint override that
 * the integration tests point at a moto server on loopback. Connectors never build clients
 * themselves and never read the environment.
 */
import { AccountClient } from '@aws-sdk/client-account';
import { BedrockAgentClient } from '@aws-sdk/client-bedrock-agent';
import { BedrockAgentCoreControlClient } from '@aws-sdk/client-bedrock-agentcore-control';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** Options shared by every client. */
export interface AwsClientOptions {
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Endpoint for every service (tests: the moto server). */
  endpoint?: string;
  /** Attempts per call including the first (adaptive retry mode). */
  maxAttempts?: number;
  /** Milliseconds before a request is abandoned and retried. */
  requestTimeoutMs?: number;
  /** Region for global services (IAM, Organizations): us-east-1 in the aws partition. */
  homeRegion?: string;
  /** Applied to every client made (the Lambdas wrap clients with the X-Ray tracer). */
  instrument?: <C>(client: C) => C;
}

type Ctor<C> = new (config: Record<string, unknown>) => C;

/** Builds and caches clients per service and region. */
export class AwsClients {
  private readonly cache = new Map<string, unknown>();

  constructor(readonly options: AwsClientOptions = {}) {}

  /** Clients for the same endpoint with other credentials (a role assumed in a member account). */
  withCredentials(credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider): AwsClients {
    return new AwsClients({ ...this.options, credentials });
  }

  private get<C>(
    name: string,
    ctor: Ctor<C>,
    region: string,
    extra: Record<string, unknown> = {},
  ): C {
    const key = `${name}|${region}`;
    let client = this.cache.get(key) as C | undefined;
    if (!client) {
      const o = this.options;
      client = new ctor({
        region,
        retryMode: 'adaptive',
        maxAttempts: o.maxAttempts ?? 8,
        requestHandler: { requestTimeout: o.requestTimeoutMs ?? 30_000, connectionTimeout: 5_000 },
        ...(o.credentials ? { credentials: o.credentials } : {}),
        ...(o.endpoint ? { endpoint: o.endpoint } : {}),
        ...extra,
      });
      if (o.instrument) client = o.instrument(client);
      this.cache.set(key, client);
    }
    return client;
  }

  private get home(): string {
    return this.options.homeRegion ?? 'us-east-1';
  }

  iam(): IAMClient {
    return this.get('iam', IAMClient, this.home);
  }
  organizations(): OrganizationsClient {
    return this.get('organizations', OrganizationsClient, this.home);
  }
  account(): AccountClient {
    return this.get('account', AccountClient, this.home);
  }
  sts(region = this.home): STSClient {
    return this.get('sts', STSClient, region);
  }
  ec2(region: string): EC2Client {
    return this.get('ec2', EC2Client, region);
  }
  cloudtrail(region: string): CloudTrailClient {
    return this.get('cloudtrail', CloudTrailClient, region);
  }
  s3(region: string): S3Client {
    // Path-style addressing keeps bucket names out of the host name (needed on loopback).
    return this.get('s3', S3Client, region, this.options.endpoint ? { forcePathStyle: true } : {});
  }
  lambda(region: string): LambdaClient {
    return this.get('lambda', LambdaClient, region);
  }
  bedrockAgent(region: string): BedrockAgentClient {
    return this.get('bedrock-agent', BedrockAgentClient, region);
  }
  agentCore(region: string): BedrockAgentCoreControlClient {
    return this.get('bedrock-agentcore-control', BedrockAgentCoreControlClient, region);
  }

  /** Closes every client's sockets. */
  destroy(): void {
    for (const c of this.cache.values()) (c as { destroy(): void }).destroy();
    this.cache.clear();
  }
}
