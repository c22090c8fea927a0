/**
 * Loopback S3 for the object operations the rate-state store uses, as `@aws-sdk/client-s3` sends them (REST-XML):
 * GetObject, HeadObject and PutObject, path-style (`/bucket/key`, what the SDK does for an IP endpoint such as
 * `AWS_ENDPOINT_URL_S3=http://127.0.0.1:PORT`) or virtual-host style (`bucket.localhost`). Like S3:
 * - ETags are the quoted MD5 of the body; `If-Match` / `If-None-Match: *` on PutObject are checked, a failed one is
 *   412 PreconditionFailed (with the XML error body the SDK parses into its exception);
 * - a missing key is 404 NoSuchKey (GET) or a bare 404 (HEAD), a missing bucket 404 NoSuchBucket;
 * - the payload must match `x-amz-content-sha256` and, when sent, `x-amz-checksum-crc32`, else 400;
 * - requests must carry a SigV4 Authorization for service s3.
 * `beforePut` lets a test hold a write while another one goes through (races are tested that way).
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import { FAKE_MAX_BODY_BYTES, type FakeAwsServer, readBody, SIGV4_RE } from './aws';

interface StoredObject {
  body: Buffer;
  etag: string;
  contentType: string;
  lastModified: Date;
}

export interface S3Call {
  method: string;
  bucket: string;
  key: string;
  status: number;
  /** The conditional header of a PUT, as sent. */
  condition?: string;
}

export interface FakeS3 extends FakeAwsServer {
  readonly calls: S3Call[];
  /** The objects of a bucket, by key (tests plant corrupt objects or read what was written). */
  objects(bucket: string): Map<string, StoredObject>;
  /** Sets an object as if another writer had put it (a new ETag). */
  plant(bucket: string, key: string, body: Buffer): void;
  /** Called after a PUT's body arrived and before its condition is checked. */
  beforePut: ((bucket: string, key: string) => Promise<void>) | undefined;
}

const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

function xmlEscape(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function sendXmlError(res: ServerResponse, status: number, code: string, message: string, extra = ''): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>${extra}<RequestId>${randomUUID()}</RequestId></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Bucket and key of a request, path-style or virtual-host style. */
function locate(req: IncomingMessage): { bucket: string; key: string } | undefined {
  const url = new URL(req.url ?? '/', 'http://fake');
  const host = (req.headers.host ?? '').split(':')[0] ?? '';
  const path = url.pathname.split('/').slice(1).map(decodeURIComponent);
  if (/^[a-z0-9.-]+\.localhost$/.test(host)) {
    return { bucket: host.slice(0, -'.localhost'.length), key: path.join('/') };
  }
  const [bucket, ...key] = path;
  return bucket === undefined || bucket === '' ? undefined : { bucket, key: key.join('/') };
}

export async function startFakeS3(buckets: readonly string[]): Promise<FakeS3> {
  const store = new Map<string, Map<string, StoredObject>>(buckets.map((bucket) => [bucket, new Map()]));
  const calls: S3Call[] = [];
  const put = (bucket: string, key: string, body: Buffer, contentType: string) => {
    store.get(bucket)!.set(key, {
      body,
      etag: `"${createHash('md5').update(body).digest('hex')}"`,
      contentType,
      lastModified: new Date(),
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req, FAKE_MAX_BODY_BYTES);
    const where = locate(req);
    const method = req.method ?? 'GET';
    const record = (status: number, condition?: string) =>
      calls.push({
        method,
        bucket: where?.bucket ?? '',
        key: where?.key ?? '',
        status,
        ...(condition === undefined ? {} : { condition }),
      });
    const auth = SIGV4_RE.exec(req.headers.authorization ?? '');
    if (auth?.[2] !== 's3') {
      record(403);
      return sendXmlError(res, 403, 'AccessDenied', 'missing or malformed SigV4 Authorization for s3');
    }
    if (body === undefined) {
      record(400);
      return sendXmlError(
        res,
        400,
        'EntityTooLarge',
        'Your proposed upload exceeds the maximum allowed size',
      );
    }
    if (where === undefined || where.key === '') {
      record(400);
      return sendXmlError(res, 400, 'InvalidRequest', 'only object operations are supported by this fake');
    }
    const objects = store.get(where.bucket);
    if (objects === undefined) {
      record(404);
      return sendXmlError(res, 404, 'NoSuchBucket', 'The specified bucket does not exist');
    }
    const current = objects.get(where.key);

    if (method === 'GET' || method === 'HEAD') {
      if (current === undefined) {
        record(404);
        if (method === 'HEAD') {
          res.writeHead(404);
          res.end();
          return;
        }
        return sendXmlError(
          res,
          404,
          'NoSuchKey',
          'The specified key does not exist.',
          `<Key>${xmlEscape(where.key)}</Key>`,
        );
      }
      record(200);
      res.writeHead(200, {
        etag: current.etag,
        'content-type': current.contentType,
        'content-length': current.body.length,
        'last-modified': current.lastModified.toUTCString(),
      });
      res.end(method === 'HEAD' ? undefined : current.body);
      return;
    }

    if (method !== 'PUT') {
      record(405);
      return sendXmlError(res, 405, 'MethodNotAllowed', `${method} is not supported by this fake`);
    }
    const declared = String(req.headers['x-amz-content-sha256'] ?? '');
    const actual = body.length === 0 ? EMPTY_SHA256 : createHash('sha256').update(body).digest('hex');
    if (declared !== 'UNSIGNED-PAYLOAD' && declared !== actual) {
      record(400);
      return sendXmlError(
        res,
        400,
        'XAmzContentSHA256Mismatch',
        'The provided x-amz-content-sha256 header does not match what was computed.',
      );
    }
    const checksum = req.headers['x-amz-checksum-crc32'];
    if (checksum !== undefined) {
      const expected = Buffer.alloc(4);
      expected.writeUInt32BE(crc32(body));
      if (checksum !== expected.toString('base64')) {
        record(400);
        return sendXmlError(
          res,
          400,
          'BadDigest',
          'The CRC32 you specified did not match the calculated checksum.',
        );
      }
    }
    await fake.beforePut?.(where.bucket, where.key);
    const ifMatch = req.headers['if-match'];
    const ifNoneMatch = req.headers['if-none-match'];
    const latest = objects.get(where.key);
    const condition =
      ifMatch !== undefined
        ? `If-Match: ${ifMatch}`
        : ifNoneMatch !== undefined
          ? `If-None-Match: ${ifNoneMatch}`
          : undefined;
    if (ifNoneMatch !== undefined && ifNoneMatch !== '*') {
      record(501, condition);
      return sendXmlError(res, 501, 'NotImplemented', 'If-None-Match on PutObject only takes *');
    }
    const failed =
      (ifMatch !== undefined && (latest === undefined || latest.etag !== ifMatch)) ||
      (ifNoneMatch === '*' && latest !== undefined);
    if (failed) {
      record(412, condition);
      const header = ifMatch !== undefined ? 'If-Match' : 'If-None-Match';
      return sendXmlError(
        res,
        412,
        'PreconditionFailed',
        'At least one of the pre-conditions you specified did not hold',
        `<Condition>${header}</Condition>`,
      );
    }
    put(where.bucket, where.key, body, String(req.headers['content-type'] ?? 'binary/octet-stream'));
    record(200, condition);
    res.writeHead(200, { etag: objects.get(where.key)!.etag, 'content-length': 0 });
    res.end();
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (!res.headersSent) sendXmlError(res, 500, 'InternalError', `fake crashed: ${message}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const fake: FakeS3 = {
    url: `http://127.0.0.1:${port}`,
    port,
    calls,
    beforePut: undefined,
    objects: (bucket) => store.get(bucket) ?? new Map(),
    plant: (bucket, key, body) => put(bucket, key, body, 'application/gzip'),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
  return fake;
}
