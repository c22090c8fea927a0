/**
 * Plumbing shared by the loopback AWS fakes: an HTTP server on 127.0.0.1 that speaks the AWS JSON protocols
 * (1.0 and 1.1) the way the real SDK v3 clients call them, plus an env helper that points those clients at it.
 * Service fakes (cloudwatch.ts, sqs.ts, ssm.ts) only implement operations on parsed bodies.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** Bodies above this are answered 413 before parsing, so a runaway client cannot exhaust the test's memory. */
export const FAKE_MAX_BODY_BYTES = 16 * 1024 * 1024;

export type AwsJsonContentType = 'application/x-amz-json-1.0' | 'application/x-amz-json-1.1';

/** One decoded request, as a service fake sees it. */
export interface AwsJsonRequest {
  /** `x-amz-target`, e.g. `GraniteServiceVersion20100801.PutMetricData`. */
  target: string;
  /** The part after the dot: `PutMetricData`. */
  operation: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** Size of the JSON after gunzip: what AWS measures payload limits on. */
  bodyBytes: number;
  /** Size on the wire (compressed when `gzip`). */
  wireBytes: number;
  gzip: boolean;
}

export interface AwsJsonReply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * An error answered the AWS way. `queryError` fills `x-amzn-query-error` (`Code;Sender`), which query-compatible
 * services (CloudWatch, SQS) send and the SDK uses to name the exception.
 */
export class AwsServiceError extends Error {
  override name = 'AwsServiceError';
  readonly status: number;
  readonly type: string;
  readonly queryError: string | undefined;
  readonly fault: 'Sender' | 'Receiver';

  constructor(
    status: number,
    type: string,
    message: string,
    init: { queryError?: string; fault?: 'Sender' | 'Receiver' } = {},
  ) {
    super(message);
    this.status = status;
    this.type = type;
    this.queryError = init.queryError;
    this.fault = init.fault ?? (status >= 500 ? 'Receiver' : 'Sender');
  }
}

export interface FakeAwsServer {
  /** `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL_<SERVICE>`. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and drops keep-alive sockets, so jest sees no open handles. */
  close(): Promise<void>;
}

export interface AwsJsonServerOptions {
  contentType: AwsJsonContentType;
  /** SigV4 signing name expected in the credential scope (`monitoring`, `sqs`, `ssm`). */
  signingName: string;
  /** Query-compatible services echo the error code in `x-amzn-query-error`. */
  queryCompatible: boolean;
  handle(request: AwsJsonRequest, server: FakeAwsServer): AwsJsonReply | Promise<AwsJsonReply>;
}

/** What SigV4 puts in Authorization; group 1 is the region, group 2 the signing name. */
export const SIGV4_RE =
  /^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$/;

/** Starts a fake JSON-protocol service on a random loopback port. */
export async function startAwsJsonServer(options: AwsJsonServerOptions): Promise<FakeAwsServer> {
  let fake: FakeAwsServer | undefined;
  const server = createServer((req, res) => {
    handleRequest(req, res, options, fake!).catch((error: unknown) => {
      // A bug in a fake must show up as a failing test, not as a hang.
      const message = error instanceof Error ? error.message : String(error);
      sendError(res, new AwsServiceError(500, 'InternalFailure', `fake crashed: ${message}`), options);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  fake = {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
  return fake;
}

async function handleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  options: AwsJsonServerOptions,
  fake: FakeAwsServer,
): Promise<void> {
  const raw = await readBody(req, FAKE_MAX_BODY_BYTES);
  if (raw === undefined) {
    return sendError(
      res,
      new AwsServiceError(413, 'RequestEntityTooLarge', 'Request entity too large'),
      options,
    );
  }
  if (req.method !== 'POST') {
    return sendError(
      res,
      new AwsServiceError(405, 'MethodNotAllowed', `${req.method} is not supported`),
      options,
    );
  }
  const contentType = req.headers['content-type'];
  if (contentType !== options.contentType) {
    return sendError(
      res,
      new AwsServiceError(
        400,
        'UnknownOperationException',
        `content-type ${contentType} is not ${options.contentType}`,
      ),
      options,
    );
  }
  const auth = SIGV4_RE.exec(req.headers.authorization ?? '');
  if (!auth || auth[2] !== options.signingName || !req.headers['x-amz-date']) {
    return sendError(
      res,
      new AwsServiceError(
        403,
        'MissingAuthenticationTokenException',
        'Missing or malformed SigV4 authorization',
      ),
      options,
    );
  }
  const target = String(req.headers['x-amz-target'] ?? '');
  const gzip = req.headers['content-encoding'] === 'gzip';
  let decoded: Buffer;
  try {
    decoded = gzip ? gunzipSync(raw) : raw;
  } catch {
    return sendError(
      res,
      new AwsServiceError(400, 'SerializationException', 'body is not valid gzip'),
      options,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(decoded.toString('utf8'));
  } catch {
    return sendError(
      res,
      new AwsServiceError(400, 'SerializationException', 'body is not valid JSON'),
      options,
    );
  }
  const request: AwsJsonRequest = {
    target,
    operation: target.slice(target.indexOf('.') + 1),
    headers: req.headers,
    body,
    bodyBytes: decoded.length,
    wireBytes: raw.length,
    gzip,
  };
  try {
    const reply = await options.handle(request, fake);
    const payload = JSON.stringify(reply.body ?? {});
    res.writeHead(reply.status ?? 200, {
      'content-type': options.contentType,
      'content-length': Buffer.byteLength(payload),
      'x-amzn-requestid': randomUUID(),
      ...reply.headers,
    });
    res.end(payload);
  } catch (error) {
    if (error instanceof AwsServiceError) return sendError(res, error, options);
    throw error;
  }
}

function sendError(res: ServerResponse, error: AwsServiceError, options: AwsJsonServerOptions): void {
  const payload = JSON.stringify({ __type: error.type, message: error.message });
  const headers: Record<string, string | number> = {
    'content-type': options.contentType,
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': randomUUID(),
  };
  if (options.queryCompatible)
    headers['x-amzn-query-error'] = `${error.queryError ?? error.type};${error.fault}`;
  res.writeHead(error.status, headers);
  res.end(payload);
}

/** Reads the whole body; undefined when it exceeds `maxBytes` (the rest is drained, not buffered). */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= maxBytes) chunks.push(chunk);
  }
  return size <= maxBytes ? Buffer.concat(chunks) : undefined;
}

/** Service keys of `AWS_ENDPOINT_URL_<SERVICE>` the fakes stand in for. */
export type FakeService = 'CLOUDWATCH' | 'SQS' | 'SSM' | 'SNS' | 'DYNAMODB' | 'S3';

/** Dummy credentials the fakes accept; never real ones. */
export const FAKE_CREDENTIALS = {
  accessKeyId: 'AKIAFAKEFAKEFAKEFAKE',
  secretAccessKey: 'fake-secret',
} as const;
export const FAKE_REGION = 'us-east-1';

// Variables that would otherwise let the developer's own AWS setup leak into a test.
const CLEARED_ENV = [
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_ENDPOINT_URL',
  'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
] as const;

/**
 * Sets what the SDK's standard config reads (dummy credentials, us-east-1, `AWS_ENDPOINT_URL_<SERVICE>`) and
 * returns a function restoring the previous environment. The SDK resolves region, credentials and endpoint
 * lazily on the first `send`, so restore only after the clients under test have sent (e.g. in `afterAll`).
 */
export function setFakeAwsEnv(endpoints: Partial<Record<FakeService, string>>): () => void {
  const next: Record<string, string | undefined> = {
    AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey,
    AWS_REGION: FAKE_REGION,
    AWS_DEFAULT_REGION: FAKE_REGION,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  for (const name of CLEARED_ENV) next[name] = undefined;
  for (const [service, url] of Object.entries(endpoints)) next[`AWS_ENDPOINT_URL_${service}`] = url;

  const previous = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(next)) {
    previous.set(name, process.env[name]);
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return () => {
    for (const [name, value] of previous) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/** Narrowing helpers for fakes validating request bodies. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
