/**
 * Shared by the channel tests: alert fixtures and golden cases, the golden-file comparison (UPDATE_GOLDEN=1 to
 * regenerate deliberately), cut-boundary checks, a fake clock whose sleep records the waits asked for, and the
 * deps a send or a retried delivery runs with.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Alert } from '../../../functions/alerts/types';
import { DeliveryError, type SendDeps } from '../../../functions/channels/types';
import { deadlineAt } from '../../../functions/deadline';
import type { DeliverDeps } from '../../../functions/notify/deliver';
import { fetchHttp } from '../../../functions/notify/post';

export const NOW = new Date('2026-08-23T04:27:00.000Z');

/** The CloudWatch alarm of alerts.md A1, normalized, with alarm, dashboard and runbook links. */
export function makeAlert(overrides: Partial<Alert> = {}): Alert {
  return {
    status: 'firing',
    name: 'api-5xx-high',
    severity: 'critical',
    summary: 'Target 5xx > 10/min on prod-api',
    description:
      'Threshold Crossed: 2 out of the last 2 datapoints [37.0 (23/08/26 04:14:00), 25.0 (23/08/26 04:13:00)] were greater than the threshold (10.0).',
    labels: { alertname: 'api-5xx-high', severity: 'critical', env: 'prod', team: 'sre' },
    annotations: {},
    value: 37,
    threshold: 10,
    comparison: '>',
    metric: {
      namespace: 'AWS/ApplicationELB',
      name: 'HTTPCode_Target_5XX_Count',
      dimensions: { LoadBalancer: 'app/prod-api/0123456789abcdef' },
      stat: 'Sum',
      periodSeconds: 60,
    },
    startsAt: '2026-08-23T04:15:30.123Z',
    links: [
      {
        title: 'Alarm',
        url: 'https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/api-5xx-high',
      },
      { title: 'Dashboard', url: 'https://grafana.example.com/d/api?orgId=1&var-env=prod' },
      { title: 'Runbook', url: 'https://wiki.example.com/runbooks/api-5xx' },
    ],
    source: 'cloudwatch',
    fingerprint: '1a30ba71cca2921f',
    region: 'us-east-1',
    account: '123456789012',
    transition: 'OK → ALARM',
    ...overrides,
  };
}

const SEVERITY_CYCLE = ['critical', 'warning', 'info', 'emergency'] as const;

/** Multi-byte everywhere: CJK (3 bytes), emoji with ZWJ sequences and flags (4+ bytes), a combining accent. */
export const CJK_UNIT = '数据库连接池耗尽，请立即检查主库与只读副本的连接数。🔥👩\u200d💻🇨🇳e\u0301 ';

/** The cases every renderer is golden-tested on: name → alerts. */
export function goldenCases(): Record<string, Alert[]> {
  const mixed = Array.from({ length: 24 }, (_, i) => {
    const severity = SEVERITY_CYCLE[i % 4]!;
    const resolved = i % 3 === 2;
    return makeAlert({
      name: `probe-${String(i).padStart(2, '0')}-latency`,
      status: resolved ? 'resolved' : 'firing',
      severity,
      fingerprint: `fp-mixed-${i}`,
      summary: `p99 latency of target ${i} ${resolved ? 'back below' : 'above'} threshold`,
      description: `Probe https://svc-${i}.example.org/health: p99 ${1000 + i * 37.5} ms over 5 minutes.`,
      value: resolved ? 500 + i : 1000 + i * 37.5,
      threshold: 800,
      labels: { alertname: `probe-${i}`, severity, target: `svc-${i}` },
      transition: resolved ? 'ALARM → OK' : 'OK → ALARM',
      ...(resolved ? { endsAt: '2026-08-23T04:25:00.000Z' } : {}),
    });
  });
  const cjk = Array.from({ length: 40 }, (_, i) =>
    makeAlert({
      name: `数据库告警-${i}-🔥`,
      fingerprint: `fp-cjk-${i}`,
      summary: CJK_UNIT.repeat(30),
      description: `详细信息：${CJK_UNIT.repeat(300)}`,
      labels: {
        alertname: `数据库告警-${i}`,
        severity: 'critical',
        集群: `上海-生产-🇨🇳-${CJK_UNIT.repeat(20)}`,
      },
    }),
  );
  return {
    'single-firing-critical': [makeAlert()],
    resolved: [
      makeAlert({
        status: 'resolved',
        value: 3,
        endsAt: '2026-08-23T04:26:30.000Z',
        transition: 'ALARM → OK',
      }),
    ],
    'mixed-digest': mixed,
    'cjk-emoji-over-limit': cjk,
  };
}

/**
 * The golden cases with the two digests made long enough (8× and 3× as many alerts) to overflow even the 20 KB of
 * DingTalk and Feishu when every alert is shown on one line — so "+N more" is exercised everywhere. For the
 * byte-limited channels (WeCom, DingTalk, Feishu, SNS).
 */
export function byteLimitedGoldenCases(): Record<string, Alert[]> {
  const cases = goldenCases();
  const times = (alerts: readonly Alert[], n: number): Alert[] =>
    Array.from({ length: n }, (_, k) =>
      alerts.map((alert) =>
        k === 0 ? alert : { ...alert, name: `${alert.name}-${k}`, fingerprint: `${alert.fingerprint}-${k}` },
      ),
    ).flat();
  return {
    ...cases,
    'mixed-digest': times(cases['mixed-digest'] ?? [], 8),
    'cjk-emoji-over-limit': times(cases['cjk-emoji-over-limit'] ?? [], 3),
  };
}

const GOLDEN_DIR = join(__dirname, '..', '..', 'golden', 'channels');

/**
 * Compares `value` with test/golden/channels/<name>.json exactly. `UPDATE_GOLDEN=1 npx jest test/unit/channels`
 * rewrites the files instead: regenerate deliberately and review the diff.
 */
export function expectGolden(name: string, value: unknown): void {
  const path = join(GOLDEN_DIR, `${name}.json`);
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(path, text);
    return;
  }
  if (!existsSync(path))
    throw new Error(`${path} is missing: run with UPDATE_GOLDEN=1 and review the new file`);
  expect(text).toBe(readFileSync(path, 'utf8'));
}

/** Every string inside `value`. */
export function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(stringsOf);
  return [];
}

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
const CJK_TEXT = CJK_UNIT.repeat(4);
const CJK_BOUNDARIES = new Set([...segmenter.segment(CJK_TEXT)].map((s) => s.index + s.segment.length));

/**
 * No string holds a lone surrogate, and wherever a fixture text was cut ("…"), the cut falls on a grapheme
 * boundary of the original: not inside a UTF-8 sequence, a surrogate pair, a ZWJ sequence, a flag or before a
 * combining mark. Returns how many cuts of fixture text it checked.
 */
export function expectCleanCuts(value: unknown): number {
  let checked = 0;
  for (const text of stringsOf(value)) {
    expect(text.isWellFormed()).toBe(true);
    expect(Buffer.from(text, 'utf8').toString('utf8')).toBe(text);
    for (let at = text.indexOf('…'); at >= 0; at = text.indexOf('…', at + 1)) {
      // The last few units before the cut, located in the periodic fixture text.
      const tail = text.slice(Math.max(0, at - 8), at);
      const position = CJK_TEXT.indexOf(tail, CJK_UNIT.length);
      if (tail.length < 8 || position < 0) continue;
      checked++;
      expect({ text: tail, boundary: CJK_BOUNDARIES.has(position + tail.length) }).toEqual({
        text: tail,
        boundary: true,
      });
    }
  }
  return checked;
}

/** A clock that only moves when the code under test sleeps; `waits` lists every sleep asked for. */
export function fakeClock(start = NOW.getTime()) {
  let now = start;
  const waits: number[] = [];
  return {
    now: () => new Date(now),
    sleep: async (ms: number) => {
      waits.push(ms);
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
    waits,
  };
}

/** One send's deps: the real fetch transport (against a loopback fake), the wall clock, a 5 s attempt. */
export function sendDeps(overrides: Partial<SendDeps> = {}): SendDeps {
  return { http: fetchHttp, now: () => new Date(), signal: AbortSignal.timeout(5000), ...overrides };
}

/** Deps for sendWithRetry / deliverAll on `clock`: real fetch, jitter fixed at 0.5, the deadline a minute on. */
export function retryDeps(
  clock = fakeClock(),
  overrides: Partial<Omit<DeliverDeps, 'deadline'>> & { deadline?: number } = {},
): DeliverDeps {
  const { deadline = NOW.getTime() + 60_000, ...rest } = overrides;
  return {
    http: fetchHttp,
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
    deadline: deadlineAt(deadline, () => clock.now().getTime()),
    ...rest,
  };
}

/** The DeliveryError `promise` rejects with; the test fails when it resolves or rejects with anything else. */
export async function failure(promise: Promise<unknown>): Promise<DeliveryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  return error as DeliveryError;
}
