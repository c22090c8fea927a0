/**
 * Publishes datums: PutMetricData through the real SDK, with CloudWatch Embedded Metric Format on stdout as the
 * fallback, so every datum ends up sent, written as EMF, or reported in `failed` — none silently lost.
 *
 * - Endpoint, region, credentials and retry mode come from the SDK's standard config (env, Lambda role), so
 *   the same code runs in Lambda and against test/fakes/cloudwatch.ts (`AWS_ENDPOINT_URL_CLOUDWATCH`).
 * - Throttling and 5xx are retried by the client's retry strategy; `signal` (the Lambda deadline) bounds the
 *   attempts and the backoff between them.
 * - A request CloudWatch refuses as invalid is bisected until the offending datums are isolated, so one bad
 *   datum costs ~2·log2(n) extra requests instead of its 999 neighbours (capped per call, see below).
 * - Anything else that keeps a batch from CloudWatch (retries exhausted, deadline, network, permissions) sends
 *   the batch to EMF. A request cut off by the deadline may still have been stored by CloudWatch; writing it as
 *   EMF too double-counts rather than loses (EMF is at-least-once anyway).
 */
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { type Datum, datumProblem, describeDatum } from './datums';
import { emfProblem, toEmfLines } from './emf';
import { packBatches } from './pack';

export type PublishMode = 'cloudwatch' | 'emf';

export interface PublishOptions {
  /** Defaults to one shared client built from the standard SDK config (reused across warm invocations). */
  client?: CloudWatchClient;
  /** Aborts in-flight requests and retries, e.g. shortly before the Lambda deadline (see `deadlineSignal`). */
  signal?: AbortSignal;
  /** Requests in flight at once; default `PUBLISH_DEFAULT_CONCURRENCY`. */
  concurrency?: number;
  /** `emf` skips the API and writes every datum as EMF. Default `cloudwatch`. */
  mode?: PublishMode;
  /** Where EMF lines go (without trailing newline); default process.stdout. */
  writeLine?: (line: string) => void;
}

export interface PublishReport {
  /** PutMetricData calls made (SDK retries of one call not counted; bisection halves are). */
  requests: number;
  /** Datums CloudWatch accepted. */
  sent: number;
  /** Datums written as EMF lines instead. */
  viaEmf: number;
  /**
   * Why datums meant for PutMetricData went to EMF instead, grouped by reason (empty in `emf` mode, where EMF is
   * the plan). In Lambda, EMF still becomes metrics; from a terminal it does not, so the CLI treats these as lost.
   */
  fallback: { error: string; datums: number }[];
  /** Datums neither CloudWatch nor EMF can take (invalid), grouped by error. */
  failed: { error: string; datums: number }[];
}

/**
 * Four requests at once stay well under the 500 TPS account quota shared with every other caller, while a
 * run's typical 1-10 requests still go out in one or two rounds.
 */
export const PUBLISH_DEFAULT_CONCURRENCY = 4;
/** Time kept back from the Lambda deadline for writing EMF lines and returning. */
export const PUBLISH_DEADLINE_MARGIN_MS = 1_000;

const NAMESPACE_MAX_CHARS = 255;

// Error names (the SDK's modelled exception and the `x-amzn-query-error` code) meaning "this request's content
// is wrong": bisect it rather than fall back, because EMF would carry the same bad datum.
const REJECTED_CONTENT_ERRORS: ReadonlySet<string> = new Set([
  'InvalidParameterValue',
  'InvalidParameterValueException',
  'InvalidParameterCombination',
  'InvalidParameterCombinationException',
  'MissingParameter',
  'MissingRequiredParameterException',
  'RequestEntityTooLarge',
]);
const HTTP_PAYLOAD_TOO_LARGE = 413;
/**
 * Extra requests one publish may spend bisecting refused batches: isolating one bad datum in 1,000 takes ~20,
 * but a systemic refusal (every timestamp out of the window after a clock jump) would take 2n, against the
 * account's shared 500 TPS. Past the budget a refused batch is reported whole.
 */
export const PUBLISH_BISECT_MAX_REQUESTS = 64;

let sharedClient: CloudWatchClient | undefined;

/** Publishes datums to CloudWatch (bounded concurrency, SDK retries), falling back to EMF lines on stdout. */
export async function publishDatums(
  namespace: string,
  datums: readonly Datum[],
  options: PublishOptions = {},
): Promise<PublishReport> {
  const report: PublishReport = { requests: 0, sent: 0, viaEmf: 0, failed: [], fallback: [] };
  const writeLine = options.writeLine ?? ((line: string) => process.stdout.write(`${line}\n`));

  const namespaceIssue = namespaceProblem(namespace);
  if (namespaceIssue) {
    if (datums.length > 0)
      report.failed.push({ error: `namespace "${namespace}": ${namespaceIssue}`, datums: datums.length });
    return report;
  }

  const valid: Datum[] = [];
  const failures = new Map<string, number>();
  const fail = (error: string, count: number) => failures.set(error, (failures.get(error) ?? 0) + count);
  for (const datum of datums) {
    const problem = datumProblem(datum);
    if (problem) fail(`${describeDatum(datum)}: ${problem}`, 1);
    else valid.push(datum);
  }

  const fallback: Datum[] = [];
  const fallbackReasons = new Map<string, number>();
  const fallBack = (batch: readonly Datum[], why: string) => {
    fallback.push(...batch);
    fallbackReasons.set(why, (fallbackReasons.get(why) ?? 0) + batch.length);
  };
  if (options.mode === 'emf') {
    fallback.push(...valid);
  } else {
    const client = options.client ?? defaultClient();
    const batches = packBatches(namespace, valid);
    let bisectBudget = PUBLISH_BISECT_MAX_REQUESTS;
    const send = async (batch: Datum[]): Promise<void> => {
      if (options.signal?.aborted) {
        fallBack(batch, 'the deadline passed before the request was sent');
        return;
      }
      report.requests++;
      try {
        await client.send(
          new PutMetricDataCommand({ Namespace: namespace, MetricData: batch }),
          options.signal ? { abortSignal: options.signal } : {},
        );
        report.sent += batch.length;
      } catch (error) {
        if (!isRejectedContent(error)) {
          fallBack(
            batch,
            options.signal?.aborted
              ? `the deadline passed while waiting for CloudWatch (${errorText(error)})`
              : errorText(error),
          );
        } else if (batch.length === 1) {
          fail(`${describeDatum(batch[0]!)}: CloudWatch refused it: ${errorText(error)}`, 1);
        } else if (bisectBudget < 2) {
          fail(`CloudWatch refused a batch (not bisected further): ${errorText(error)}`, batch.length);
        } else {
          bisectBudget -= 2;
          const middle = Math.ceil(batch.length / 2);
          await send(batch.slice(0, middle));
          await send(batch.slice(middle));
        }
      }
    };
    await forEachBounded(batches, options.concurrency ?? PUBLISH_DEFAULT_CONCURRENCY, send);
  }

  const emfReady: Datum[] = [];
  for (const datum of fallback) {
    const problem = emfProblem(datum);
    if (problem) fail(`${describeDatum(datum)}: not sent, and ${problem}`, 1);
    else emfReady.push(datum);
  }
  for (const line of toEmfLines(namespace, emfReady)) writeLine(line);
  report.viaEmf = emfReady.length;
  report.failed = [...failures].map(([error, count]) => ({ error, datums: count }));
  report.fallback = [...fallbackReasons].map(([error, count]) => ({ error, datums: count }));
  return report;
}

/** Built on first use and kept for warm invocations: a new client per run would redo TLS and credentials. */
function defaultClient(): CloudWatchClient {
  sharedClient ??= new CloudWatchClient({});
  return sharedClient;
}

/** An AbortSignal firing `marginMs` before the Lambda deadline (pass `context.getRemainingTimeInMillis`). */
export function deadlineSignal(
  getRemainingTimeInMillis: () => number,
  marginMs: number = PUBLISH_DEADLINE_MARGIN_MS,
): AbortSignal {
  return AbortSignal.timeout(Math.max(0, getRemainingTimeInMillis() - marginMs));
}

function namespaceProblem(namespace: string): string | undefined {
  if (namespace.length === 0 || namespace.length > NAMESPACE_MAX_CHARS) {
    return `must be 1-${NAMESPACE_MAX_CHARS} characters`;
  }
  if (namespace.startsWith('AWS/')) return 'the AWS/ prefix is reserved for AWS services';
  if (namespace.startsWith(':')) return 'must not start with ":"';
  return undefined;
}

function isRejectedContent(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const code = (error as { Code?: unknown }).Code;
  return (
    REJECTED_CONTENT_ERRORS.has(error.name) ||
    (typeof code === 'string' && REJECTED_CONTENT_ERRORS.has(code)) ||
    status === HTTP_PAYLOAD_TOO_LARGE
  );
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Runs `work` over `items` with at most `limit` promises pending. */
async function forEachBounded<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  const workers = Math.max(1, Math.min(Math.floor(limit) || 1, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
}
