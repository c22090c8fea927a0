import { DEFAULT_DEAD_LETTER_FILE, fileDeadLetterStore } from '../../deadletter/file';
import { replayDeadLetters } from '../../deadletter/replay';
import { queueRef, sqsDeadLetterStore } from '../../deadletter/sqs';
import { deadlineIn } from '../../deadline';
import { productionDeliverDeps } from '../../webhook/deps';
import { CONFIG_OPTION, type Command, EXIT, JSON_OPTION, parse, UsageError, write } from '../args';
import { colourer, table } from '../format';
import { loadCommandConfig } from './shared';

/** Budget for one replay run, retries included. */
const REPLAY_BUDGET_MS = 5 * 60_000;

export const replay: Command = {
  name: 'replay',
  summary: 'resend dead-lettered notifications to the channels that failed',
  usage: `Usage: vigil replay [--config FILE] [--queue URL|NAME | --file FILE] [--channel NAME] [--max N] [--dry-run] [--json]

Reads dead letters — from the SQS queue (--queue URL or name, or $VIGIL_DLQ_URL / $VIGIL_DLQ_NAME) or the local file (--file, default
${DEFAULT_DEAD_LETTER_FILE}) — and resends each one only to the channel that failed, rendered with the current
config. Letters that succeed are removed; letters that fail again stay, with their replay count raised.

  --channel NAME   only letters for this channel
  --max N          at most N letters (default 100)
  --dry-run        list what would be resent, send nothing

Exit 0 when every replayed letter was delivered, 1 when some failed again, 2 on a bad config or usage.`,
  async run(argv, io) {
    const { values } = parse(argv, {
      ...CONFIG_OPTION,
      ...JSON_OPTION,
      queue: { type: 'string' },
      file: { type: 'string' },
      channel: { type: 'string' },
      max: { type: 'string' },
      'dry-run': { type: 'boolean' },
    });
    if (values.queue && values.file) throw new UsageError('use either --queue or --file');
    const max = values.max === undefined ? 100 : Number(values.max);
    if (!Number.isInteger(max) || max < 1)
      throw new UsageError(`--max must be a positive integer, got "${values.max}"`);
    const config = loadCommandConfig(values.config, io);
    if (typeof config === 'number') return config;
    const queue = values.queue ?? (values.file ? undefined : (io.env.VIGIL_DLQ_URL ?? io.env.VIGIL_DLQ_NAME));
    const store = queue
      ? sqsDeadLetterStore(queueRef(queue))
      : fileDeadLetterStore(values.file ?? DEFAULT_DEAD_LETTER_FILE);
    const deliver = productionDeliverDeps({
      deadline: deadlineIn(REPLAY_BUDGET_MS),
      write: (text) => write(values.json ? io.stderr : io.stdout, text),
    });
    const report = await replayDeadLetters(
      store,
      config.channels,
      { deliver },
      {
        max,
        dryRun: Boolean(values['dry-run']),
        ...(values.channel ? { channel: values.channel } : {}),
      },
    );
    if (values.json) write(io.stdout, JSON.stringify(report, null, 2));
    else {
      const paint = colourer(io.stdout, io.env);
      if (report.results.length === 0) write(io.stdout, `no dead letters in ${store.description}`);
      else {
        write(
          io.stdout,
          table(
            ['LETTER', 'CHANNEL', 'ALERTS', 'FAILED AT', 'RESULT'],
            report.results.map((result) => [
              result.id.slice(0, 8),
              result.channel,
              String(result.alerts),
              result.at,
              result.status === 'delivered'
                ? paint('green', 'delivered')
                : result.status === 'would-send'
                  ? 'would send'
                  : paint('red', `failed again: ${result.error ?? ''}`),
            ]),
          ),
        );
        write(
          io.stdout,
          `\n${report.delivered} delivered, ${report.failed} failed again (${store.description})`,
        );
      }
    }
    return report.failed > 0 ? EXIT.failure : EXIT.ok;
  },
};
