import { DEFAULT_CYCLE_MS, DEFAULT_DEMO_PORT } from '../../../examples/demo-service/server';
import { MAX_LOCATIONS } from '../../config/schema';
import { formatDuration, parseDuration } from '../../config/units';
import { DEFAULT_INTERVAL_MS, DEFAULT_STATE_DIR, MIN_INTERVAL_MS, startDev } from '../../dev/run';
import { createView } from '../../dev/view';
import { intakeWarnings } from '../../intake/auth';
import { CONFIG_OPTION, type Command, EXIT, parse, UsageError, write } from '../args';
import { colourer } from '../format';
import { loadCommandConfig } from './shared';
import { DEFAULT_WEBHOOK_PORT, parsePort } from './webhook';

/** Fewer probes than this per demo cycle and the leak is sampled too coarsely for every level to fire. */
const DEMO_MIN_ROUNDS_PER_CYCLE = 20;

function parseInterval(flag: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`${flag} must be a duration such as 5s or 500ms, got "${text}"`);
  if (ms < min) throw new UsageError(`${flag} must be at least ${formatDuration(min)}, got "${text}"`);
  return ms;
}

/** `--locations N` and `--fail-location I`...: a usage error names the flag and the range. */
function parseLocations(
  count: string | undefined,
  failing: readonly string[] | undefined,
): { count: number; failing: number[] } | undefined {
  if (count === undefined) {
    if (failing && failing.length > 0) throw new UsageError('--fail-location needs --locations N');
    return undefined;
  }
  const n = Number(count);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LOCATIONS)
    throw new UsageError(`--locations must be a whole number from 1 to ${MAX_LOCATIONS}, got "${count}"`);
  const indexes = (failing ?? []).map((text) => {
    const index = Number(text);
    if (!Number.isInteger(index) || index < 1 || index > n)
      throw new UsageError(`--fail-location must name a location from 1 to ${n}, got "${text}"`);
    return index;
  });
  return { count: n, failing: indexes };
}

export const dev: Command = {
  name: 'dev',
  summary:
    'run the whole chain locally: demo service → probes → metrics → alarms → notifications (`npm start`)',
  usage: `Usage: vigil dev [--config FILE] [--interval ${formatDuration(DEFAULT_INTERVAL_MS)}] [--port ${DEFAULT_WEBHOOK_PORT}] [--no-demo] [--once]
                 [--demo-port ${DEFAULT_DEMO_PORT}] [--demo-cycle ${formatDuration(DEFAULT_CYCLE_MS)}] [--state-dir ${DEFAULT_STATE_DIR}]
                 [--locations N [--fail-location I]...]

Runs what AWS runs, on this machine and without an AWS account: every interval the probe round of the Lambda,
its metrics into a local store instead of CloudWatch, the alarms infra/ deploys evaluated over them with
CloudWatch's rules, and each alarm state change handed to the webhook as the SNS event AWS would deliver:
notifications go to the console and to every channel the config routes to. A terminal shows a live table;
pipes and CI get one log line per round, alarm change and notification. Ctrl-C stops everything.

  --interval D     probe interval, also the alarms' period (default ${formatDuration(DEFAULT_INTERVAL_MS)})
  --port N         webhook intake on http://127.0.0.1:N/alerts for Alertmanager, Grafana or curl
                   (default ${DEFAULT_WEBHOOK_PORT}; 0 picks a free port)
  --no-demo        do not start the demo service (probe only the config's own targets)
  --demo-port N    port of the demo service (default ${DEFAULT_DEMO_PORT}; the example vigil.yml probes it there)
  --demo-cycle D   length of the demo's leak-and-recover cycle (default ${formatDuration(DEFAULT_CYCLE_MS)})
  --state-dir DIR  metric history, alarm states and dead letters (default ${DEFAULT_STATE_DIR})
  --once           one round (and its notifications), then exit
  --locations N    simulate N probe locations (local-1 … local-N, 1-${MAX_LOCATIONS}): each probes every target and
                   the down alarms need a quorum of them (probe.quorum, default a majority)
  --fail-location I  location I (1-based, repeatable) sees every target fail: one of three does not page,
                   two do

Exit 0 after Ctrl-C or --once (even if targets are down), 1 if it cannot start, 2 on a bad config or usage.`,
  async run(argv, io) {
    const { values } = parse(argv, {
      ...CONFIG_OPTION,
      interval: { type: 'string', short: 'i' },
      port: { type: 'string', short: 'p' },
      'no-demo': { type: 'boolean' },
      'demo-port': { type: 'string' },
      'demo-cycle': { type: 'string' },
      'state-dir': { type: 'string' },
      once: { type: 'boolean' },
      locations: { type: 'string' },
      'fail-location': { type: 'string', multiple: true },
    });
    const locations = parseLocations(values.locations, values['fail-location']);
    const intervalMs = parseInterval('--interval', values.interval, DEFAULT_INTERVAL_MS, MIN_INTERVAL_MS);
    const port = parsePort(values.port, DEFAULT_WEBHOOK_PORT);
    const demoPort = parsePort(values['demo-port'], DEFAULT_DEMO_PORT);
    const cycleMs = parseInterval('--demo-cycle', values['demo-cycle'], DEFAULT_CYCLE_MS, MIN_INTERVAL_MS);
    const noDemo = values['no-demo'] === true;
    if (noDemo && (values['demo-port'] !== undefined || values['demo-cycle'] !== undefined))
      throw new UsageError('--demo-port and --demo-cycle have no effect with --no-demo');

    const config = loadCommandConfig(values.config, io);
    if (typeof config === 'number') return config;
    const paint = colourer(io.stderr, io.env);
    for (const warning of intakeWarnings(config.webhook))
      write(io.stderr, paint('yellow', `warning: ${warning}`));
    if (!noDemo && cycleMs < intervalMs * DEMO_MIN_ROUNDS_PER_CYCLE)
      write(
        io.stderr,
        paint(
          'yellow',
          `warning: a ${formatDuration(cycleMs)} demo cycle probed every ${formatDuration(intervalMs)} is too coarse for every alarm level to fire`,
        ),
      );

    let session: Awaited<ReturnType<typeof startDev>>;
    try {
      session = await startDev({
        config,
        intervalMs,
        port,
        demo: noDemo ? false : { port: demoPort, cycleMs },
        once: values.once === true,
        stateDir: values['state-dir'] ?? DEFAULT_STATE_DIR,
        view: createView(io.stdout, io.env),
        ...(locations ? { locations } : {}),
      });
    } catch (error) {
      write(io.stderr, paint('red', `vigil dev: ${(error as Error).message}`));
      return EXIT.failure;
    }
    // The first Ctrl-C stops cleanly; the listeners go, so a second one ends the process at once.
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void session.stop();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    try {
      await session.done;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    return EXIT.ok;
  },
};
