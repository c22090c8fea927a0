/**
 * `vigil dev --locations 3 [--fail-location I]...` as a story in virtual time: three simulated locations probe
 * two healthy loopback targets; the down alarms are the deployed quorum alarms (2 of 3 locations, 2 of 3
 * periods). One failing location pages nobody; two page once per target; all healthy again resolves each once.
 * Sessions share the state directory and follow each other in time, as a restarted `vigil dev` would.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../functions/config/load';
import type { DevEvent } from '../../functions/dev/events';
import type { SimulatedLocations } from '../../functions/dev/locations';
import { type DevSession, nextTickAt, startDev } from '../../functions/dev/run';
import { respond, startHttpServer, type TestServer } from '../helpers/servers';

const INTERVAL_MS = 5_000;
const ROUNDS = 6;
let server: TestServer;

beforeAll(async () => {
  server = await startHttpServer(respond(200, 'ok'));
});
afterAll(async () => {
  await server.close();
});

/** Runs ROUNDS rounds from `at` in virtual time; returns the events and when the session's clock stopped. */
async function session(stateDir: string, locations: SimulatedLocations, at: number) {
  const config = parseConfig(`targets:
  - { name: shop, url: "${server.url}/shop" }
  - { name: api, url: "${server.url}/api" }
routes:
  - channels: [console]
`);
  let now = at;
  let running: DevSession | undefined;
  const events: DevEvent[] = [];
  let rounds = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  running = await startDev({
    config,
    intervalMs: INTERVAL_MS,
    port: 0,
    demo: false,
    stateDir,
    locations,
    clock: {
      now: () => now,
      sleep: async (ms) => {
        await running?.settled();
        now += ms;
      },
    },
    view: { handle: () => undefined, print: () => undefined, close: () => undefined },
    onEvent: (event) => {
      events.push(event);
      if (event.kind === 'round' && ++rounds === ROUNDS) done();
    },
  });
  await finished;
  await running.stop();
  const notifications = events.flatMap((event) =>
    event.kind === 'notification' && event.via === 'alarm'
      ? event.alerts.map((alert) => `${alert.status} ${alert.severity} ${alert.name}`)
      : [],
  );
  return { notifications, end: now };
}

describe('vigil dev --locations 3', () => {
  it('story: one failing location pages nobody, two page once per target, recovery resolves each once', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'vigil-dev-locations-'));
    const start = nextTickAt(Date.now(), INTERVAL_MS);

    const one = await session(stateDir, { count: 3, failing: [2] }, start);
    const two = await session(stateDir, { count: 3, failing: [2, 3] }, one.end);
    const none = await session(stateDir, { count: 3, failing: [] }, two.end);

    expect(one.notifications).toEqual([]);
    // Each target's alarm is its own notification, delivered concurrently: the order between targets is not fixed.
    expect([...two.notifications].sort()).toEqual([
      'firing critical vigil-dev-api-down-critical',
      'firing critical vigil-dev-shop-down-critical',
    ]);
    expect([...none.notifications].sort()).toEqual([
      'resolved critical vigil-dev-api-down-critical',
      'resolved critical vigil-dev-shop-down-critical',
    ]);
  }, 60_000);
});
