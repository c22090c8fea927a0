/**
 * The rate-state store end to end: the file store (two processes racing on one file) and the S3 store through the
 * real `@aws-sdk/client-s3` against the loopback fake (conditional writes, lost races, unreadable objects).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STATE_BUCKET_ENV, STATE_PREFIX, stateStore } from '../../functions/probing/state';
import { encodeState } from '../../functions/probing/state/codec';
import { fileStateObjects } from '../../functions/probing/state/file';
import { s3StateObjects } from '../../functions/probing/state/s3';
import { createStateStore, STATE_WRITE_ATTEMPTS } from '../../functions/probing/state/store';
import type { ShardState, StateStore } from '../../functions/probing/state/types';
import { setFakeAwsEnv } from '../fakes/aws';
import { type FakeS3, startFakeS3 } from '../fakes/s3';

const BUCKET = 'vigil-test-state';
const WRITER = join(__dirname, '../helpers/state-writer.cjs');

/** A change that appends one sample to the series {writer=<id>} of target t, as a round does. */
function append(writer: string, t: number) {
  return (state: ShardState): ShardState => {
    const series = state.targets.t?.series ?? [];
    const labels = { __name__: 'm', writer };
    const mine = series.find((item) => item.labels.writer === writer) ?? { labels, samples: [] };
    return {
      writtenAt: t,
      configHashes: { t: 'h' },
      targets: {
        t: {
          series: [
            ...series.filter((item) => item.labels.writer !== writer),
            { labels, samples: [...mine.samples, { t, v: 1 }] },
          ],
        },
      },
    };
  };
}

const samplesOf = (state: ShardState, writer: string) =>
  state.targets.t?.series
    .find((series) => series.labels.writer === writer)
    ?.samples.map((sample) => sample.t);

function runWriter(dir: string, id: string, rounds: number): Promise<{ lost: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, dir, id, String(rounds)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk));
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`writer ${id}: ${err}`)),
    );
  });
}

describe('file state store', () => {
  let dir: string;
  let store: StateStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-state-'));
    store = createStateStore(fileStateObjects(dir));
  });

  it('has no history on the first round, then keeps what was written', async () => {
    const first = await store.read('round');
    expect(first).toMatchObject({ version: { exists: false }, bytes: 0, problems: [] });
    expect(first.state.targets).toEqual({});
    const report = await store.update('round', append('a', 1), first);
    expect(report).toMatchObject({ written: true, attempts: 1, problems: [] });
    expect(samplesOf((await store.read('round')).state, 'a')).toEqual([1]);
  });

  it('reports an unreadable file, starts empty, and replaces it on the next write', async () => {
    writeFileSync(join(dir, 'round.json.gz'), 'not a state');
    const snapshot = await store.read('round');
    expect(snapshot.problems).toEqual([expect.stringMatching(/round\.json\.gz is unreadable \(not gzip/)]);
    expect(snapshot.state.targets).toEqual({});
    expect(await store.update('round', append('a', 1), snapshot)).toMatchObject({
      written: true,
      attempts: 1,
    });
    expect((await store.read('round')).problems).toEqual([]);
  });

  it('loses a race to a write made since its read, re-reads and keeps both samples', async () => {
    const stale = await store.read('round');
    await store.update('round', append('other', 1));
    const report = await store.update('round', append('a', 2), stale);
    expect(report).toMatchObject({ written: true, attempts: 2 });
    const { state } = await store.read('round');
    expect([samplesOf(state, 'other'), samplesOf(state, 'a')]).toEqual([[1], [2]]);
  });

  it('never loses or corrupts a write when two processes race on one file', async () => {
    const rounds = 25;
    const results = await Promise.all([runWriter(dir, '1', rounds), runWriter(dir, '2', rounds)]);
    expect(results).toEqual([{ lost: 0 }, { lost: 0 }]);
    const { state, problems } = await store.read('shard');
    expect(problems).toEqual([]);
    const expected = Array.from({ length: rounds }, (_, index) => index + 1);
    expect([samplesOf(state, '1'), samplesOf(state, '2')]).toEqual([expected, expected]);
  }, 60_000);
});

describe('S3 state store (real SDK, loopback S3)', () => {
  let s3: FakeS3;
  let restoreEnv: () => void;
  let store: StateStore;
  const key = `${STATE_PREFIX}round.json.gz`;

  beforeAll(async () => {
    s3 = await startFakeS3([BUCKET]);
    restoreEnv = setFakeAwsEnv({ S3: s3.url });
  });
  afterAll(async () => {
    await s3.close();
    restoreEnv();
  });
  beforeEach(() => {
    s3.objects(BUCKET).clear();
    s3.calls.length = 0;
    s3.beforePut = undefined;
    store = stateStore({ [STATE_BUCKET_ENV]: BUCKET }, '/unused');
  });

  it('creates the object with If-None-Match: *, then replaces it with If-Match on its ETag', async () => {
    expect((await store.read('round')).version).toEqual({ exists: false });
    await store.update('round', append('a', 1));
    const snapshot = await store.read('round');
    await store.update('round', append('a', 2), snapshot);
    expect(samplesOf((await store.read('round')).state, 'a')).toEqual([1, 2]);
    const puts = s3.calls.filter((call) => call.method === 'PUT');
    expect(puts.map((call) => [call.key, call.condition, call.status])).toEqual([
      [key, 'If-None-Match: *', 200],
      [key, `If-Match: ${snapshot.version.exists ? snapshot.version.token : ''}`, 200],
    ]);
    // A normal round costs one GET and one PUT.
    expect(s3.calls.map((call) => call.method)).toEqual(['GET', 'GET', 'PUT', 'GET', 'PUT', 'GET']);
  });

  it('two rounds racing: the loser gets 412, re-reads, re-applies its change; both samples are kept', async () => {
    await store.update('round', append('seed', 1));
    const other = stateStore({ [STATE_BUCKET_ENV]: BUCKET }, '/unused');
    const mine = await store.read('round');
    // While my write is in flight, the other round reads and writes first.
    let raced = false;
    s3.beforePut = async () => {
      if (raced) return;
      raced = true;
      s3.beforePut = undefined;
      await other.update('round', append('other', 2));
    };
    const report = await store.update('round', append('mine', 3), mine);
    expect(report).toMatchObject({ written: true, attempts: 2 });
    const { state } = await store.read('round');
    expect([samplesOf(state, 'seed'), samplesOf(state, 'other'), samplesOf(state, 'mine')]).toEqual([
      [1],
      [2],
      [3],
    ]);
    expect(s3.calls.filter((call) => call.status === 412)).toHaveLength(1);
  });

  it('two first rounds racing to create the object: one creates, the other merges into it', async () => {
    const a = await store.read('round');
    const b = await store.read('round');
    const [first, second] = await Promise.all([
      store.update('round', append('a', 1), a),
      store.update('round', append('b', 1), b),
    ]);
    expect([first.written, second.written]).toEqual([true, true]);
    expect(first.attempts + second.attempts).toBe(3);
    const { state } = await store.read('round');
    expect([samplesOf(state, 'a'), samplesOf(state, 'b')]).toEqual([[1], [1]]);
  });

  it(`gives up after ${STATE_WRITE_ATTEMPTS} lost races and says so, leaving the winner's object intact`, async () => {
    await store.update('round', append('seed', 1));
    let n = 0;
    s3.beforePut = async (bucket, target) => {
      n++;
      s3.plant(
        bucket,
        target,
        encodeState(append('intruder', n)({ writtenAt: 0, configHashes: {}, targets: {} })),
      );
    };
    const report = await store.update('round', append('mine', 9));
    expect(report.written).toBe(false);
    expect(report.attempts).toBe(STATE_WRITE_ATTEMPTS);
    expect(report.problems).toEqual([
      expect.stringContaining(`s3://${BUCKET}/${key}: other rounds wrote it`),
    ]);
    s3.beforePut = undefined;
    const { state, problems } = await store.read('round');
    expect(problems).toEqual([]);
    expect(samplesOf(state, 'intruder')).toEqual([STATE_WRITE_ATTEMPTS]);
  });

  it('reports an unreadable object and replaces it conditionally', async () => {
    s3.plant(BUCKET, key, Buffer.from('garbage'));
    const snapshot = await store.read('round');
    expect(snapshot.problems).toEqual([
      expect.stringMatching(/^s3:\/\/vigil-test-state\/probe-state\/round\.json\.gz is unreadable/),
    ]);
    expect(await store.update('round', append('a', 1), snapshot)).toMatchObject({
      written: true,
      attempts: 1,
    });
    expect(s3.calls.at(-1)).toMatchObject({
      method: 'PUT',
      status: 200,
      condition: expect.stringMatching(/^If-Match: "/),
    });
  });

  it('writes where IAM allows: under the state prefix of the bucket', async () => {
    await store.update('round', append('a', 1));
    expect([...s3.objects(BUCKET).keys()]).toEqual([key]);
  });

  it('fails loudly on a bucket that does not exist (a deployment problem, not a lost race)', async () => {
    const missing = createStateStore(s3StateObjects('no-such-bucket'), STATE_PREFIX);
    await expect(missing.read('round')).rejects.toThrow(/bucket does not exist/);
  });
});

describe('fake S3 speaks what the SDK checks', () => {
  it('rejects a body whose checksum does not match', async () => {
    const s3 = await startFakeS3([BUCKET]);
    try {
      const response = await fetch(`${s3.url}/${BUCKET}/k`, {
        method: 'PUT',
        body: 'hello',
        headers: {
          authorization:
            'AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=' +
            '0'.repeat(64),
          'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
          'x-amz-checksum-crc32': 'AAAAAA==',
        },
      });
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('<Code>BadDigest</Code>');
    } finally {
      await s3.close();
    }
  });
});
