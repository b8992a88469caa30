/**
 * The few S3 operations the scan-run steps make on the Leash bucket: read an object as text or
 * JSON (gunzipped when it was stored gzipped), write one, and list keys under a prefix page by
 * page. Reads of a missing key return undefined, because "not written yet" is a normal state
 * between steps; every other failure is thrown.
 */
import { gunzipSync } from 'node:zlib';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

/** An S3 bucket and the client that reaches it. */
export interface Bucket {
  s3: S3Client;
  name: string;
}

/** One listed object. */
export interface ListedObject {
  key: string;
  size: number;
  lastModified: number;
}

/**
 * Reads an object's bytes, gunzipped when it is gzip (by magic number, whatever its headers).
 * @returns undefined when the key does not exist
 */
export async function getBytes(bucket: Bucket, key: string): Promise<Buffer | undefined> {
  try {
    const out = await bucket.s3.send(new GetObjectCommand({ Bucket: bucket.name, Key: key }));
    const body = Buffer.from(await out.Body!.transformToByteArray());
    return body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : body;
  } catch (err) {
    if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey')
      return undefined;
    throw err;
  }
}

/**
 * Reads an object as parsed JSON.
 * @returns undefined when the key does not exist
 * @throws Error naming the key when the object is not JSON
 */
export async function getJson(bucket: Bucket, key: string): Promise<unknown> {
  const bytes = await getBytes(bucket, key);
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new Error(`s3://${bucket.name}/${key} is not JSON`, { cause: err });
  }
}

/** Writes a text object. */
export async function putText(
  bucket: Bucket,
  key: string,
  text: string,
  contentType: string,
): Promise<void> {
  await bucket.s3.send(
    new PutObjectCommand({
      Bucket: bucket.name,
      Key: key,
      Body: text,
      ContentType: contentType,
    }),
  );
}

/** Writes a JSON object (pretty-printed: people open these files). */
export function putJson(bucket: Bucket, key: string, value: unknown): Promise<void> {
  return putText(bucket, key, `${JSON.stringify(value, null, 2)}\n`, 'application/json');
}

/** Lists every object under a prefix, page by page, in key order. */
export async function* listObjects(bucket: Bucket, prefix: string): AsyncIterable<ListedObject> {
  let token: string | undefined;
  do {
    const out = await bucket.s3.send(
      new ListObjectsV2Command({ Bucket: bucket.name, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of out.Contents ?? [])
      if (o.Key)
        yield { key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified?.getTime() ?? 0 };
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
}

/** Lists the "folders" directly under a prefix (`findings/2026-11-15/`), in key order. */
export async function* listFolders(bucket: Bucket, prefix: string): AsyncIterable<string> {
  let token: string | undefined;
  do {
    const out = await bucket.s3.send(
      new ListObjectsV2Command({
        Bucket: bucket.name,
        Prefix: prefix,
        Delimiter: '/',
        ContinuationToken: token,
      }),
    );
    for (const p of out.CommonPrefixes ?? []) if (p.Prefix) yield p.Prefix;
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
}
