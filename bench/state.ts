/**
 * The rate-state store: the size of a shard's object (100 targets × 50 series × 6 samples, the example),
 * the time to encode and decode it, one round's requests against the loopback S3 fake through the real SDK, and
 * the monthly S3 cost of those requests at a 1-minute schedule.
 *
 * Standalone: `npx tsx bench/state.ts` prints the markdown section.
 */

import { STATE_BUCKET_ENV, stateStore } from '../functions/probing/state';
import { decodeState, encodeState } from '../functions/probing/state/codec';
import { recordRound } from '../functions/probing/state/history';
import { emptyState, type ShardState } from '../functions/probing/state/types';
import { setFakeAwsEnv } from '../test/fakes/aws';
import { startFakeS3 } from '../test/fakes/s3';
import { type BenchSection, runAlone } from './types';

const TARGETS = 100;
const SERIES = 50;
const SAMPLES = 6;
const MINUTE = 60_000;
const ROUNDS_PER_MONTH = 60 * 24 * 30;
// S3 Standard, us-east-1 (aws.amazon.com/s3/pricing, 2026): per 1,000 requests, and per GB-month.
const S3_PUT_PER_1000 = 0.005;
const S3_GET_PER_1000 = 0.0004;
const S3_STORAGE_PER_GB_MONTH = 0.023;

/** Realistic series: a request counter by method, status and handler, as client libraries label it. */
function shard(targets = TARGETS): ShardState {
  let state = emptyState();
  const t0 = Date.UTC(2026, 0, 1);
  for (let round = 0; round < SAMPLES; round++) {
    const at = t0 + round * MINUTE;
    const scraped: Record<string, { labels: Record<string, string>; sample: { t: number; v: number } }[]> =
      {};
    for (let target = 0; target < targets; target++) {
      scraped[`service-${target}`] = Array.from({ length: SERIES }, (_, index) => ({
        labels: {
          __name__: index < 25 ? 'http_requests_total' : 'http_request_duration_seconds_bucket',
          method: index % 2 ? 'GET' : 'POST',
          [index < 25 ? 'status' : 'le']:
            index < 25 ? String(200 + index) : String(0.005 * 2 ** (index - 25)),
          handler: `/api/v1/resource-${index % 5}`,
        },
        sample: { t: at + (target % 7), v: 1_000 * round + index * 17 + target / 3 },
      }));
    }
    const configHashes = Object.fromEntries(Object.keys(scraped).map((name) => [name, 'c0ffee12']));
    state = recordRound(
      state,
      { at, configHashes, scraped },
      {
        retentionMs: SAMPLES * MINUTE,
        maxSeriesPerTarget: 1_000,
        maxBytes: 64 * 1024 * 1024,
      },
    ).state;
  }
  return state;
}

function timeMs(fn: () => unknown, repeat = 20): number {
  fn();
  const start = performance.now();
  for (let i = 0; i < repeat; i++) fn();
  return (performance.now() - start) / repeat;
}

export async function run(): Promise<BenchSection> {
  const state = shard();
  const body = encodeState(state);
  // Today's one shard holding every target (fanout splits them later).
  const thousand = shard(1_000);
  const thousandBody = encodeState(thousand);
  const thousandDecodeMs = timeMs(() => decodeState(thousandBody), 3);
  const json = Buffer.byteLength(JSON.stringify(state));
  const encodeMs = timeMs(() => encodeState(state));
  const decodeMs = timeMs(() => decodeState(body));

  const s3 = await startFakeS3(['bench-state']);
  const restore = setFakeAwsEnv({ S3: s3.url });
  let roundMs = 0;
  let requests: string[] = [];
  try {
    const store = stateStore({ [STATE_BUCKET_ENV]: 'bench-state' }, '/unused');
    await store.update('round', () => state);
    s3.calls.length = 0;
    const start = performance.now();
    const snapshot = await store.read('round');
    await store.update(
      'round',
      (current) => ({ ...current, writtenAt: current.writtenAt + MINUTE }),
      snapshot,
    );
    roundMs = performance.now() - start;
    requests = s3.calls.map((call) => call.method);
  } finally {
    await s3.close();
    restore();
  }
  const gets = requests.filter((method) => method === 'GET').length;
  const puts = requests.filter((method) => method === 'PUT').length;
  const requestCost = (ROUNDS_PER_MONTH * (gets * S3_GET_PER_1000 + puts * S3_PUT_PER_1000)) / 1000;
  const storageCost = (body.length / 1e9) * S3_STORAGE_PER_GB_MONTH;
  const markdown = [
    `One shard of ${TARGETS} targets × ${SERIES} series × ${SAMPLES} samples (a counter by method/status/handler and a histogram's buckets). Node ${process.version}.`,
    '',
    '| what | figure |',
    '| --- | ---: |',
    `| stored object (gzip) | ${(body.length / 1024).toFixed(1)} KiB |`,
    `| the same state as plain JSON | ${(json / 1024).toFixed(1)} KiB |`,
    `| encode / decode | ${encodeMs.toFixed(1)} ms / ${decodeMs.toFixed(1)} ms |`,
    `| one round (read + conditional write, loopback S3 fake, real SDK) | ${roundMs.toFixed(1)} ms, ${gets} GET + ${puts} PUT per shard |`,
    `| S3 requests a month at 1 minute (${ROUNDS_PER_MONTH} rounds) | $${requestCost.toFixed(3)} |`,
    `| S3 storage a month | $${storageCost.toFixed(6)} |`,
    `| 1,000 targets (10 such shards) | $${(10 * (requestCost + storageCost)).toFixed(2)} a month |`,
    `| 1,000 targets in one shard (today's round): object, decode, requests | ${(thousandBody.length / 1024).toFixed(0)} KiB, ${thousandDecodeMs.toFixed(0)} ms, $${requestCost.toFixed(3)} a month |`,
  ].join('\n');
  return { title: 'Rate-state store', markdown };
}

runAlone(module, run);
