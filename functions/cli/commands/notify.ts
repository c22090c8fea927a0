import { type Alert, SEVERITIES, type Severity } from '../../alerts/types';
import { resolveChannel } from '../../channels/schema';
import { DEFAULT_DEAD_LETTER_FILE, fileDeadLetterStore } from '../../deadletter/file';
import { keepDeadLetters } from '../../deadletter/keep';
import { deadlineIn } from '../../deadline';
import { productionDeliverDeps } from '../../webhook/deps';
import { deliverRouted } from '../../webhook/dispatch';
import { CONFIG_OPTION, type Command, EXIT, JSON_OPTION, parse, UsageError, write } from '../args';
import { colourer } from '../format';
import { loadCommandConfig } from './shared';

/** Budget for one test notification, retries included. */
const NOTIFY_TEST_BUDGET_MS = 60_000;

/** A realistic alert: the goroutine leak vigil's example config watches for. */
export function sampleAlert(severity: Severity, status: Alert['status'], now: Date): Alert {
  const threshold = { info: 1000, warning: 2000, critical: 5000, emergency: 10000 }[severity];
  const started = new Date(now.getTime() - 7 * 60_000).toISOString();
  return {
    status,
    name: `vigil-dev-one-api-Goroutines-${severity}`,
    severity,
    summary:
      status === 'firing'
        ? `one-api Goroutines ${threshold * 1.05} > ${threshold}`
        : `one-api Goroutines back under ${threshold}`,
    description:
      'Test notification sent by `vigil notify test`: the goroutine count of one-api crossed its threshold.',
    labels: {
      alertname: `vigil-dev-one-api-Goroutines-${severity}`,
      severity,
      target: 'one-api',
      metric: 'Goroutines',
    },
    annotations: {
      summary: 'Goroutine leak suspected',
      runbook_url: 'https://example.com/runbooks/goroutine-leak',
    },
    value: status === 'firing' ? threshold * 1.05 : threshold * 0.4,
    threshold,
    comparison: '>',
    metric: {
      namespace: 'Vigil',
      name: 'Goroutines',
      dimensions: { Target: 'one-api' },
      stat: 'Maximum',
      periodSeconds: 60,
    },
    startsAt: started,
    ...(status === 'resolved' ? { endsAt: now.toISOString() } : {}),
    links: [{ title: 'Runbook', url: 'https://example.com/runbooks/goroutine-leak' }],
    source: 'vigil',
    fingerprint: `vigil-notify-test-${severity}`,
    transition: status === 'firing' ? 'OK → ALARM' : 'ALARM → OK',
  };
}

export const notify: Command = {
  name: 'notify',
  summary: 'send a realistic sample alert to one channel (`vigil notify test --channel NAME`)',
  usage: `Usage: vigil notify test --channel NAME [--severity ${SEVERITIES.join('|')}] [--resolved] [--config FILE] [--json]

Renders a sample alert (a goroutine leak on one-api) exactly as the webhook would and sends it to one channel
from the config (or the built-in console). A failure is kept in ${DEFAULT_DEAD_LETTER_FILE} like any other.
Exit 0 when the channel accepted it, 1 when it failed, 2 on a bad config or usage.`,
  async run(argv, io) {
    const { values, positionals } = parse(
      argv,
      {
        ...CONFIG_OPTION,
        ...JSON_OPTION,
        channel: { type: 'string' },
        severity: { type: 'string' },
        resolved: { type: 'boolean' },
      },
      true,
    );
    if (positionals[0] !== 'test' || positionals.length > 1)
      throw new UsageError('expected: vigil notify test --channel NAME');
    if (!values.channel) throw new UsageError('--channel NAME is required');
    const severity = (values.severity ?? 'critical') as Severity;
    if (!SEVERITIES.includes(severity))
      throw new UsageError(`--severity must be one of ${SEVERITIES.join(', ')}`);
    const config = loadCommandConfig(values.config, io);
    if (typeof config === 'number') return config;
    if (!resolveChannel(values.channel, config.channels)) {
      throw new UsageError(
        `unknown channel "${values.channel}"; configured: ${['console', ...Object.keys(config.channels)].join(', ')}`,
      );
    }
    const alert = sampleAlert(severity, values.resolved ? 'resolved' : 'firing', new Date());
    const deliver = productionDeliverDeps({
      deadline: deadlineIn(NOTIFY_TEST_BUDGET_MS),
      // With --json, stdout carries exactly one JSON document: the console channel prints to stderr.
      write: (text) => write(values.json ? io.stderr : io.stdout, text),
    });
    const outcomes = await deliverRouted(new Map([[values.channel, [alert]]]), config.channels, { deliver });
    await keepDeadLetters(outcomes, fileDeadLetterStore(), new Date());
    const outcome = outcomes[0]!;
    if (values.json)
      write(
        io.stdout,
        JSON.stringify(outcome, (key, value) => (key === 'batch' ? undefined : value), 2),
      );
    else {
      const paint = colourer(io.stdout, io.env);
      write(
        io.stdout,
        outcome.ok
          ? `${paint('green', '✓')} ${values.channel} accepted the ${severity} ${alert.status} test alert (${outcome.attempts} attempt${outcome.attempts === 1 ? '' : 's'})`
          : `${paint('red', '✗')} ${values.channel}: ${outcome.error?.message ?? 'failed'} (${outcome.reason}, ${outcome.attempts} attempts; kept in ${DEFAULT_DEAD_LETTER_FILE})`,
      );
    }
    return outcome.ok ? EXIT.ok : EXIT.failure;
  },
};
