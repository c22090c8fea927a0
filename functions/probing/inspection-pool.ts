/**
 * Where body inspection runs, so a heavy page costs only itself (issue 8, measured in bench/heavy-pages.ts).
 *
 * Parsing a 10 MB Prometheus page or a 1.3M-node JSON document takes seconds of CPU and hundreds of MB. On the
 * event loop every other probe's timers share, that gave healthy targets false timeouts and the round a peak RSS
 * far over the Lambda's 512 MB. Chosen by measurement (bench/heavy-pages.ts, before and after):
 * - bodies up to INLINE_MAX_BYTES are inspected on the main thread: they take about a millisecond, and most pages
 *   (node_exporter's is 60 KB) never pay for a worker;
 * - larger ones go, one at a time, to a worker thread whose heap is capped (INSPECTION_HEAP_MB, about 13× the
 *   default 10 MB body cap): the event loop stays free, and a page that needs more than the cap kills only its
 *   worker and fails only its target (reason `parse`, saying so). The body's memory is moved, not copied.
 *   Measured: eight 10 MB pages in one round peak at ~410 MB RSS with 128 MB (435 MB with 192 MB, where a
 *   750k-series page still fits); before, 734 MB and every healthy target timed out.
 * A worker, not chunked parsing with yields: yielding keeps timers honest but bounds no memory, and would have to
 * be written into every parser and evaluator (the PromQL engine included) instead of once here.
 *
 * The worker is this very module loaded again in a worker thread (in the Lambda bundle, the bundle itself), so
 * nothing else needs packaging; a bundle's entry must therefore do nothing at load but define things (the
 * handler does), or check `isMainThread`.
 */
import { isMainThread, parentPort, type TransferListItem, Worker, workerData } from 'node:worker_threads';
import { type PackedHistory, packHistory, unpackHistory } from './history-transfer';
import { type Interpretation, type InterpretRequest, interpret } from './interpret';

/** Bodies up to this are inspected inline: at the parser's ~250 MB/s that is about a millisecond. */
export const INLINE_MAX_BYTES = 256 * 1024;
/** Old-generation heap of the inspection worker; a page needing more fails its target only (see above). */
export const INSPECTION_HEAP_MB = 128;
const INSPECTION_YOUNG_HEAP_MB = 16;
/**
 * One worker: the probe Lambda's 512 MB gets roughly a third of a vCPU, so a second worker would not inspect
 * faster, and its heap would have to come out of the same 512 MB.
 */
const INSPECTION_WORKERS = 1;

const WORKER_MARKER = 'vigil-inspection-worker';

/** The request as it crosses: the body moved, the history packed in typed arrays (history-transfer.ts). */
type WorkerRequest = {
  id: number;
  request: Omit<InterpretRequest, 'history'> & { history: PackedHistory };
};
type WorkerReply = { id: number; interpretation: Interpretation } | { id: number; error: string };

interface Job {
  id: number;
  request: InterpretRequest;
  resolve(interpretation: Interpretation): void;
}

/** A failed inspection as a target failure: the page was too heavy, or the worker broke. */
function failed(detail: string, reason: 'parse' | 'deadline' = 'parse'): Interpretation {
  return {
    inspection: { failure: { reason, detail }, values: [], warnings: [] },
    failedConditions: [],
  };
}

/** The round ended first: the target was not probed to the end (nothing published, run.ts). */
const cutByDeadline = () => failed('the round ran out of time before this page was inspected', 'deadline');

/** The body as an ArrayBuffer of its own, so it can be moved to the worker without detaching a shared pool slab. */
function ownedBody(body: Buffer): ArrayBuffer {
  if (
    body.byteOffset === 0 &&
    body.byteLength === body.buffer.byteLength &&
    body.buffer instanceof ArrayBuffer
  ) {
    return body.buffer;
  }
  const copy = new ArrayBuffer(body.byteLength);
  new Uint8Array(copy).set(body);
  return copy;
}

function workerSource(): { source: string; eval: boolean } {
  // Under tsx or jest this module is TypeScript: register tsx in the worker first. In the esbuild bundle it is JS.
  if (__filename.endsWith('.ts')) {
    return {
      source: `require('tsx/cjs/api').register(); require(${JSON.stringify(__filename)});`,
      eval: true,
    };
  }
  return { source: __filename, eval: false };
}

class InspectionWorker {
  private worker: Worker | undefined;
  private current: Job | undefined;

  get busy(): boolean {
    return this.current !== undefined;
  }

  run(job: Job): void {
    this.current = job;
    const worker = this.worker ?? this.start();
    worker.ref();
    const { response } = job.request;
    const body = ownedBody(response.body);
    // The Buffer is rebuilt in the worker; structured clone would drop its Buffer-ness anyway.
    const message: WorkerRequest = {
      id: job.id,
      request: {
        ...job.request,
        response: { ...response, body: new Uint8Array(body) as unknown as Buffer },
        history: packHistory(job.request.history),
      },
    };
    worker.postMessage(message, [body as TransferListItem]);
  }

  private start(): Worker {
    const { source, eval: isEval } = workerSource();
    const worker = new Worker(source, {
      eval: isEval,
      workerData: { [WORKER_MARKER]: true },
      resourceLimits: {
        maxOldGenerationSizeMb: INSPECTION_HEAP_MB,
        maxYoungGenerationSizeMb: INSPECTION_YOUNG_HEAP_MB,
      },
    });
    // Events of a worker that was already replaced (its 'exit' after an 'error') concern no current job.
    const active = () => this.worker === worker;
    worker.on('message', (reply: WorkerReply) => {
      const job = this.current;
      if (!active() || job === undefined || reply.id !== job.id) return;
      this.finish('error' in reply ? failed(`inspection failed: ${reply.error}`) : reply.interpretation);
    });
    worker.on('error', (error: NodeJS.ErrnoException) => {
      if (!active()) return;
      const detail =
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? `inspecting this page needed more than the ${INSPECTION_HEAP_MB} MB it may use (the page is too heavy: select fewer series or lower maxBodySize)`
          : `inspection worker failed: ${error.message}`;
      this.worker = undefined;
      this.finish(failed(detail));
    });
    worker.on('exit', () => {
      if (!active()) return;
      this.worker = undefined;
      if (this.current) this.finish(failed('inspection worker exited'));
    });
    this.worker = worker;
    return worker;
  }

  /** The round ended while `job` runs here: the worker is stopped (the next job starts a fresh one). */
  abort(job: Job): boolean {
    if (this.current !== job) return false;
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
    this.finish(cutByDeadline());
    return true;
  }

  private finish(interpretation: Interpretation): void {
    const job = this.current;
    this.current = undefined;
    // An idle worker must not keep a CLI process alive.
    this.worker?.unref();
    job?.resolve(interpretation);
    pool.next();
  }
}

class InspectionPool {
  private readonly workers = Array.from({ length: INSPECTION_WORKERS }, () => new InspectionWorker());
  private readonly queue: Job[] = [];
  private ids = 0;

  run(request: InterpretRequest, signal?: AbortSignal): Promise<Interpretation> {
    return new Promise((resolve) => {
      const job: Job = { id: ++this.ids, request, resolve };
      this.queue.push(job);
      // A round's deadline reaches its queued and running inspections too: the round ends when it says.
      signal?.addEventListener('abort', () => this.abort(job), { once: true });
      this.next();
    });
  }

  private abort(job: Job): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      job.resolve(cutByDeadline());
      return;
    }
    for (const worker of this.workers) if (worker.abort(job)) return;
  }

  next(): void {
    for (const worker of this.workers) {
      if (this.queue.length === 0) return;
      if (!worker.busy) worker.run(this.queue.shift()!);
    }
  }
}

const pool = new InspectionPool();

/**
 * Inspects a response: inline when small, in the capped worker when large, never past `signal` (the round's
 * deadline: a page still queued or inspecting then is reason `deadline`). Never rejects.
 */
export function inspectResponse(request: InterpretRequest, signal?: AbortSignal): Promise<Interpretation> {
  if (request.response.body.byteLength <= INLINE_MAX_BYTES) return Promise.resolve(interpret(request));
  if (signal?.aborted) return Promise.resolve(cutByDeadline());
  return pool.run(request, signal);
}

// In the worker thread: answer inspection requests.
if (!isMainThread && (workerData as Record<string, unknown> | null)?.[WORKER_MARKER] === true) {
  parentPort?.on('message', ({ id, request }: WorkerRequest) => {
    let reply: WorkerReply;
    try {
      const body = request.response.body as unknown as Uint8Array;
      const response = {
        ...request.response,
        body: Buffer.from(body.buffer, body.byteOffset, body.byteLength),
      };
      reply = {
        id,
        interpretation: interpret({ ...request, response, history: unpackHistory(request.history) }),
      };
    } catch (error) {
      reply = { id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
    parentPort?.postMessage(reply);
  });
}
