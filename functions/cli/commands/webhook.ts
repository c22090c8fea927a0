import { SecretError } from '../../config/secrets';
import { DEFAULT_DEAD_LETTER_FILE, fileDeadLetterStore } from '../../deadletter/file';
import { notificationEvent } from '../../dev/events';
import { ALERTMANAGER_API_PREFIX } from '../../intake/alertmanager-api';
import { intakeWarnings } from '../../intake/auth';
import { INTAKE_PATH, startWebhookServer, type WebhookServer } from '../../intake/server';
import { redact } from '../../logging/redact';
import { routingWarnings } from '../../routing/routes';
import { DEFAULT_ALERT_STATE_FILE, sqliteStateStore } from '../../state/sqlite';
import { createUi } from '../../ui/routes';
import { silenceRows } from '../../ui/silences';
import { CONFIG_OPTION, type Command, EXIT, parse, UsageError, write } from '../args';
import { colourer } from '../format';
import { loadCommandConfig } from './shared';

export const DEFAULT_WEBHOOK_PORT = 8787;

export function parsePort(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`--port must be 0-65535, got "${text}"`);
  return port;
}

export const webhook: Command = {
  name: 'webhook',
  summary: 'serve the webhook HTTP intake locally (`vigil webhook serve`)',
  usage: `Usage: vigil webhook serve [--config FILE] [--port ${DEFAULT_WEBHOOK_PORT}] [--dead-letters FILE] [--state FILE] [--ui]

Serves POST ${INTAKE_PATH} on 127.0.0.1 with exactly the Lambda's logic: Alertmanager (webhook_configs url
http://127.0.0.1:PORT${INTAKE_PATH}), Grafana contact points and plain {"alerts":[...]} JSON are authenticated
(webhook.token / webhook.hmacSecret), routed and delivered to the configured channels. Failed deliveries are
kept in --dead-letters (default ${DEFAULT_DEAD_LETTER_FILE}) for \`vigil replay\`. The alert state (dedup,
inhibition, silences, reminders, rate budgets) lives in --state (default ${DEFAULT_ALERT_STATE_FILE}), which several
processes may share; the sweep that sends reminders and queued alerts runs every minute. Alertmanager's API v2
silence endpoints are served under /api/v2/ behind the same credentials, so amtool works against it:
  amtool --alertmanager.url=http://127.0.0.1:PORT silence add alertname=X --http.config.file=amtool-http.yml
Ctrl-C stops it.

  --ui   also serve the page on http://127.0.0.1:PORT/: the notification log (what was sent where), dead letters
         with their reason, silences; live. Read-only unless a request carries webhook.token.

Exit 0 after Ctrl-C, 1 if it cannot start, 2 on a bad config or usage (an unset \${env:…} webhook token included).`,
  async run(argv, io) {
    const { values, positionals } = parse(
      argv,
      {
        ...CONFIG_OPTION,
        port: { type: 'string', short: 'p' },
        'dead-letters': { type: 'string' },
        state: { type: 'string' },
        ui: { type: 'boolean' },
      },
      true,
    );
    if (positionals[0] !== 'serve' || positionals.length > 1)
      throw new UsageError('expected: vigil webhook serve');
    const port = parsePort(values.port, DEFAULT_WEBHOOK_PORT);
    const config = loadCommandConfig(values.config, io);
    if (typeof config === 'number') return config;
    const paint = colourer(io.stderr, io.env);
    for (const warning of [
      ...intakeWarnings(config.webhook),
      ...routingWarnings(config.routes, config.alerts.fallback),
    ])
      write(io.stderr, paint('yellow', `warning: ${warning}`));
    const deadLetterFile = values['dead-letters'] ?? DEFAULT_DEAD_LETTER_FILE;
    const deadLetters = fileDeadLetterStore(deadLetterFile);
    const state = sqliteStateStore(values.state ?? DEFAULT_ALERT_STATE_FILE);
    const ui = values.ui
      ? createUi({
          mode: 'webhook',
          config,
          state,
          silences: silenceRows(state, config, Date.now),
          deadLetters: { store: deadLetters, file: deadLetterFile },
          write: (text) => write(io.stdout, text),
        })
      : undefined;
    let server: WebhookServer;
    try {
      server = await startWebhookServer({
        config,
        deadLetters,
        state,
        port,
        write: (text) => write(io.stdout, text),
        onResult: (result) => {
          ui?.publish(notificationEvent(result, 'http', Date.now()));
          if (result.kind !== 'http') return;
          const status = result.response.statusCode;
          const line = `${new Date().toISOString()} POST ${INTAKE_PATH} → ${status} ${result.response.body}`;
          write(io.stderr, status >= 400 ? paint('yellow', line) : line);
        },
        onApiRequest: ({ method, path, status }) => {
          const line = `${new Date().toISOString()} ${method} ${path} → ${status}`;
          write(io.stderr, status >= 400 ? paint('yellow', line) : line);
        },
        sweep: {
          onReport: (report) => {
            const sent = report.outcomes.filter((outcome) => outcome.ok).length;
            if (sent > 0 || report.reminders > 0)
              write(
                io.stderr,
                `${new Date().toISOString()} sweep: ${report.reminders} reminder(s), ${sent} message(s)`,
              );
          },
        },
        onError: (error) => write(io.stderr, paint('red', `error: ${redact(error.message)}`)),
        ...(ui ? { routes: ui.handle } : {}),
      });
    } catch (error) {
      await ui?.close();
      await state.close();
      if (error instanceof SecretError) {
        write(io.stderr, paint('red', `error: webhook credentials: ${error.message}`));
        return EXIT.usage;
      }
      throw error;
    }
    write(
      io.stderr,
      `vigil webhook listening on ${server.url}${INTAKE_PATH} and ${server.url}${ALERTMANAGER_API_PREFIX} (dead letters: ${deadLetters.description})`,
    );
    if (ui) write(io.stderr, `page: ${server.url}/`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await server.close();
    await ui?.close();
    await state.close();
    return EXIT.ok;
  },
};
