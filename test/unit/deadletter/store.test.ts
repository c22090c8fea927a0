import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Alert } from '../../../functions/alerts/types';
import { FILE_CLAIM_MS, fileDeadLetterStore } from '../../../functions/deadletter/file';
import { fitLetter } from '../../../functions/deadletter/sqs';
import { DEAD_LETTER_VERSION, type DeadLetter, parseDeadLetter } from '../../../functions/deadletter/types';

function alert(name: string, description = ''): Alert {
  return {
    status: 'firing',
    name,
    severity: 'critical',
    summary: `${name} fired`,
    description,
    labels: { alertname: name },
    annotations: {},
    startsAt: '2026-11-22T00:00:00.000Z',
    links: [],
    source: 'generic',
    fingerprint: name,
  };
}

function letter(id: string, alerts: Alert[], channel = 'ops-slack'): DeadLetter {
  return {
    version: DEAD_LETTER_VERSION,
    id,
    at: '2026-11-22T00:00:00.000Z',
    channel,
    channelType: 'slack',
    alerts,
    error: { reason: 'server-error', message: 'HTTP 503' },
    attempts: 5,
    replays: 0,
  };
}

describe('file dead-letter store', () => {
  const file = () => join(mkdtempSync(join(tmpdir(), 'vigil-dlq-')), 'nested', 'dead-letters.jsonl');

  it('appends, lists (claiming, like SQS), removes and requeues letters', async () => {
    const path = file();
    const clock = { now: Date.parse('2026-11-22T00:00:00Z') };
    const store = fileDeadLetterStore(path, () => clock.now);
    await store.put([letter('a', [alert('A')]), letter('b', [alert('B')])]);
    await store.put([letter('c', [alert('C')])]);
    expect((await store.list(10)).map((s) => s.letter.id)).toEqual(['a', 'b', 'c']);
    // Listed letters are held by that replayer until their claim passes.
    expect(await store.list(2)).toEqual([]);
    clock.now += FILE_CLAIM_MS + 1;
    const two = await store.list(2);
    expect(two.map((s) => s.letter.id)).toEqual(['a', 'b']);

    await store.remove([two[1]!.handle]);
    await store.requeue(two[0]!, { ...two[0]!.letter, replays: 1 });
    clock.now += FILE_CLAIM_MS + 1;
    const left = await store.list(10);
    expect(left.map((s) => [s.letter.id, s.letter.replays])).toEqual([
      ['c', 0],
      ['a', 1],
    ]);
  });

  it('keeps lines it cannot read instead of deleting them, and skips them when listing', async () => {
    const path = file();
    const store = fileDeadLetterStore(path);
    await store.put([letter('a', [alert('A')])]);
    writeFileSync(path, `${readFileSync(path, 'utf8')}not json at all\n`);
    expect((await store.list(10)).map((s) => s.letter.id)).toEqual(['a']);
    const [only] = await fileDeadLetterStore(path, () => Date.now() + FILE_CLAIM_MS + 1).list(10);
    await store.remove([only!.handle]);
    expect(await fileDeadLetterStore(path, () => Date.now() + FILE_CLAIM_MS + 1).list(10)).toEqual([]);
    expect(readFileSync(path, 'utf8')).toContain('not json at all\n');
  });

  it('lists nothing when the file does not exist yet', async () => {
    expect(await fileDeadLetterStore(file()).list(10)).toEqual([]);
  });
});

describe('dead letters in SQS messages', () => {
  it('leaves a letter that fits alone', () => {
    const small = letter('x', [alert('A'), alert('B')]);
    expect(fitLetter(small)).toEqual([small]);
  });

  it('splits a letter over the message size into letters that fit, keeping every alert', () => {
    const alerts = Array.from({ length: 40 }, (_, i) => alert(`Alert${i}`, 'x'.repeat(20_000)));
    const parts = fitLetter(letter('big', alerts), 262_144);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(Buffer.byteLength(JSON.stringify(part))).toBeLessThanOrEqual(262_144);
    expect(parts.flatMap((part) => part.alerts.map((a) => a.name))).toEqual(alerts.map((a) => a.name));
    expect(new Set(parts.map((part) => part.id)).size).toBe(parts.length);
  });

  it('slims a single alert that alone exceeds a message, rather than losing it', () => {
    const [part] = fitLetter(letter('huge', [alert('Huge', 'y'.repeat(300_000))]), 262_144);
    expect(part!.alerts[0]!.name).toBe('Huge');
    expect(Buffer.byteLength(JSON.stringify(part))).toBeLessThanOrEqual(262_144);
  });

  it('cuts the summary and labels of an alert still too big once slimmed, so its letter is kept at all', () => {
    const huge = {
      ...alert('Huge'),
      summary: 's'.repeat(200_000),
      labels: { alertname: 'Huge', blob: 'b'.repeat(200_000) },
    };
    const [part] = fitLetter(letter('huge', [huge]), 262_144);
    expect(Buffer.byteLength(JSON.stringify(part))).toBeLessThanOrEqual(262_144);
    expect([part!.alerts[0]!.name, part!.alerts[0]!.labels.alertname, part!.alerts[0]!.fingerprint]).toEqual([
      'Huge',
      'Huge',
      'Huge',
    ]);
    expect(part!.alerts[0]!.summary).toHaveLength(1_001);
  });

  it.each([
    ['valid', JSON.stringify(letter('a', [])), true],
    ['other version', JSON.stringify({ ...letter('a', []), version: 2 }), false],
    ['not json', '{', false],
    ['stray message', '{"hello":1}', false],
  ])('parseDeadLetter: %s', (_name, text, valid) => {
    expect(parseDeadLetter(text) !== undefined).toBe(valid);
  });
});
