import { formatDuration, parseDuration } from '../../config/units';
import { DEFAULT_STATE_DIR } from '../../dev/run';
import { redactUrl } from '../../logging/redact';
import { cloudWatchPublisher, probeAndPublish, summarize } from '../../probing/cycle';
import { unknownTargets } from '../../probing/run';
import { stateStore } from '../../probing/state';
import { probeTimeoutSeconds } from '../../probing/timing';
import type { ProbeResult } from '../../probing/types';
import { CONFIG_OPTION, type Command, EXIT, JSON_OPTION, parse, UsageError, write } from '../args';
import { colourer, formatMs, formatNumber, table } from '../format';
import { loadCommandConfig } from './shared';

export const probe: Command = {
  name: 'probe',
  summary: 'run one probe round and print what each target answered',
  usage: `Usage: vigil probe [--config FILE] [--target NAME]... [--publish] [--timeout D] [--state-dir DIR] [--json]

Probes every target in the config once (or only the --target ones) and prints a table:
target, up/down, failure reason, status, duration and the extracted values.

  --target NAME   probe only this target (repeatable)
  --publish       also send the metrics to CloudWatch exactly as the Lambda does, except its heartbeat
                  (a one-off round must not make a stalled deployment look alive); standard AWS config:
                  AWS_REGION, credentials, AWS_ENDPOINT_URL_CLOUDWATCH
  --timeout D     the round and its publishing end within D, as the Lambda's do within its timeout
                  (default: the probe Lambda's timeout for probe.schedule, 55s at 1m)
  --state-dir DIR keep rate() history between runs in DIR/probe-state/, as the Lambda keeps it in S3
                  (default .vigil): a second run shows the rates the first could not
  --json          print the full results as JSON

Exit 0 when the round ran (even if targets are down), 1 if any datum did not reach CloudWatch (refused,
unreachable or out of time: EMF written to a terminal becomes no metric), 2 on a bad config or usage.`,
  async run(argv, io) {
    const { values } = parse(argv, {
      ...CONFIG_OPTION,
      ...JSON_OPTION,
      target: { type: 'string', multiple: true },
      publish: { type: 'boolean' },
      timeout: { type: 'string' },
      'state-dir': { type: 'string' },
    });
    const timeoutMs = values.timeout === undefined ? undefined : parseTimeout(values.timeout);
    const config = loadCommandConfig(values.config, io);
    if (typeof config === 'number') return config;
    const only = values.target;
    if (only) {
      const unknown = unknownTargets(config, only);
      if (unknown.length > 0) {
        throw new UsageError(
          `unknown target${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the config has ${config.targets.map((t) => t.name).join(', ') || 'none'}`,
        );
      }
    }
    const total = only ? only.length : config.targets.length;
    const progress = io.stderr.isTTY && !values.json;
    let done = 0;
    // EMF lines are what the Lambda would log; on a terminal they are only shown (never on stdout under --json).
    const emfOut = values.json ? io.stderr : io.stdout;
    const summary = await probeAndPublish(config, {
      // A deadline, as the Lambda has: a CloudWatch endpoint that accepts and never answers cannot hang the CLI.
      deadline: Date.now() + (timeoutMs ?? probeTimeoutSeconds(config.probe.schedule) * 1000),
      ...(only ? { only } : {}),
      ...(values.publish
        ? { publisher: cloudWatchPublisher(config, { writeLine: (line) => write(emfOut, line) }) }
        : {}),
      state: stateStore({}, values['state-dir'] ?? DEFAULT_STATE_DIR),
      onResult: () => {
        done++;
        if (progress) io.stderr.write(`\r\u001b[2Kprobing ${done}/${total}…`);
      },
    });
    if (progress) io.stderr.write('\r\u001b[2K');
    const compact = summarize(summary);
    const lost = [...(summary.publish?.fallback ?? []), ...(summary.publish?.failed ?? [])];
    const lostCount = lost.reduce((sum, entry) => sum + entry.datums, 0);
    if (values.json) {
      write(io.stdout, JSON.stringify({ summary: compact, results: summary.round.results }, null, 2));
      if (lostCount > 0)
        write(io.stderr, `vigil probe: ${lostCount} datums did not reach CloudWatch: ${reasons(lost)}`);
      return lostCount > 0 ? EXIT.failure : EXIT.ok;
    }
    const paint = colourer(io.stdout, io.env);
    const urls = new Map(config.targets.map((target) => [target.name, redactUrl(target.url)]));
    write(io.stdout, renderResults(summary.round.results, paint, urls));
    const footer = [`${compact.up}/${compact.targets} up in ${formatMs(compact.durationMs)}`];
    if (summary.publish) {
      const p = summary.publish;
      footer.push(
        `published ${p.sent} of ${summary.datums} datums in ${p.requests} request${p.requests === 1 ? '' : 's'} to namespace ${config.namespace}`,
      );
      for (const fallback of p.fallback)
        footer.push(
          paint(
            'red',
            `not published: ${fallback.datums} datums CloudWatch did not take (${fallback.error}); printed as EMF above, which only the Lambda's log turns into metrics`,
          ),
        );
      if (config.publish.via === 'emf' && p.viaEmf > 0)
        footer.push(`${p.viaEmf} datums printed as EMF (publish: emf): in the Lambda its log carries them`);
      for (const failure of p.failed)
        footer.push(paint('red', `publish failed for ${failure.datums} datums: ${failure.error}`));
    } else footer.push(`${compact.datums} datums (not published: add --publish)`);
    for (const dropped of compact.dropped)
      footer.push(paint('yellow', `not publishable: ${dropped.target} ${dropped.metric}: ${dropped.why}`));
    for (const warning of compact.warnings) footer.push(paint('yellow', `warning: ${warning}`));
    write(io.stdout, `\n${footer.join('\n')}`);
    return lostCount > 0 ? EXIT.failure : EXIT.ok;
  },
};

/** "EMF fallback: deadline (3); …": the distinct reasons, each with its count. */
function reasons(lost: readonly { error: string; datums: number }[]): string {
  return lost.map((entry) => `${entry.error} (${entry.datums})`).join('; ');
}

function parseTimeout(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0)
    throw new UsageError(`--timeout must be a duration such as 30s or 2m, got "${text}"`);
  if (ms > PROBE_CLI_MAX_TIMEOUT_MS)
    throw new UsageError(
      `--timeout must be at most ${formatDuration(PROBE_CLI_MAX_TIMEOUT_MS)}, got "${text}"`,
    );
  return ms;
}

/** The Lambda's longest run; longer would also overflow Node's timers (2^31 ms) for no use. */
const PROBE_CLI_MAX_TIMEOUT_MS = 15 * 60_000;

function renderResults(
  results: readonly ProbeResult[],
  paint: ReturnType<typeof colourer>,
  urls: Map<string, string>,
): string {
  const rows = results.map((result) => [
    result.target,
    result.success ? paint('green', 'up') : paint('red', 'DOWN'),
    result.reason ?? '',
    result.statusCode === undefined ? '-' : String(result.statusCode),
    formatMs(result.durationMs),
    result.values
      .map((value) => {
        const dims = Object.entries(value.dimensions)
          .map(([key, v]) => `${key}=${v}`)
          .join(',');
        return `${value.metric}${dims ? `{${dims}}` : ''}=${formatNumber(value.value)}`;
      })
      .join(' '),
    result.detail ?? urls.get(result.target) ?? '',
  ]);
  return table(['TARGET', 'UP', 'REASON', 'STATUS', 'DURATION', 'VALUES', 'DETAIL'], rows, 80);
}
