import { redactUrl } from '../../logging/redact';
import { cloudWatchPublisher, probeAndPublish, summarize } from '../../probing/cycle';
import { unknownTargets } from '../../probing/run';
import type { ProbeResult } from '../../probing/types';
import { CONFIG_OPTION, type Command, EXIT, JSON_OPTION, parse, UsageError, write } from '../args';
import { colourer, formatMs, formatNumber, table } from '../format';
import { loadCommandConfig } from './shared';

export const probe: Command = {
  name: 'probe',
  summary: 'run one probe round and print what each target answered',
  usage: `Usage: vigil probe [--config FILE] [--target NAME]... [--publish] [--json]

Probes every target in the config once (or only the --target ones) and prints a table:
target, up/down, failure reason, status, duration and the extracted values.

  --target NAME   probe only this target (repeatable)
  --publish       also send the metrics to CloudWatch exactly as the Lambda does
                  (standard AWS config: AWS_REGION, credentials, AWS_ENDPOINT_URL_CLOUDWATCH)
  --json          print the full results as JSON

Exit 0 when the round ran (even if targets are down), 1 if publishing failed, 2 on a bad config or usage.`,
  async run(argv, io) {
    const { values } = parse(argv, {
      ...CONFIG_OPTION,
      ...JSON_OPTION,
      target: { type: 'string', multiple: true },
      publish: { type: 'boolean' },
    });
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
    const summary = await probeAndPublish(config, {
      ...(only ? { only } : {}),
      ...(values.publish ? { publisher: cloudWatchPublisher(config) } : {}),
      onResult: () => {
        done++;
        if (progress) io.stderr.write(`\r\u001b[2Kprobing ${done}/${total}…`);
      },
    });
    if (progress) io.stderr.write('\r\u001b[2K');
    const compact = summarize(summary);
    const publishFailed = (summary.publish?.failed.length ?? 0) > 0;
    if (values.json) {
      write(io.stdout, JSON.stringify({ summary: compact, results: summary.round.results }, null, 2));
      return publishFailed ? EXIT.failure : EXIT.ok;
    }
    const paint = colourer(io.stdout, io.env);
    const urls = new Map(config.targets.map((target) => [target.name, redactUrl(target.url)]));
    write(io.stdout, renderResults(summary.round.results, paint, urls));
    const footer = [`${compact.up}/${compact.targets} up in ${formatMs(compact.durationMs)}`];
    if (summary.publish) {
      const p = summary.publish;
      footer.push(
        `published ${p.sent} datums in ${p.requests} request${p.requests === 1 ? '' : 's'} to namespace ${config.namespace}`,
      );
      if (p.viaEmf > 0)
        footer.push(
          paint('yellow', `${p.viaEmf} datums written as EMF to stdout after CloudWatch refused them`),
        );
      for (const failure of p.failed)
        footer.push(paint('red', `publish failed for ${failure.datums} datums: ${failure.error}`));
    } else footer.push(`${compact.datums} datums (not published: add --publish)`);
    for (const dropped of compact.dropped)
      footer.push(paint('yellow', `not publishable: ${dropped.target} ${dropped.metric}: ${dropped.why}`));
    for (const warning of compact.warnings) footer.push(paint('yellow', `warning: ${warning}`));
    write(io.stdout, `\n${footer.join('\n')}`);
    return publishFailed ? EXIT.failure : EXIT.ok;
  },
};

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
