/**
 * Starts dynalite (in memory unless a path is given) on 127.0.0.1 for the DynamoDB repository
 * tests, through the same embedded-store code the CLI uses.
 */
import {
  type EmbeddedDynamo,
  type EmbeddedDynamoOptions,
  startEmbeddedDynamo,
} from '#adapters/dynamodb/embedded.ts';

export type { EmbeddedDynamo };

/** Starts dynalite on a free loopback port with the Leash table created. */
export function startDynalite(options: EmbeddedDynamoOptions = {}): Promise<EmbeddedDynamo> {
  return startEmbeddedDynamo(options);
}
