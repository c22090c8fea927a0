/**
 * State objects in S3 (the probe Lambda: bucket `VIGIL_STATE_BUCKET`, created by the deployment). Conditional
 * writes do the compare-and-swap: `If-Match: <ETag>` to replace the object read, `If-None-Match: *` to create it.
 * S3 answers 412 PreconditionFailed when another writer came first, and 409 ConditionalRequestConflict when one is
 * writing the same key at that moment; both are a lost race. The SDK's standard configuration applies (region,
 * credentials, `AWS_ENDPOINT_URL_S3` for a local endpoint).
 */
import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { StateObjects } from './types';

const LOST_RACE_STATUSES: ReadonlySet<number> = new Set([409, 412]);

let sharedClient: S3Client | undefined;

export function s3StateObjects(bucket: string, client?: S3Client): StateObjects {
  const s3 = () => {
    if (client) return client;
    sharedClient ??= new S3Client({});
    return sharedClient;
  };
  return {
    describe: (key) => `s3://${bucket}/${key}`,
    async get(key) {
      try {
        const response = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        const body = Buffer.from((await response.Body?.transformToByteArray()) ?? []);
        const token = response.ETag;
        if (token === undefined) throw new Error(`s3://${bucket}/${key}: GetObject answered without an ETag`);
        return { body, version: { exists: true, token } };
      } catch (error) {
        if (error instanceof S3ServiceException && error.name === 'NoSuchKey') return undefined;
        throw error;
      }
    },
    async put(key, body, expected) {
      try {
        await s3().send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentType: 'application/gzip',
            ...(expected.exists ? { IfMatch: expected.token } : { IfNoneMatch: '*' }),
          }),
        );
        return 'written';
      } catch (error) {
        if (
          error instanceof S3ServiceException &&
          LOST_RACE_STATUSES.has(error.$metadata.httpStatusCode ?? 0)
        ) {
          return 'conflict';
        }
        throw error;
      }
    },
  };
}
