/**
 * `vigil dev` end to end, in-process: the demo service, probes over real loopback HTTP, the local store, the
 * deployed alarm definitions, SNS events into the webhook handler, the console channel and a Slack fake.
 *
 * The demo story runs in virtual time: the session's clock (which the demo service, the probes and the alarms all
 * read) jumps from tick to tick, so a whole 3-minute leak cycle at the default 5 s interval takes a second and
 * every transition is deterministic. Nothing here asserts on wall-clock timing.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../functions/config/load';
import type { VigilConfig } from '../../functions/config/schema';
import type { DevEvent, DevNotification, DevStarted } from '../../functions/dev/events';
import { type Clock, type DevSession, nextTickAt, startDev } from '../../functions/dev/run';
import type { DevView } from '../../functions/dev/view';
import { type ChatFake, startSlackFake } from '../fakes/vendors';
import { freePort } from '../helpers/processes';

const INTERVAL_MS = 5_000;
const DEMO_CYCLE_MS = 3 * 60_000;
/** One whole cycle, then a little: every level has fired and resolved by then. */
const ROUNDS = DEMO_CYCLE_MS / INTERVAL_MS + 6;
const FIXTURE = join(__dirname, '../fixtures/alerts/alertmanager-v4.json');

let slack: ChatFake;

beforeAll(async () => {
  slack = await startSlackFake();
});

afterAll(async () => {
  await slack.close();
});

function devConfig(demoPort: number, extra = ''): VigilConfig {
  // The example vigil.yml's targets and thresholds, on the test's demo port, routed to console and Slack.
  const file = join(__dirname, '../../vigil.yml');
  const example = readFileSync(file, 'utf8');
  const targets = example.slice(example.indexOf('targets:'), example.indexOf('# Where alerts go'));
  // Parsed as vigil.yml itself, so its rule file resolves relative to it.
  return parseConfig(
    `${targets.replaceAll('127.0.0.1:3000', `127.0.0.1:${demoPort}`)}
channels:
  ops-slack: { type: slack, url: "${slack.url}" }
routes:
  - channels: [console, ops-slack]
# Notifications run on real time: a short group wait still merges the alarms of one round.
alerts:
  groupWait: 1s
${extra}`,
    file,
  );
}

/** A view that keeps what the console channel printed. */
function capturingView(): DevView & { printed: string[] } {
  const printed: string[] = [];
  return { printed, handle: () => undefined, print: (text) => printed.push(text), close: () => undefined };
}

interface Run {
  session: DevSession;
  events: DevEvent[];
  printed: string[];
  /** Resolves after round `n`. */
  afterRound(n: number): Promise<void>;
}

/** A session whose clock moves only when the loop sleeps, after queued notifications are done. */
async function startVirtual(
  config: VigilConfig,
  stateDir: string,
  demoPort: number,
  at: number,
): Promise<Run> {
  let now = at;
  let session: DevSession | undefined;
  const clock: Clock = {
    now: () => now,
    sleep: async (ms) => {
      await session?.settled();
      now += ms;
    },
  };
  const events: DevEvent[] = [];
  const waiting: { round: number; resolve: () => void }[] = [];
  const view = capturingView();
  session = await startDev({
    config,
    intervalMs: INTERVAL_MS,
    port: 0,
    demo: { port: demoPort, cycleMs: DEMO_CYCLE_MS },
    stateDir,
    clock,
    view,
    onEvent: (event) => {
      events.push(event);
      if (event.kind !== 'round') return;
      for (const wait of waiting.filter((entry) => entry.round <= event.round)) wait.resolve();
    },
  });
  return {
    session,
    events,
    printed: view.printed,
    afterRound: (round) => new Promise((resolve) => waiting.push({ round, resolve })),
  };
}

const published = (events: readonly DevEvent[]) =>
  events.flatMap((event) =>
    event.kind === 'transition' && event.published
      ? [`${event.transition.alarm}: ${event.transition.from} → ${event.transition.to}`]
      : [],
  );

/** Each alert once, in the order first sent, with every channel it reached (whichever invocation sent it). */
const reached = (events: readonly DevEvent[], via: DevNotification['via']) => {
  const seen = new Map<string, Set<string>>();
  for (const event of events) {
    if (event.kind !== 'notification' || event.via !== via) continue;
    for (const alert of event.alerts) {
      const key = `${alert.status} ${alert.severity} ${alert.name}`;
      const channels = seen.get(key) ?? new Set<string>();
      for (const channel of alert.channels) channels.add(`${channel.channel}${channel.ok ? '' : ' failed'}`);
      seen.set(key, channels);
    }
  }
  return [...seen].map(([key, channels]) => `${key} → ${[...channels].sort().join(', ')}`);
};

const notified = (events: readonly DevEvent[], via: DevNotification['via']) =>
  events.flatMap((event) =>
    event.kind === 'notification' && event.via === via
      ? event.alerts.map(
          (alert) =>
            `${alert.status} ${alert.severity} ${alert.name} → ${alert.channels
              .map((channel) => `${channel.channel}${channel.ok ? '' : ' failed'}`)
              .join(', ')}`,
        )
      : [],
  );

describe('vigil dev (virtual time, real loopback)', () => {
  it('story: one demo cycle fires warning → critical → emergency → down and the two rule-file alerts, then resolves each, on console and Slack', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'vigil-dev-'));
    const demoPort = await freePort();
    const run = await startVirtual(
      devConfig(demoPort),
      stateDir,
      demoPort,
      nextTickAt(Date.now(), INTERVAL_MS),
    );

    await run.afterRound(ROUNDS);
    await run.session.stop();

    expect(published(run.events)).toEqual([
      'vigil-dev-one-api-Goroutines-warning: OK → ALARM',
      'vigil-dev-one-api-Goroutines-critical: OK → ALARM',
      // The rule file's alerts (examples/demo-service/rules.yml): p95 latency past 0.5 s, then 8% errors, each
      // for 15 s (4 periods of 5 s).
      'vigil-dev-mall-go-HighLatency-warning: OK → ALARM',
      'vigil-dev-one-api-Goroutines-emergency: OK → ALARM',
      'vigil-dev-mall-go-HighErrorRate-critical: OK → ALARM',
      'vigil-dev-one-api-down-critical: OK → ALARM',
      // The restart reset the demo's counters and stopped its errors: the [30s] error rate falls below 5%.
      'vigil-dev-mall-go-HighErrorRate-critical: ALARM → OK',
      // While the service restarts its health answers 503: no Goroutines datapoints, so every level keeps its
      // state (missing data is ignored); the first reading after the restart resolves each.
      'vigil-dev-one-api-Goroutines-warning: ALARM → OK',
      'vigil-dev-one-api-Goroutines-critical: ALARM → OK',
      'vigil-dev-one-api-Goroutines-emergency: ALARM → OK',
      'vigil-dev-mall-go-HighLatency-warning: ALARM → OK',
      'vigil-dev-one-api-down-critical: ALARM → OK',
    ]);
    // Six pages: the warning, each escalation a minute or so later, the rule file's two alerts, and the outage. The
    // group wait sends what one round changed as one message: the outage with the error rate's resolution, then
    // the three levels and the latency resolved together (with their real durations), the outage's resolution last.
    const sent = reached(run.events, 'alarm');
    expect(sent).toHaveLength(12);
    expect(sent).toEqual(
      expect.arrayContaining([
        'firing warning vigil-dev-one-api-Goroutines-warning → console, ops-slack',
        'firing critical vigil-dev-one-api-Goroutines-critical → console, ops-slack',
        'firing warning HighLatency → console, ops-slack',
        'firing emergency vigil-dev-one-api-Goroutines-emergency → console, ops-slack',
        'firing critical HighErrorRate → console, ops-slack',
        'firing critical vigil-dev-one-api-down-critical → console, ops-slack',
        'resolved critical HighErrorRate → console, ops-slack',
        'resolved emergency vigil-dev-one-api-Goroutines-emergency → console, ops-slack',
        'resolved critical vigil-dev-one-api-Goroutines-critical → console, ops-slack',
        'resolved warning vigil-dev-one-api-Goroutines-warning → console, ops-slack',
        'resolved warning HighLatency → console, ops-slack',
        'resolved critical vigil-dev-one-api-down-critical → console, ops-slack',
      ]),
    );
    // The console channel's own rendering, as the deployed webhook prints it to its log: one message per group.
    expect(run.printed.map((text) => text.split('\n').filter((line) => /^\S/.test(line)))).toEqual([
      ['🟠 FIRING warning: vigil-dev-one-api-Goroutines-warning'],
      ['🔴 FIRING critical: vigil-dev-one-api-Goroutines-critical'],
      ['🟠 FIRING warning: HighLatency'],
      ['🚨 FIRING emergency: vigil-dev-one-api-Goroutines-emergency'],
      ['🔴 FIRING critical: HighErrorRate'],
      [
        '🔴 1 firing, 1 resolved',
        '🔴 FIRING critical: vigil-dev-one-api-down-critical',
        '✅ RESOLVED critical: HighErrorRate',
      ],
      [
        '✅ 4 resolved',
        '✅ RESOLVED emergency: vigil-dev-one-api-Goroutines-emergency',
        '✅ RESOLVED critical: vigil-dev-one-api-Goroutines-critical',
        '✅ RESOLVED warning: vigil-dev-one-api-Goroutines-warning',
        '✅ RESOLVED warning: HighLatency',
      ],
      ['✅ RESOLVED critical: vigil-dev-one-api-down-critical'],
    ]);
    expect(run.printed[6]).not.toMatch(/after 0s/);
    expect(run.printed[0]).toContain('OK → ALARM · cloudwatch');
    // The rule's annotations, its templates rendered on the alarm's value ($labels.instance: the target's).
    const [latency, errors] = run.printed.filter((text) => /FIRING \w+: High/.test(text));
    expect(latency).toMatch(/\n {2}p95 latency above 500ms\n {2}p95 latency is \d+(\.\d+)?ms\n/);
    expect(errors).toContain(
      `\n  5xx responses on 127.0.0.1:${demoPort}\n  Error rate is 8% (threshold 5%)\n`,
    );
    // Each alert of a grouped message is its own block.
    const blocks = run.printed.flatMap((text) => text.split('\n\n'));
    expect(blocks.find((block) => block.startsWith('✅ RESOLVED critical: HighErrorRate'))).toMatch(
      /Error rate is [0-4](\.\d+)?% \(threshold 5%\)/,
    );
    // Slack got the same eight messages, and accepted every one (the fake checks Slack's limits).
    expect(slack.requests).toHaveLength(8);
    expect(JSON.stringify(slack.requests[3]?.json)).toContain('vigil-dev-one-api-Goroutines-emergency');
    expect(JSON.stringify(slack.requests[4]?.json)).toContain('Error rate is 8%');
    // New alarms settling to OK at start-up are shown but not notified.
    const silent = run.events.filter((event) => event.kind === 'transition' && !event.published);
    expect(silent.length).toBeGreaterThan(0);
    expect(existsSync(join(stateDir, 'dead-letters.jsonl'))).toBe(false);
  });

  it('a restart keeps metric history and alarm states', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'vigil-dev-'));
    const demoPort = await freePort();
    const config = devConfig(demoPort);
    const start = nextTickAt(Date.now(), INTERVAL_MS);
    // Stop during the leak, with the warning firing (about 70 s into the cycle).
    const first = await startVirtual(config, stateDir, demoPort, start);
    await first.afterRound(16);
    await first.session.stop();
    const stoppedAt = Math.max(...first.events.map((event) => event.at));

    const second = await startVirtual(config, stateDir, demoPort, nextTickAt(stoppedAt, INTERVAL_MS));
    await second.afterRound(1);
    await second.session.stop();

    const started = second.events.find((event): event is DevStarted => event.kind === 'started');
    const goroutines = started?.history.find((series) => series.metricName === 'Goroutines');
    expect(goroutines?.points.length).toBeGreaterThanOrEqual(16);
    expect(started?.alarms['vigil-dev-one-api-Goroutines-warning']).toBe('ALARM');
    const lines = readFileSync(join(stateDir, 'metrics.jsonl'), 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(16 * 10);
  });

  /** Runs `rounds` rounds from a fresh state, stops, and starts again `pauseMs` later for `after` rounds. */
  async function stopAndRestart(
    config: VigilConfig,
    demoPort: number,
    { rounds, pauseMs, after }: { rounds: number; pauseMs: number; after: number },
  ) {
    const stateDir = mkdtempSync(join(tmpdir(), 'vigil-dev-'));
    const first = await startVirtual(config, stateDir, demoPort, nextTickAt(Date.now(), INTERVAL_MS));
    await first.afterRound(rounds);
    await first.session.stop();
    const stoppedAt = Math.max(...first.events.map((event) => event.at));
    const slackBefore = slack.requests.length;
    const second = await startVirtual(
      config,
      stateDir,
      demoPort,
      nextTickAt(stoppedAt + pauseMs, INTERVAL_MS),
    );
    await second.afterRound(after);
    await second.session.stop();
    return { first, second, slackRequests: slack.requests.length - slackBefore };
  }

  it('story: stopped 25 s while healthy, restarted healthy: one "probe stalled" and its resolution, nothing per target', async () => {
    const demoPort = await freePort();
    // About 40 s into the demo cycle: steady, every alarm settled to OK.
    const { first, second, slackRequests } = await stopAndRestart(devConfig(demoPort), demoPort, {
      rounds: 8,
      pauseMs: 25_000,
      after: 4,
    });

    expect(published(first.events)).toEqual([]);
    expect(published(second.events)).toEqual([
      'vigil-dev-probe-stalled-critical: OK → ALARM',
      'vigil-dev-probe-stalled-critical: ALARM → OK',
    ]);
    // Through the meta path, which without alerts.meta goes where the routes send alerts.
    expect(notified(second.events, 'alarm')).toEqual([
      'firing critical vigil-dev-probe-stalled-critical → console, ops-slack',
      'resolved critical vigil-dev-probe-stalled-critical → console, ops-slack',
    ]);
    expect(second.printed.map((text) => text.split('\n')[0])).toEqual([
      '🔴 FIRING critical: vigil-dev-probe-stalled-critical',
      '✅ RESOLVED critical: vigil-dev-probe-stalled-critical',
    ]);
    expect(second.printed[0]).toMatch(/The probe stalled \(critical\): no round of vigil-dev-probe reported/);
    expect(slackRequests).toBe(2);
  });

  it('story: stopped 10 s (two intervals): nothing at all on restart', async () => {
    const demoPort = await freePort();
    const { second } = await stopAndRestart(devConfig(demoPort), demoPort, {
      rounds: 8,
      pauseMs: 10_000,
      after: 4,
    });

    expect(published(second.events)).toEqual([]);
    expect(notified(second.events, 'alarm')).toEqual([]);
  });

  it('story: stopped 25 s while the warning fired, restarted recovered: the stall to alerts.meta, the warning resolves', async () => {
    const demoPort = await freePort();
    const config = devConfig(demoPort, '  meta: [console]\n');
    // About 80 s into the cycle the warning is firing; the restarted demo begins a new, calm cycle.
    const { first, second, slackRequests } = await stopAndRestart(config, demoPort, {
      rounds: 16,
      pauseMs: 25_000,
      after: 4,
    });

    expect(published(first.events)).toEqual(['vigil-dev-one-api-Goroutines-warning: OK → ALARM']);
    expect(notified(second.events, 'alarm')).toEqual([
      'firing critical vigil-dev-probe-stalled-critical → console',
      'resolved warning vigil-dev-one-api-Goroutines-warning → console, ops-slack',
      'resolved critical vigil-dev-probe-stalled-critical → console',
    ]);
    // Only the warning's resolution is a target's business, so only it reaches Slack.
    expect(slackRequests).toBe(1);
  });

  it('POST /alerts from Alertmanager reaches the same channels', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'vigil-dev-'));
    const demoPort = await freePort();
    const run = await startVirtual(
      devConfig(demoPort),
      stateDir,
      demoPort,
      nextTickAt(Date.now(), INTERVAL_MS),
    );
    const before = slack.requests.length;

    const response = await fetch(run.session.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: readFileSync(FIXTURE),
    });
    const answer = (await response.json()) as {
      received: string;
      channels: { channel: string; ok: boolean }[];
    };
    await run.session.stop();

    expect(response.status).toBe(200);
    expect(answer.received).toBe('alertmanager');
    expect(answer.channels.map((channel) => [channel.channel, channel.ok])).toEqual([
      ['console', true],
      ['ops-slack', true],
    ]);
    expect(notified(run.events, 'http')).toEqual(
      expect.arrayContaining(['firing critical ProbeFailure → console, ops-slack']),
    );
    expect(run.printed.some((text) => text.includes('ProbeFailure'))).toBe(true);
    expect(slack.requests.length).toBe(before + 1);
  });
});
