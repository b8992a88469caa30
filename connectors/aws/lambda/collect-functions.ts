/**
 * Inventories the Lambda functions of an account: what each runs as, what it is built from, who
 * may invoke it and what triggers it. Environment variable values can hold secrets: only their
 * names are copied out of the API response, and nothing else of it is kept.
 */
import {
  type FunctionConfiguration,
  GetPolicyCommand,
  type LambdaClient,
  ListTagsCommand,
  paginateListEventSourceMappings,
  paginateListFunctions,
  paginateListFunctionUrlConfigs,
} from '@aws-sdk/client-lambda';
import type { AwsClients } from '#connectors/aws/clients.ts';
import { parseInvokers } from '#connectors/aws/lambda/function-policy.ts';
import { forEachRegion, partitionOf } from '#connectors/aws/regions.ts';
import type { GapRecorder } from '#connectors/shared/coverage.ts';
import { ConnectorError, errorName } from '#connectors/shared/errors.ts';
import { mapLimit } from '#connectors/shared/limit.ts';
import type { LambdaFunctionInfo } from '#core/iam/inventory.ts';

/** Options of {@link collectFunctions}. */
export interface CollectFunctionsOptions {
  accountId: string;
  regions: readonly string[];
  gaps: GapRecorder;
  /**
   * Functions read at once per region (default 4; each runs four calls). Lambda allows 15
   * control-plane requests per second per region for most read APIs; the SDK's adaptive retry
   * slows down when throttled.
   * @see https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
   */
  concurrency?: number;
}

/**
 * Lists every function (the unpublished `$LATEST` configuration) in the given regions with its
 * role, runtime, layers, environment variable names, resource-policy invokers, function URLs,
 * event source mappings and tags. A denied call becomes one coverage gap per API and region; the
 * fields it would have filled stay empty.
 *
 * Calls: `lambda:ListFunctions`, `lambda:GetPolicy`, `lambda:ListFunctionUrlConfigs`,
 * `lambda:ListEventSourceMappings`, `lambda:ListTags`.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/api/API_ListFunctions.html
 * @throws ConnectorError when a call fails for a reason other than access denied or unsupported
 */
export async function collectFunctions(
  clients: AwsClients,
  options: CollectFunctionsOptions,
): Promise<LambdaFunctionInfo[]> {
  const { accountId, regions, gaps, concurrency = 4 } = options;
  return forEachRegion(regions, gaps, async (region, regionGaps) => {
    const client = clients.lambda(region);
    const where = { account: accountId, region };
    const functions = await regionGaps.guard('lambda:ListFunctions', where, async () => {
      const out: LambdaFunctionInfo[] = [];
      for await (const page of paginateListFunctions({ client }, {})) {
        for (const config of page.Functions ?? []) {
          out.push(toFunctionInfo(config, accountId, region));
          if (config.Environment?.Error && !config.Environment.Variables) {
            regionGaps.add({
              provider: 'aws',
              api: 'lambda:ListFunctions',
              ...where,
              reason: 'failed',
              detail: `environment variable names of ${config.FunctionArn} not returned: ${
                config.Environment.Error.ErrorCode ?? 'unknown error'
              }`,
            });
          }
        }
      }
      return out;
    });
    if (!functions) return [];
    return mapLimit(functions, concurrency, (fn) => addResourceDetails(client, fn, regionGaps));
  });
}

/**
 * Shapes one `FunctionConfiguration` from ListFunctions. Copies the environment variable names
 * only: the returned object shares nothing with `config`, so the values are not retained.
 * @throws ConnectorError when the function has no ARN, name or role (always present in AWS)
 */
export function toFunctionInfo(
  config: FunctionConfiguration,
  accountId: string,
  region: string,
): LambdaFunctionInfo {
  const { FunctionArn: arn, FunctionName: name, Role: roleArn } = config;
  if (!arn || !name || !roleArn) {
    throw new ConnectorError(
      `lambda:ListFunctions in ${accountId}/${region} returned a function without ARN, name or role`,
      'lambda:ListFunctions',
    );
  }
  return {
    arn,
    name,
    accountId,
    region,
    roleArn,
    ...(config.Runtime ? { runtime: config.Runtime } : {}),
    ...(config.LastModified ? { lastModified: config.LastModified } : {}),
    environmentVariableNames: Object.keys(config.Environment?.Variables ?? {}).sort(),
    layers: (config.Layers ?? []).flatMap((l) => (l.Arn ? [l.Arn] : [])),
    invokers: [],
    functionUrls: [],
    eventSources: [],
    tags: {},
  };
}

/** Fills invokers, URLs, event sources and tags of one function. */
async function addResourceDetails(
  client: LambdaClient,
  fn: LambdaFunctionInfo,
  gaps: GapRecorder,
): Promise<LambdaFunctionInfo> {
  const where = { account: fn.accountId, region: fn.region };
  // A function deleted between ListFunctions and these calls answers ResourceNotFoundException;
  // GetPolicy also answers it for a function that has no policy.
  const [policy, urls, sources, tags] = await Promise.all([
    gaps.guard('lambda:GetPolicy', where, () =>
      orIfNotFound(async () => {
        const out = await client.send(new GetPolicyCommand({ FunctionName: fn.arn }));
        return out.Policy;
      }, undefined),
    ),
    gaps.guard('lambda:ListFunctionUrlConfigs', where, () =>
      orIfNotFound(async () => {
        const out: LambdaFunctionInfo['functionUrls'] = [];
        const pages = paginateListFunctionUrlConfigs({ client }, { FunctionName: fn.arn });
        for await (const page of pages) {
          for (const u of page.FunctionUrlConfigs ?? []) {
            if (u.FunctionUrl) out.push({ url: u.FunctionUrl, authType: u.AuthType ?? 'unknown' });
          }
        }
        return out;
      }, []),
    ),
    gaps.guard('lambda:ListEventSourceMappings', where, () =>
      orIfNotFound(async () => {
        const out: LambdaFunctionInfo['eventSources'] = [];
        // The function name, not its ARN: both are documented, but emulators match names only.
        const pages = paginateListEventSourceMappings({ client }, { FunctionName: fn.name });
        for await (const page of pages) {
          for (const m of page.EventSourceMappings ?? []) {
            const kafka = m.SelfManagedEventSource?.Endpoints?.KAFKA_BOOTSTRAP_SERVERS;
            // Self-managed Kafka has no source ARN: name it by its bootstrap servers.
            const arn = m.EventSourceArn ?? (kafka ? `kafka://${kafka.join(',')}` : undefined);
            if (!arn) continue;
            out.push({
              arn,
              ...(m.State ? { state: m.State } : {}),
              ...(m.UUID ? { uuid: m.UUID } : {}),
            });
          }
        }
        return out;
      }, []),
    ),
    gaps.guard('lambda:ListTags', where, () =>
      orIfNotFound(async () => {
        const out = await client.send(new ListTagsCommand({ Resource: fn.arn }));
        return out.Tags ?? {};
      }, {}),
    ),
  ]);
  return {
    ...fn,
    invokers: policy ? invokersOf(policy, fn) : [],
    functionUrls: urls ?? [],
    eventSources: sources ?? [],
    tags: tags ?? {},
  };
}

function invokersOf(policy: string, fn: LambdaFunctionInfo): LambdaFunctionInfo['invokers'] {
  try {
    return parseInvokers(policy, fn.arn.split(':')[1] ?? partitionOf(fn.region));
  } catch (err) {
    throw new ConnectorError(
      `lambda:GetPolicy returned a policy for ${fn.arn} that is not JSON`,
      'lambda:GetPolicy',
      {
        cause: err,
      },
    );
  }
}

async function orIfNotFound<T>(fn: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (errorName(err) === 'ResourceNotFoundException') return fallback;
    throw err;
  }
}
