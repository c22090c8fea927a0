/**
 * Intake fuzzing: every fixture with a wrong type at every field (also inside JSON-in-string fields such as the SNS
 * Message and reasonData), then thousands of seeded random mutations, truncations, binary and hostile inputs.
 * Every input must end in valid alerts or a 4xx / error with a one-line reason, and never throw.
 * Failures print the case, so a seed + case name reproduces them.
 */
import { createHmac } from 'node:crypto';
import { classifyBody, classifyEvent, type Detection, PAYLOAD_KINDS } from '../../../functions/intake/detect';
import { type HttpIntakeConfig, handleHttpIntake } from '../../../functions/intake/http-request';
import { random as prng } from '../../helpers/fuzz';
import {
  alertProblems,
  fixture,
  fixtureNames,
  isOneLineReason,
  NOW,
  TEST_HMAC_SECRET,
  TEST_TOKEN,
} from './support';

const SEED = 0x5eed_a1e7;
const RANDOM_EVENTS = 3_000;
const RANDOM_REQUESTS = 3_000;

type Random = () => number;
const int = (random: Random, below: number) => Math.floor(random() * below);
const pick = <T>(random: Random, items: readonly T[]): T => items[int(random, items.length)]!;

function nested(depth: number, leaf: unknown, asObject: boolean): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = asObject ? { a: value } : [value];
  return value;
}

/** Values a field should never hold. */
const GARBAGE: readonly (() => unknown)[] = [
  () => null,
  () => true,
  () => 0,
  () => -1.5e308,
  () => 42,
  () => '',
  () => ' \n\t ',
  () => 'x',
  () => '\u0000\u202e\ud83d',
  () => '💥'.repeat(1_000),
  () => 'A'.repeat(200_000),
  () => [],
  () => {},
  () => [null, 1, 'a', {}],
  () => nested(1_000, 'deep', false),
  () => nested(1_000, 1, true),
  () => JSON.parse('{"__proto__":{"polluted":"yes"},"constructor":"x","toString":1}'),
  () => '0001-01-01T00:00:00Z',
  () => '9999-99-99T99:99:99+9999',
  () => '2026-08-23T05:00:00.000+0000',
  () => 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:x',
  () => 'arn:aws:cloudwatch:../..:x',
  () => 'javascript:alert(1)',
  () => '{"AlarmName":"nested","NewStateValue":"ALARM"}',
  () => '{"alerts":[{"labels":{}}]}',
  () => 'ALARM',
  () => 'INSUFFICIENT_DATA',
  () => 'firing',
  () => '~(',
  () => 'vigil: {"severity":"page","insufficientData":"alert","runbook":"javascript:x"}',
];

/** The few replacements tried at every single field. */
const WRONG_TYPES: readonly [string, unknown][] = [
  ['null', null],
  ['number', 42],
  ['string', 'x'],
  ['array', []],
  ['object', {}],
  ['boolean', true],
];
const DELETE = Symbol('delete');

/** A path step; `json` steps into a string that holds JSON (SNS Message, reasonData). */
type Step = string | number | { json: true };

function parsedJsonString(value: unknown): unknown {
  if (typeof value !== 'string' || !/^\s*[[{]/.test(value)) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

function allPaths(value: unknown, prefix: Step[] = []): Step[][] {
  const inner = parsedJsonString(value);
  if (inner !== undefined) return allPaths(inner, [...prefix, { json: true }]);
  if (value === null || typeof value !== 'object') return [];
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((item, index) => [index, item])
    : Object.entries(value);
  return entries.flatMap(([key, item]) => [[...prefix, key], ...allPaths(item, [...prefix, key])]);
}

/** A copy of `root` with the node at `path` replaced (or deleted). */
function replaceAt(root: unknown, path: readonly Step[], replacement: unknown): unknown {
  const [step, ...rest] = path;
  if (step === undefined) return replacement;
  if (typeof step === 'object') {
    const inner = replaceAt(JSON.parse(root as string), rest, replacement);
    return inner === DELETE ? '' : JSON.stringify(inner);
  }
  if (Array.isArray(root)) {
    const copy = [...root];
    const value = replaceAt(copy[step as number], rest, replacement);
    if (value === DELETE) copy.splice(step as number, 1);
    else copy[step as number] = value;
    return copy;
  }
  const copy: Record<string, unknown> = { ...(root as Record<string, unknown>) };
  const value = replaceAt(copy[step], rest, replacement);
  if (value === DELETE) delete copy[step];
  else Object.defineProperty(copy, step, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

function pathText(path: readonly Step[]): string {
  return path.map((step) => (typeof step === 'object' ? '<json>' : String(step))).join('.');
}

function safeStringify(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/** What is wrong with a classification result (empty when it keeps the contract). */
function detectionProblems(detection: Detection): string[] {
  if ('error' in detection)
    return isOneLineReason(detection.error) ? [] : [`error not one line: ${detection.error.slice(0, 200)}`];
  const problems: string[] = [];
  if (!PAYLOAD_KINDS.includes(detection.kind)) problems.push(`kind ${String(detection.kind)}`);
  for (const reason of detection.skipped)
    if (!isOneLineReason(reason)) problems.push(`skipped not one line: ${reason.slice(0, 200)}`);
  for (const alert of detection.alerts) problems.push(...alertProblems(alert));
  return problems;
}

function intakeProblems(result: ReturnType<typeof handleHttpIntake>): string[] {
  if (!('statusCode' in result)) return detectionProblems(result);
  const problems: string[] = [];
  if (![400, 401, 405, 413].includes(result.statusCode)) problems.push(`status ${result.statusCode}`);
  if (!isOneLineReason(result.body)) problems.push(`body not one line: ${String(result.body).slice(0, 200)}`);
  return problems;
}

/** Runs one case; an exception or a broken contract becomes a failure line. */
function check(failures: string[], name: string, run: () => string[]): void {
  try {
    const problems = run();
    if (problems.length > 0) failures.push(`${name}: ${problems.slice(0, 3).join('; ')}`);
  } catch (error) {
    failures.push(
      `${name}: threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    );
  }
}

const OPEN: HttpIntakeConfig = { hmacHeader: 'X-Grafana-Alerting-Signature' };
const CONFIGS: readonly HttpIntakeConfig[] = [
  OPEN,
  { ...OPEN, token: TEST_TOKEN },
  { ...OPEN, hmacSecret: TEST_HMAC_SECRET, timestampHeader: 'X-Grafana-Alerting-Timestamp' },
  { ...OPEN, token: TEST_TOKEN, hmacSecret: TEST_HMAC_SECRET },
];

/** An HTTP event carrying `body`, authenticated for `config` (so the body gets parsed). */
function request(body: string, config: HttpIntakeConfig, base64 = false): unknown {
  const nowSeconds = Math.floor(NOW.getTime() / 1000);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (config.token !== undefined) headers.authorization = `Bearer ${config.token}`;
  else if (config.hmacSecret !== undefined) {
    const prefix = config.timestampHeader === undefined ? '' : `${nowSeconds}:`;
    if (config.timestampHeader !== undefined) headers[config.timestampHeader] = String(nowSeconds);
    headers[config.hmacHeader] = createHmac('sha256', config.hmacSecret)
      .update(prefix + body)
      .digest('hex');
  }
  return {
    version: '2.0',
    headers,
    body: base64 ? Buffer.from(body, 'latin1').toString('base64') : body,
    isBase64Encoded: base64,
    requestContext: { http: { method: 'POST' } },
  };
}

const EVENT_FIXTURES = fixtureNames().filter((name) => !name.startsWith('http-'));
const HTTP_FIXTURES = fixtureNames().filter((name) => name.startsWith('http-'));
// Everything is a possible body: HTTP bodies, and every Lambda event shape posted as JSON.
const BODIES: readonly unknown[] = [
  ...EVENT_FIXTURES.map((name) => fixture(name)),
  ...HTTP_FIXTURES.map((name) => {
    const event = fixture(name) as { body: string; isBase64Encoded: boolean };
    return JSON.parse(
      event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body,
    );
  }),
];

describe('fuzz: a wrong type at every field of every fixture', () => {
  it('classifyEvent keeps the contract', () => {
    const failures: string[] = [];
    let cases = 0;
    for (const name of EVENT_FIXTURES) {
      const original = fixture(name);
      for (const path of allPaths(original)) {
        for (const [label, replacement] of [...WRONG_TYPES, ['deleted', DELETE] as const]) {
          cases++;
          const event = replaceAt(original, path, replacement);
          check(failures, `${name} ${pathText(path)}=${label}`, () =>
            detectionProblems(classifyEvent(event, { now: NOW })),
          );
        }
      }
    }
    expect(cases).toBeGreaterThan(5_000);
    expect(failures).toEqual([]);
  });

  it('handleHttpIntake keeps the contract', () => {
    const failures: string[] = [];
    let cases = 0;
    BODIES.forEach((original, index) => {
      for (const path of allPaths(original)) {
        for (const [label, replacement] of [...WRONG_TYPES, ['deleted', DELETE] as const]) {
          cases++;
          const body = safeStringify(replaceAt(original, path, replacement)) ?? '';
          check(failures, `body ${index} ${pathText(path)}=${label}`, () =>
            intakeProblems(handleHttpIntake(request(body, OPEN) as never, OPEN, NOW)),
          );
        }
      }
    });
    expect(cases).toBeGreaterThan(5_000);
    expect(failures).toEqual([]);
  });
});

function mutate(random: Random, value: unknown): unknown {
  let result = value;
  const rounds = 1 + int(random, 4);
  for (let round = 0; round < rounds; round++) {
    const paths = allPaths(result);
    if (paths.length === 0) return pick(random, GARBAGE)();
    const path = pick(random, paths);
    result = replaceAt(result, path, random() < 0.15 ? DELETE : pick(random, GARBAGE)());
  }
  return result;
}

/** Text-level damage: truncation, flipped characters, binary noise, junk around valid JSON. */
function corruptText(random: Random, text: string): string {
  switch (int(random, 6)) {
    case 0:
      return text.slice(0, int(random, text.length));
    case 1: {
      const chars = [...text];
      for (let i = 0; i < 1 + int(random, 8); i++)
        chars[int(random, chars.length)] = String.fromCharCode(int(random, 0x3000));
      return chars.join('');
    }
    case 2:
      return Array.from({ length: int(random, 4_096) }, () => String.fromCharCode(int(random, 256))).join('');
    case 3:
      return `${text}${pick(random, ['}', ']', ',', 'garbage', '\u0000', '{"a":'])}`;
    case 4:
      return `${'['.repeat(50_000 + int(random, 50_000))}${random() < 0.5 ? ']'.repeat(100_000) : ''}`;
    default:
      return `{"alerts":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
  }
}

/** A request whose envelope itself is damaged: method, headers, flags, body type. */
function brokenEnvelope(random: Random, body: string): unknown {
  const event = request(body, OPEN) as Record<string, unknown>;
  const key = pick(random, ['headers', 'body', 'isBase64Encoded', 'requestContext', 'version', 'self']);
  if (key === 'self') return pick(random, GARBAGE)();
  if (key === 'requestContext' && random() < 0.5) {
    return { ...event, requestContext: { http: { method: pick(random, GARBAGE)() } } };
  }
  return { ...event, [key]: pick(random, GARBAGE)() };
}

describe('fuzz: seeded random payloads', () => {
  it(`classifyEvent keeps the contract (${RANDOM_EVENTS} events, seed ${SEED})`, () => {
    const random = prng(SEED);
    const failures: string[] = [];
    for (let i = 0; i < RANDOM_EVENTS; i++) {
      const name = pick(random, EVENT_FIXTURES);
      const event = random() < 0.05 ? pick(random, GARBAGE)() : mutate(random, fixture(name));
      check(failures, `#${i} ${name}`, () => [
        ...detectionProblems(classifyEvent(event, { now: NOW })),
        ...detectionProblems(classifyBody(event, { now: NOW, defaultSeverity: 'critical' })),
      ]);
    }
    expect(failures).toEqual([]);
  });

  it(`handleHttpIntake keeps the contract (${RANDOM_REQUESTS} requests, seed ${SEED})`, () => {
    const random = prng(SEED + 1);
    const failures: string[] = [];
    for (let i = 0; i < RANDOM_REQUESTS; i++) {
      const config = pick(random, CONFIGS);
      const original = pick(random, BODIES);
      const variant = int(random, 4);
      let event: unknown;
      if (variant === 0) event = request(safeStringify(mutate(random, original)) ?? '', config);
      else if (variant === 1)
        event = request(corruptText(random, safeStringify(original) ?? ''), config, random() < 0.3);
      else if (variant === 2) event = brokenEnvelope(random, safeStringify(original) ?? '');
      else event = fixture(pick(random, HTTP_FIXTURES));
      check(failures, `#${i} variant ${variant}`, () =>
        intakeProblems(handleHttpIntake(event as never, config, NOW)),
      );
    }
    expect(failures).toEqual([]);
  });

  it('huge and hostile single inputs', () => {
    const failures: string[] = [];
    const hostile: [string, string][] = [
      [
        '1 MB label value',
        JSON.stringify({ alerts: [{ labels: { alertname: 'x', big: 'v'.repeat(1_000_000) } }] }),
      ],
      [
        '10k alerts',
        JSON.stringify({
          alerts: Array.from({ length: 10_000 }, (_, i) => ({ labels: { alertname: `a${i}` } })),
        }),
      ],
      ['100k-deep JSON', `${'['.repeat(100_000)}${']'.repeat(100_000)}`],
      [
        'long reason text',
        JSON.stringify({
          source: 'aws.cloudwatch',
          alarmData: {
            alarmName: 'x',
            state: { value: 'ALARM', reason: `datapoints [${'9'.repeat(500_000)}` },
          },
        }),
      ],
      [
        'long Grafana valueString',
        JSON.stringify({
          version: '1',
          orgId: 1,
          alerts: [{ labels: {}, status: 'firing', valueString: "var='".repeat(100_000) }],
        }),
      ],
      [
        'many SNS records',
        JSON.stringify({
          Records: Array.from({ length: 2_000 }, () => ({
            EventSource: 'aws:sns',
            Sns: { Message: '{"AlarmName":"x","NewStateValue":"ALARM"}' },
          })),
        }),
      ],
      [
        'prototype keys everywhere',
        '{"__proto__":{"alerts":[]},"alerts":[{"labels":{"__proto__":"x","constructor":"y","alertname":"p"}}]}',
      ],
    ];
    for (const [name, body] of hostile) {
      check(failures, name, () => intakeProblems(handleHttpIntake(request(body, OPEN) as never, OPEN, NOW)));
      check(failures, `${name} (event)`, () =>
        detectionProblems(classifyEvent(parsedOrText(body), { now: NOW })),
      );
    }
    expect(failures).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

function parsedOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
