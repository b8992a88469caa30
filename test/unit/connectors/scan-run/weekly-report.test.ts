import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { LINK_SECONDS, linkLifetime } from '#connectors/scan-run/weekly-report.ts';

const NOW = Date.parse('2026-11-23T07:00:00Z');

/** A bucket whose client signs with credentials expiring at `expiration`. */
function bucketExpiring(expiration?: Date) {
  const s3 = new S3Client({
    region: 'us-east-1',
    credentials: async () => ({
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'test-secret-not-real',
      ...(expiration ? { expiration } : {}),
    }),
  });
  return { s3, name: 'leash-bucket' };
}

describe('linkLifetime', () => {
  it('never promises a link past the expiry of the credentials that sign it', async () => {
    // Arrange: a Lambda role session with two hours left
    const bucket = bucketExpiring(new Date(NOW + 2 * 3600_000));
    // Act
    const seconds = await linkLifetime(bucket, NOW);
    // Assert: two hours less a minute
    expect(seconds).toBe(2 * 3600 - 60);
  });

  it('gives the SigV4 maximum of 7 days to credentials without expiry', async () => {
    // Arrange, Act
    const seconds = await linkLifetime(bucketExpiring(), NOW);
    // Assert
    expect(seconds).toBe(LINK_SECONDS);
    expect(LINK_SECONDS).toBe(7 * 24 * 3600);
  });

  it('caps long sessions at 7 days and keeps at least a minute for nearly expired ones', async () => {
    // Arrange, Act
    const long = await linkLifetime(bucketExpiring(new Date(NOW + 30 * 86_400_000)), NOW);
    const nearly = await linkLifetime(bucketExpiring(new Date(NOW + 10_000)), NOW);
    // Assert
    expect(long).toBe(LINK_SECONDS);
    expect(nearly).toBe(60);
  });
});
