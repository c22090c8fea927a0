/**
 * The page on the intake's own port (`vigil dev`, `vigil webhook serve --ui`): `GET /` and its assets, JSON data
 * under /ui/api/, and the live event stream. It reads the same stores the session writes (metrics, alarm history,
 * alert state, dead letters), so what it shows survives a restart.
 *
 * Security, on a port that only listens on 127.0.0.1:
 * - read-only unless a request carries the webhook token (`Authorization: Bearer`); with no token configured,
 *   nothing on the page can change anything;
 * - the Host header must name the loopback (a DNS-rebinding page in a browser would send its own host name), and
 *   no CORS header is ever sent, so another origin can neither read the data nor send the bearer header;
 * - every string the page gets passes redact(), and the page renders text only as text (page/text.js);
 * - a strict Content-Security-Policy: scripts and styles from this origin only, no inline script.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { AlarmDefinition } from '../alarms/definitions';
import type { AlarmState } from '../alarms/evaluate';
import type { VigilConfig } from '../config/schema';
import { peekDeadLetters } from '../deadletter/file';
import { type ReplayReport, replayDeadLetters } from '../deadletter/replay';
import type { DeadLetterStore } from '../deadletter/types';
import { deadlineIn } from '../deadline';
import type { DevEvent, DevNotification, DevStarted } from '../dev/events';
import { type MetricStore, type Series, seriesKey } from '../dev/store';
import { authenticate, type HttpIntakeConfig, headerMap } from '../intake/auth';
import { redactValue } from '../logging/redact';
import { TARGET_DIMENSION } from '../metrics/datums';
import type { ProbeResult } from '../probing/types';
import { ALERT_PARTITION, type AlertRecord, RESOLVED_PARTITION } from '../state/alerts';
import type { AlertStateStore } from '../state/item-store';
import { VERSION } from '../version';
import { productionDeliverDeps } from '../webhook/deps';
import { type AlarmHistory, alarmPeriods } from './alarm-history';
import { chartIdOf, chartSpecs, thin, wireSeries } from './charts';
import { alertRows, deadLetterRows, resultPhases, STRIP_SPAN_MS, targetPanel } from './panels';
import { eventHub } from './sse';

const UI_API_PREFIX = '/ui/api/';
/** Rows per table: the page is for looking, `vigil replay` and the state store hold everything. */
const UI_ROWS_MAX = 200;
/** The session's notifications the page can show after a reload (the alert records hold the rest). */
const RECENT_NOTIFICATIONS_MAX = 100;
/** Default points per chart line: about one per pixel of a wide chart, times two (lowest and highest). */
const SERIES_BUCKETS_DEFAULT = 1_000;
const SERIES_BUCKETS_MAX = 5_000;
/** An action's JSON body ({"channel": …}) is tiny; anything bigger is refused unread. */
const ACTION_BODY_MAX_BYTES = 4_096;
/** One replay from the page: as long as `vigil replay` gives itself. */
const REPLAY_BUDGET_MS = 5 * 60_000;
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]']);

const PAGE_DIR = join(__dirname, 'page');
const UPLOT_DIR = join(require.resolve('uplot/package.json'), '..', 'dist');
const ASSETS: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: join(PAGE_DIR, 'index.html'), type: 'text/html; charset=utf-8' },
  '/ui/app.mjs': { file: join(PAGE_DIR, 'app.mjs'), type: 'text/javascript; charset=utf-8' },
  '/ui/charts.mjs': { file: join(PAGE_DIR, 'charts.mjs'), type: 'text/javascript; charset=utf-8' },
  '/ui/text.mjs': { file: join(PAGE_DIR, 'text.mjs'), type: 'text/javascript; charset=utf-8' },
  '/ui/style.css': { file: join(PAGE_DIR, 'style.css'), type: 'text/css; charset=utf-8' },
  '/ui/vendor/uPlot.iife.min.js': {
    file: join(UPLOT_DIR, 'uPlot.iife.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
  '/ui/vendor/uPlot.min.css': { file: join(UPLOT_DIR, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
};
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
const COMMON_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** What the page can show about silences and maintenance windows, from whichever module keeps them. */
export interface SilenceRow {
  id: string;
  kind: 'silence' | 'maintenance';
  state: 'pending' | 'active' | 'expired';
  matchers: string;
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

/** The metric side, present under `vigil dev` only (`vigil webhook serve` receives alerts, it does not probe). */
export interface UiMetrics {
  store: Pick<MetricStore, 'series' | 'file'>;
  definitions: readonly AlarmDefinition[];
  states(): Record<string, AlarmState>;
  /** Epoch ms each alarm entered its current state, where known (.vigil/alarms.json). */
  since(): Record<string, number>;
  history: AlarmHistory;
  intervalMs: number;
}

export interface UiOptions {
  mode: 'dev' | 'webhook';
  config: VigilConfig;
  state: AlertStateStore;
  deadLetters: { store: DeadLetterStore; file: string };
  metrics?: UiMetrics;
  /** Lists silences and maintenance windows; absent until vigil has them (the panel says so). */
  silences?: () => Promise<SilenceRow[]>;
  /** Where the console channel prints when the page replays a letter to it. */
  write?: (text: string) => void;
  now?: () => number;
}

export interface Ui {
  /** Answers the page's requests; false for any other path (the intake's). */
  handle(req: IncomingMessage, res: ServerResponse, intake: HttpIntakeConfig): boolean;
  /** Feeds the live stream (and the alarm history) from the session's events. */
  publish(event: DevEvent): void;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...COMMON_HEADERS })
    .end(JSON.stringify(redactValue(body)));
}

/** `?name=` as a whole number within [min, max], or `fallback` when absent. */
function intParam(url: URL, name: string, fallback: number, min: number, max: number): number {
  const text = url.searchParams.get(name);
  if (text === null) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new HttpError(
      400,
      `${name} must be a whole number from ${min} to ${max}, got "${text.slice(0, 40)}"`,
    );
  return value;
}

function points(series: Series, from: number, to: number) {
  return series.points.filter((point) => point.timestamp >= from && point.timestamp < to);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > ACTION_BODY_MAX_BYTES) throw new HttpError(413, `body over ${ACTION_BODY_MAX_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** undefined when the request may change state; otherwise why not (with the status to answer). */
function actionRefusal(
  headers: IncomingMessage['headers'],
  intake: HttpIntakeConfig,
  now: Date,
): HttpError | undefined {
  if (intake.token === undefined)
    return new HttpError(
      403,
      'the page is read-only: set webhook.token in vigil.yml to allow actions (sent as a bearer token)',
    );
  const failure = authenticate(
    headerMap(headers),
    Buffer.alloc(0),
    { token: intake.token, hmacHeader: '' },
    now,
  );
  return failure === undefined ? undefined : new HttpError(401, failure);
}

export function createUi(options: UiOptions): Ui {
  const now = options.now ?? Date.now;
  const hub = eventHub();
  const recent: DevNotification[] = [];
  const lastResults = new Map<string, ProbeResult>();
  let session:
    | (Omit<DevStarted, 'kind' | 'history' | 'layout' | 'alarms'> & { round: number; demoPhase?: string })
    | undefined;

  const overview = (intake: HttpIntakeConfig) => {
    const metrics = options.metrics;
    const at = now();
    const series = metrics?.store.series() ?? [];
    const states = metrics?.states() ?? {};
    const since = metrics?.since() ?? {};
    return {
      mode: options.mode,
      version: VERSION,
      now: at,
      ...(session ? { session } : {}),
      actions:
        intake.token === undefined
          ? {
              enabled: false,
              why: 'read-only: set webhook.token in vigil.yml to replay dead letters from here',
            }
          : { enabled: true },
      silences: { available: options.silences !== undefined },
      targets: metrics
        ? options.config.targets.map((target) =>
            targetPanel(
              target,
              series.filter((each) => each.dimensions[TARGET_DIMENSION] === target.name),
              {
                now: at,
                intervalMs: metrics.intervalMs,
                ...(lastResults.has(target.name) ? { last: lastResults.get(target.name)! } : {}),
              },
            ),
          )
        : [],
      alarms: (metrics?.definitions ?? []).map((definition) => ({
        name: definition.name,
        kind: definition.kind,
        target: definition.target,
        metric: definition.metric.metricName,
        severity: definition.severity,
        op: definition.comparison.op,
        threshold: definition.threshold,
        ...(definition.math ? { math: definition.math.expression } : {}),
        source: definition.source,
        state: states[definition.name] ?? 'INSUFFICIENT_DATA',
        ...(since[definition.name] === undefined ? {} : { since: since[definition.name] }),
      })),
      charts: metrics ? chartSpecs(options.config, series, metrics.definitions) : [],
    };
  };

  const seriesData = (url: URL) => {
    const at = now();
    const to = intParam(url, 'to', at, 0, Number.MAX_SAFE_INTEGER);
    const from = intParam(url, 'from', to - STRIP_SPAN_MS, 0, Number.MAX_SAFE_INTEGER);
    if (from >= to) throw new HttpError(400, `from (${from}) must be before to (${to})`);
    const buckets = intParam(url, 'points', SERIES_BUCKETS_DEFAULT, 1, SERIES_BUCKETS_MAX);
    const metrics = options.metrics;
    if (!metrics) return { from, to, series: [], alarmPeriods: [] };
    const range = { from, to };
    const current: Record<string, { state: AlarmState; since?: number }> = {};
    const since = metrics.since();
    for (const [alarm, state] of Object.entries(metrics.states()))
      current[alarm] = since[alarm] === undefined ? { state } : { state, since: since[alarm] };
    return {
      from,
      to,
      series: metrics.store
        .series()
        .map((series) => wireSeries(series.key, thin(points(series, from, to), range, buckets)))
        .filter((series) => series.v.length > 0),
      alarmPeriods: alarmPeriods(metrics.history.changes(), range, current),
    };
  };

  const notifications = async () => {
    const [firing, resolved] = await Promise.all([
      options.state.list<AlertRecord>(ALERT_PARTITION),
      options.state.list<AlertRecord>(RESOLVED_PARTITION),
    ]);
    return {
      store: options.state.description,
      records: alertRows(
        [...firing, ...resolved].map((item) => item.value),
        UI_ROWS_MAX,
      ),
      recent,
    };
  };

  const deadLetters = async () => {
    const letters = await peekDeadLetters(options.deadLetters.file, now);
    return {
      store: options.deadLetters.store.description,
      total: letters.length,
      letters: deadLetterRows(letters, UI_ROWS_MAX),
    };
  };

  const replay = async (req: IncomingMessage, intake: HttpIntakeConfig): Promise<ReplayReport> => {
    const refusal = actionRefusal(req.headers, intake, new Date(now()));
    if (refusal) throw refusal;
    if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
      throw new HttpError(415, 'send the action as application/json');
    const text = await readBody(req);
    let body: unknown = {};
    try {
      body = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      throw new HttpError(400, 'body is not JSON');
    }
    const channel = (body as { channel?: unknown }).channel;
    if (channel !== undefined && typeof channel !== 'string')
      throw new HttpError(400, 'channel must be a string');
    const report = await replayDeadLetters(
      options.deadLetters.store,
      options.config.channels,
      {
        deliver: productionDeliverDeps({
          deadline: deadlineIn(REPLAY_BUDGET_MS),
          ...(options.write ? { write: options.write } : {}),
        }),
      },
      { max: UI_ROWS_MAX, dryRun: false, ...(channel ? { channel } : {}) },
    );
    hub.send('dead-letters', { delivered: report.delivered, failed: report.failed });
    return report;
  };

  const silences = async () =>
    options.silences
      ? { available: true, silences: (await options.silences()).slice(0, UI_ROWS_MAX) }
      : {
          available: false,
          why: 'vigil has no silences or maintenance windows yet: this panel lists them once it does',
          silences: [],
        };

  const routes: Readonly<
    Record<
      string,
      {
        method: 'GET' | 'POST';
        answer: (req: IncomingMessage, url: URL, intake: HttpIntakeConfig) => unknown;
      }
    >
  > = {
    overview: { method: 'GET', answer: (_req, _url, intake) => overview(intake) },
    series: { method: 'GET', answer: (_req, url) => seriesData(url) },
    notifications: { method: 'GET', answer: () => notifications() },
    'dead-letters': { method: 'GET', answer: () => deadLetters() },
    'dead-letters/replay': { method: 'POST', answer: (req, _url, intake) => replay(req, intake) },
    silences: { method: 'GET', answer: () => silences() },
  };

  const serveAsset = (res: ServerResponse, asset: { file: string; type: string }) => {
    readFile(asset.file).then(
      (body) =>
        res
          .writeHead(200, {
            'content-type': asset.type,
            'content-security-policy': CONTENT_SECURITY_POLICY,
            ...COMMON_HEADERS,
          })
          .end(body),
      (error: Error) => json(res, 500, { error: `cannot read the page: ${error.message}` }),
    );
  };

  return {
    handle(req, res, intake) {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const path = url.pathname;
      const asset = ASSETS[path];
      if (!asset && !path.startsWith('/ui/')) return false;
      const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
      if (!LOOPBACK_HOSTS.has(host)) {
        json(res, 403, { error: 'the page answers only on 127.0.0.1 or localhost (Host header)' });
        return true;
      }
      if (asset) {
        if (req.method !== 'GET' && req.method !== 'HEAD') {
          res.setHeader('allow', 'GET, HEAD');
          json(res, 405, { error: `${req.method} not allowed on ${path}` });
        } else serveAsset(res, asset);
        return true;
      }
      if (path === `${UI_API_PREFIX}events`) {
        if (req.method !== 'GET') json(res, 405, { error: 'GET the event stream' });
        else hub.attach(res);
        return true;
      }
      const route = path.startsWith(UI_API_PREFIX) ? routes[path.slice(UI_API_PREFIX.length)] : undefined;
      if (!route) {
        json(res, 404, { error: `not found: ${path.slice(0, 100)}` });
        return true;
      }
      if (req.method !== route.method) {
        res.setHeader('allow', route.method);
        json(res, 405, { error: `${req.method} not allowed on ${path}: ${route.method} it` });
        return true;
      }
      Promise.resolve()
        .then(() => route.answer(req, url, intake))
        .then(
          (body) => json(res, 200, body),
          (error: unknown) => {
            if (error instanceof HttpError) json(res, error.status, { error: error.message });
            else json(res, 500, { error: `internal error: ${(error as Error).message}` });
          },
        );
      return true;
    },
    publish(event) {
      switch (event.kind) {
        case 'started':
          session = {
            at: event.at,
            intervalMs: event.intervalMs,
            webhookUrl: event.webhookUrl,
            storeFile: event.storeFile,
            ...(event.demo ? { demo: event.demo } : {}),
            round: 0,
          };
          hub.send('started', { at: event.at });
          return;
        case 'round': {
          for (const result of event.results) lastResults.set(result.target, result);
          if (session) {
            session.round = event.round;
            if (event.demoPhase !== undefined) session.demoPhase = event.demoPhase;
          }
          hub.send('round', {
            at: event.at,
            round: event.round,
            ...(event.demoPhase === undefined ? {} : { demoPhase: event.demoPhase }),
            targets: event.results.map((result) => ({
              name: result.target,
              up: result.success,
              lastAt: result.timestamp.getTime(),
              durationMs: result.durationMs,
              ...(result.statusCode === undefined ? {} : { statusCode: result.statusCode }),
              phases: resultPhases(result),
              ...(result.success
                ? {}
                : { failure: [result.reason, result.detail].filter(Boolean).join(': ') }),
            })),
            samples: event.samples.map((sample) => ({
              key: seriesKey(sample),
              chart: chartIdOf(sample),
              metric: sample.metricName,
              t: sample.timestamp,
              v: sample.value,
            })),
          });
          return;
        }
        case 'transition': {
          const { transition } = event;
          options.metrics?.history.record({
            at: event.at,
            alarm: transition.alarm,
            from: transition.from,
            to: transition.to,
          });
          hub.send('alarm', {
            at: event.at,
            alarm: transition.alarm,
            from: transition.from,
            to: transition.to,
            reason: transition.reason,
            severity: transition.definition.severity,
          });
          return;
        }
        case 'notification':
          recent.unshift(event);
          recent.splice(RECENT_NOTIFICATIONS_MAX);
          hub.send('notification', event);
          return;
        case 'log':
          hub.send('log', event);
          return;
        case 'stopped':
          hub.send('stopped', { at: event.at, rounds: event.rounds });
          return;
      }
    },
    async close() {
      hub.close();
      await options.metrics?.history.flush();
    },
  };
}
