/**
 * The live view of `vigil dev`. Pure at the core: `reduceView` folds events into a state, `renderFrame` draws the
 * table a terminal shows, `plainLines` turns each event into the log lines CI and pipes get. `createView` is the
 * only effectful part: on a TTY it keeps the frame at the bottom of the screen, redrawn in place, with transitions
 * and the console channel's notifications scrolling above it; elsewhere it writes plain lines.
 */
import type { AlarmState } from '../alarms/evaluate';
import { SEVERITIES, type Severity } from '../alerts/types';
import { type Colour, colourer, formatMs, formatNumber, table, visibleLength } from '../cli/format';
import { formatDuration } from '../config/units';
import { STANDARD_METRICS, TARGET_DIMENSION } from '../metrics/datums';
import type { DevEvent, DevLayout, DevNotification, NotifiedAlert } from './events';
import type { Series, StoredSample } from './store';

/** Readings per sparkline: two minutes at the default 5 s interval. */
export const SPARKLINE_POINTS = 24;
export const NOTIFICATIONS_SHOWN = 6;
/** A failed probe's reason in the table; the full text is in the plain log and `vigil probe`. */
const FAILURE_SHOWN_CHARS = 40;
const SPARK_CHARS = '▁▂▃▄▅▆▇█';
/** The row that shows up/down history and carries the down alarm. */
const SUCCESS_METRIC = STANDARD_METRICS.success;

export type Paint = (colour: Colour, text: string) => string;
export const noPaint: Paint = (_colour, text) => text;

// ---------------------------------------------------------------------------------------------------------------
// State

export interface SeriesView {
  key: string;
  metric: string;
  /** `Goroutines`, or `RequestsByMethod{method=GET}` for a series with extra dimensions. */
  label: string;
  values: number[];
}

export interface TargetView {
  name: string;
  metrics: string[];
  up?: boolean;
  /** Failure reason and detail of the last probe. */
  failure?: string;
  durationMs?: number;
  series: SeriesView[];
}

export interface NotificationView extends NotifiedAlert {
  at: number;
  via: DevNotification['via'];
}

export interface ViewState {
  now: number;
  round: number;
  intervalMs: number;
  webhookUrl: string;
  pageUrl?: string;
  storeFile: string;
  demo?: { url: string; cycleMs: number; phase?: string };
  targets: TargetView[];
  alarmLayout: DevLayout['alarms'];
  alarms: Record<string, AlarmState>;
  /** Newest first. */
  notifications: NotificationView[];
}

export function initialViewState(): ViewState {
  return {
    now: 0,
    round: 0,
    intervalMs: 0,
    webhookUrl: '',
    storeFile: '',
    targets: [],
    alarmLayout: [],
    alarms: {},
    notifications: [],
  };
}

function seriesLabel(metric: string, dimensions: Readonly<Record<string, string>>): string {
  const extra = Object.entries(dimensions).filter(([name]) => name !== TARGET_DIMENSION);
  return extra.length === 0
    ? metric
    : `${metric}{${extra.map(([name, value]) => `${name}=${value}`).join(',')}}`;
}

/** Adds readings to a target's series (keeping the last SPARKLINE_POINTS), creating series as they appear. */
function withReadings(
  target: TargetView,
  readings: readonly Pick<StoredSample, 'metricName' | 'dimensions' | 'value'>[],
): TargetView {
  const series = target.series.map((entry) => ({ ...entry, values: [...entry.values] }));
  for (const reading of readings) {
    if (reading.dimensions[TARGET_DIMENSION] !== target.name || !target.metrics.includes(reading.metricName))
      continue;
    const label = seriesLabel(reading.metricName, reading.dimensions);
    const key = `${reading.metricName}\u0000${label}`;
    let entry = series.find((candidate) => candidate.key === key);
    if (!entry) {
      entry = { key, metric: reading.metricName, label, values: [] };
      series.push(entry);
    }
    entry.values.push(reading.value);
    if (entry.values.length > SPARKLINE_POINTS)
      entry.values.splice(0, entry.values.length - SPARKLINE_POINTS);
  }
  // Config order of metrics, then label order within a metric.
  series.sort(
    (a, b) =>
      target.metrics.indexOf(a.metric) - target.metrics.indexOf(b.metric) || (a.label < b.label ? -1 : 1),
  );
  return { ...target, series };
}

function historyReadings(history: readonly Series[]) {
  return history.flatMap((series) =>
    series.points.slice(-SPARKLINE_POINTS).map((point) => ({
      metricName: series.metricName,
      dimensions: series.dimensions,
      value: point.value,
    })),
  );
}

/** Folds one event into the view state. Pure. */
export function reduceView(state: ViewState, event: DevEvent): ViewState {
  switch (event.kind) {
    case 'started': {
      const readings = historyReadings(event.history);
      return {
        ...state,
        now: event.at,
        intervalMs: event.intervalMs,
        webhookUrl: event.webhookUrl,
        ...(event.pageUrl ? { pageUrl: event.pageUrl } : {}),
        storeFile: event.storeFile,
        ...(event.demo ? { demo: event.demo } : {}),
        targets: event.layout.targets.map((target) =>
          withReadings(
            { name: target.name, metrics: [SUCCESS_METRIC, ...target.metrics], series: [] },
            readings,
          ),
        ),
        alarmLayout: event.layout.alarms,
        alarms: event.alarms,
      };
    }
    case 'round': {
      const targets = state.targets.map((target) => {
        const result = event.results.find((candidate) => candidate.target === target.name);
        const probed: TargetView = result
          ? {
              ...target,
              up: result.success,
              durationMs: result.durationMs,
              ...(result.success
                ? {}
                : { failure: [result.reason, result.detail].filter(Boolean).join(': ') }),
            }
          : target;
        if (result?.success) delete probed.failure;
        return withReadings(probed, event.samples);
      });
      return {
        ...state,
        now: event.at,
        round: event.round,
        targets,
        ...(state.demo
          ? { demo: { ...state.demo, ...(event.demoPhase === undefined ? {} : { phase: event.demoPhase }) } }
          : {}),
      };
    }
    case 'transition':
      return {
        ...state,
        now: Math.max(state.now, event.at),
        alarms: { ...state.alarms, [event.transition.alarm]: event.transition.to },
      };
    case 'notification': {
      const added = event.alerts.map((alert) => ({ ...alert, at: event.at, via: event.via })).reverse();
      return { ...state, notifications: [...added, ...state.notifications].slice(0, NOTIFICATIONS_SHOWN) };
    }
    case 'log':
    case 'stopped':
      return state;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering helpers

/**
 * `▁▃▅█`: each value scaled from zero (or the lowest value, if negative) to the highest shown, so a steady 800
 * before a leak to 12,000 reads as low and a flat line of ones (always up) as full; all zeros lie flat at the bottom.
 */
export function sparkline(values: readonly number[], width = SPARKLINE_POINTS): string {
  const shown = values.slice(-width);
  const low = Math.min(0, ...shown);
  const high = Math.max(...shown);
  const top = SPARK_CHARS.length - 1;
  const chars = shown.map((value) => {
    const level = high === low ? 0 : Math.round(((value - low) / (high - low)) * top);
    return SPARK_CHARS[level] ?? ' ';
  });
  return ' '.repeat(width - shown.length) + chars.join('');
}

/** `01:21:05` (UTC, as the console channel prints times). */
export function clockTime(at: number): string {
  return new Date(at).toISOString().slice(11, 19);
}

/** `2026-11-22T01:21:05Z`: the time stamp of a plain log line. */
export function logTime(at: number): string {
  return `${new Date(at).toISOString().slice(0, 19)}Z`;
}

const STATE_COLOURS: Record<AlarmState, Colour> = { OK: 'green', ALARM: 'red', INSUFFICIENT_DATA: 'gray' };
const STATE_WORDS: Record<AlarmState, string> = { OK: 'OK', ALARM: 'ALARM', INSUFFICIENT_DATA: 'no data' };

export function alarmCell(state: AlarmState | undefined, paint: Paint): string {
  if (state === undefined) return '';
  const word = STATE_WORDS[state];
  return paint(STATE_COLOURS[state], state === 'ALARM' ? paint('bold', word) : word);
}

function statusWord(alert: Pick<NotifiedAlert, 'status'>): string {
  return alert.status === 'firing' ? 'FIRING' : 'RESOLVED';
}

/** `value 2242 (threshold > 2000)`: what the alert says about the measurement, if anything. */
function alertMeasure(alert: NotifiedAlert): string {
  const threshold =
    alert.threshold === undefined
      ? undefined
      : `threshold ${alert.comparison === undefined ? '' : `${alert.comparison} `}${formatNumber(alert.threshold)}`;
  if (alert.value === undefined) return threshold ?? '';
  return `value ${formatNumber(alert.value)}${threshold === undefined ? '' : ` (${threshold})`}`;
}

function channelsText(alert: NotifiedAlert): string {
  if (alert.channels.length === 0) return 'no route';
  return alert.channels.map(({ channel, ok }) => `${channel} ${ok ? '✓' : '✗'}`).join(', ');
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Cuts a line to `width` visible characters, keeping colour escapes intact. */
export function fitLine(line: string, width: number): string {
  if (visibleLength(line) <= width) return line;
  let visible = 0;
  let out = '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: splitting ANSI escapes from text is the point
  for (const part of line.split(/(\u001b\[[0-9;]*m)/)) {
    if (part.startsWith('\u001b[')) {
      out += part;
      continue;
    }
    for (const char of part) {
      if (visible >= width - 1) break;
      out += char;
      visible++;
    }
  }
  return `${out}…\u001b[0m`;
}

// ---------------------------------------------------------------------------------------------------------------
// The TTY frame

export interface FrameOptions {
  paint: Paint;
  /** Terminal width; lines are cut to it so the frame's height is known. */
  columns: number;
  /** Terminal height; the frame keeps one line free. */
  rows: number;
}

function levelsShown(layout: ViewState['alarmLayout']): Severity[] {
  return SEVERITIES.filter((severity) => layout.some((alarm) => alarm.severity === severity));
}

function header(state: ViewState, paint: Paint): string[] {
  const every = state.intervalMs > 0 ? ` every ${formatDuration(state.intervalMs)}` : '';
  const lines = [
    `${paint('bold', 'vigil dev')}  ${clockTime(state.now)} UTC  round ${state.round}${every}  ·  alerts in: POST ${state.webhookUrl}`,
  ];
  if (state.pageUrl) lines.push(`page ${state.pageUrl} (charts, alarms, notifications)`);
  if (state.demo) {
    const phase = state.demo.phase ? `${state.demo.phase}, ` : '';
    lines.push(`demo service ${state.demo.url} (${phase}${formatDuration(state.demo.cycleMs)} leak cycle)`);
  }
  return lines;
}

function targetRows(state: ViewState, levels: readonly Severity[], paint: Paint): string[][] {
  const rows: string[][] = [];
  for (const target of state.targets) {
    const probe =
      target.up === undefined
        ? paint('gray', 'waiting')
        : target.up
          ? `${paint('green', 'up')} ${formatMs(target.durationMs)}`
          : `${paint('red', paint('bold', 'DOWN'))} ${cut(target.failure ?? '', FAILURE_SHOWN_CHARS)}`;
    const rowsOfTarget = target.metrics.flatMap((metric) => {
      const series = target.series.filter((entry) => entry.metric === metric);
      return series.length > 0
        ? series.map((entry, index) => ({
            metric,
            label: entry.label,
            values: entry.values,
            first: index === 0,
          }))
        : [{ metric, label: metric, values: [] as number[], first: true }];
    });
    rowsOfTarget.forEach((row, index) => {
      const last = row.values.at(-1);
      const alarmsOfRow = row.first
        ? state.alarmLayout.filter((alarm) => alarm.target === target.name && alarm.metric === row.metric)
        : [];
      rows.push([
        index === 0 ? paint('bold', target.name) : '',
        index === 0 ? probe : '',
        row.label,
        last === undefined ? paint('gray', '-') : formatNumber(last),
        paint('cyan', sparkline(row.values)),
        ...levels.map((level) => {
          const alarm = alarmsOfRow.find((candidate) => candidate.severity === level);
          return alarm ? alarmCell(state.alarms[alarm.name], paint) : '';
        }),
      ]);
    });
  }
  return rows;
}

/** The alarms on vigil itself (they belong to no target row): `vigil itself: probe-stalled OK`, then a gap. */
function ownLines(state: ViewState, paint: Paint): string[] {
  const targets = new Set(state.targets.map((target) => target.name));
  const own = state.alarmLayout.filter((alarm) => !targets.has(alarm.target));
  if (own.length === 0) return [];
  const cells = own.map(
    (alarm) =>
      `${alarm.name.replace(/^vigil-dev-/, '').replace(/-(info|warning|critical|emergency)$/, '')} ${alarmCell(state.alarms[alarm.name], paint) || paint('gray', 'no data')}`,
  );
  return [`${paint('bold', 'vigil itself')}  ${cells.join('  ')}`, ''];
}

function notificationLines(state: ViewState, paint: Paint): string[] {
  if (state.notifications.length === 0) return [paint('gray', '  none yet')];
  const rows = state.notifications.map((alert) => [
    clockTime(alert.at),
    paint(alert.status === 'firing' ? 'red' : 'green', `${statusWord(alert)} ${alert.severity}`),
    `${alert.name}${alert.via === 'http' ? ' (POST /alerts)' : ''}`,
    paint('gray', alertMeasure(alert)),
    `→ ${channelsText(alert)}`,
  ]);
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => visibleLength(row[column]!))));
  return rows.map(
    (row) =>
      `  ${row
        .map((cell, column) => cell + ' '.repeat(widths[column]! - visibleLength(cell)))
        .join('  ')
        .trimEnd()}`,
  );
}

/** The frame a terminal shows, bottom of the screen. Pure. */
export function renderFrame(state: ViewState, options: FrameOptions): string {
  const { paint } = options;
  // Columns for the levels the targets' alarms use (the alarms on vigil itself have their own line).
  const targets = new Set(state.targets.map((target) => target.name));
  const levels = levelsShown(state.alarmLayout.filter((alarm) => targets.has(alarm.target)));
  const grid = table(
    ['TARGET', 'PROBE', 'METRIC', 'LAST', `LAST ${SPARKLINE_POINTS} READINGS`, ...levels],
    targetRows(state, levels, paint),
  );
  const lines = [
    ...header(state, paint),
    '',
    ...grid.split('\n'),
    '',
    ...ownLines(state, paint),
    paint('bold', 'Last notifications'),
    ...notificationLines(state, paint),
    '',
    paint('gray', `Ctrl-C stops everything · metric history in ${state.storeFile}`),
  ];
  const room = Math.max(1, options.rows - 1);
  const kept = lines.length > room ? [...lines.slice(0, room - 1), '…'] : lines;
  return kept.map((line) => fitLine(line, Math.max(10, options.columns - 1))).join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Plain lines (not a TTY)

function roundLine(
  event: Extract<DevEvent, { kind: 'round' }>,
  metrics: ReadonlyMap<string, readonly string[]>,
) {
  const parts = event.results.map((result) => {
    const wanted = metrics.get(result.target) ?? [];
    const values = event.samples
      .filter(
        (sample) =>
          sample.dimensions[TARGET_DIMENSION] === result.target && wanted.includes(sample.metricName),
      )
      .map((sample) => `${seriesLabel(sample.metricName, sample.dimensions)}=${formatNumber(sample.value)}`);
    const status = result.success
      ? `up ${formatMs(result.durationMs)}`
      : `DOWN ${[result.reason, result.detail].filter(Boolean).join(': ')}`;
    return [result.target, status, ...values].join(' ');
  });
  const demo = event.demoPhase === undefined ? '' : ` (demo ${event.demoPhase})`;
  return `${logTime(event.at)} round ${event.round}${demo}: ${parts.join(' | ')}`;
}

function notifiedLine(at: number, via: DevNotification['via'], alert: NotifiedAlert): string {
  const from = via === 'http' ? ' (POST /alerts)' : '';
  const measure = alertMeasure(alert);
  return `${logTime(at)} notified ${statusWord(alert)} ${alert.severity} ${alert.name}${from}${measure === '' ? '' : `: ${measure}`} → ${channelsText(alert)}`;
}

/** Extracted metric names per target, from the layout. */
export function metricsByTarget(layout: DevLayout): Map<string, string[]> {
  return new Map(layout.targets.map((target) => [target.name, target.metrics]));
}

/** The log lines one event prints when stdout is not a terminal (and, except rounds, above the live frame). */
export function plainLines(event: DevEvent, layout: DevLayout): string[] {
  switch (event.kind) {
    case 'started': {
      const lines = [
        `${logTime(event.at)} vigil dev: probing ${layout.targets.length} target(s) every ${formatDuration(event.intervalMs)}, ${layout.alarms.length} local alarm(s), alerts in at POST ${event.webhookUrl}${event.pageUrl ? `, page ${event.pageUrl}` : ''}, history in ${event.storeFile}`,
      ];
      if (event.demo)
        lines.push(
          `${logTime(event.at)} demo service on ${event.demo.url} (${formatDuration(event.demo.cycleMs)} leak-and-recover cycle)`,
        );
      return lines;
    }
    case 'round':
      return [roundLine(event, metricsByTarget(layout))];
    case 'transition': {
      const { transition, published } = event;
      const note = published ? '' : ' (not notified)';
      return [
        `${logTime(event.at)} alarm ${transition.alarm} ${transition.from} → ${transition.to}${note}: ${transition.reason}`,
      ];
    }
    case 'notification':
      return [
        ...event.alerts.map((alert) => notifiedLine(event.at, event.via, alert)),
        ...event.failures.map(
          (failure) => `${logTime(event.at)} delivery to ${failure.channel} failed: ${failure.reason}`,
        ),
        ...event.notes.map(
          (note) => `${logTime(event.at)} ${event.via === 'http' ? 'POST /alerts' : 'webhook'}: ${note}`,
        ),
      ];
    case 'log':
      return [`${logTime(event.at)} ${event.level === 'info' ? '' : `${event.level}: `}${event.text}`];
    case 'stopped':
      return [`${logTime(event.at)} vigil dev stopped after ${event.rounds} round(s)`];
  }
}

/**
 * What scrolls above the live frame: everything but rounds (the frame shows them) and delivered alerts (the frame
 * lists them, and the console channel prints them in full); failures and notes still scroll.
 */
export function liveLines(event: DevEvent, layout: DevLayout): string[] {
  if (event.kind === 'round') return [];
  if (event.kind === 'notification') return plainLines({ ...event, alerts: [] }, layout);
  return plainLines(event, layout);
}

// ---------------------------------------------------------------------------------------------------------------
// The effectful view

export interface ViewOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

export interface DevView {
  handle(event: DevEvent): void;
  /** Text that must scroll above the frame (the console channel's notifications). */
  print(text: string): void;
  close(): void;
}

const DEFAULT_COLUMNS = 120;
const DEFAULT_ROWS = 40;
// Cursor to the start of the line n lines up, then clear to the end of the screen.
const eraseLines = (count: number) => (count > 0 ? `\u001b[${count}F\u001b[0J` : '');

/** A live frame on a terminal (unless TERM=dumb), plain lines anywhere else. */
export function createView(out: ViewOutput, env: NodeJS.ProcessEnv): DevView {
  const live = Boolean(out.isTTY) && env.TERM !== 'dumb';
  const paint = colourer(out, env);
  let state = initialViewState();
  let layout: DevLayout = { targets: [], alarms: [] };
  let drawn = 0;

  const frame = () =>
    renderFrame(state, {
      paint,
      columns: out.columns ?? DEFAULT_COLUMNS,
      rows: out.rows ?? DEFAULT_ROWS,
    });
  /** Replaces the frame on screen, printing `above` (if any) where it was. */
  const draw = (above?: string) => {
    const text = frame();
    out.write(`${eraseLines(drawn)}${above === undefined ? '' : `${above}\n`}${text}\n`);
    drawn = text.split('\n').length;
  };
  const colourLine = (event: DevEvent, line: string): string => {
    if (event.kind === 'transition') return paint(STATE_COLOURS[event.transition.to], line);
    if (event.kind === 'log' && event.level !== 'info')
      return paint(event.level === 'error' ? 'red' : 'yellow', line);
    return line;
  };

  return {
    handle(event) {
      if (event.kind === 'started') layout = { targets: event.layout.targets, alarms: event.layout.alarms };
      state = reduceView(state, event);
      if (!live) {
        for (const line of plainLines(event, layout)) out.write(`${line}\n`);
        return;
      }
      const above = liveLines(event, layout).map((line) => colourLine(event, line));
      draw(above.length > 0 ? above.join('\n') : undefined);
    },
    print(text) {
      if (!live) out.write(text.endsWith('\n') ? text : `${text}\n`);
      else draw(text.replace(/\n$/, ''));
    },
    close() {
      // The last frame stays on screen; the next shell prompt goes below it.
      drawn = 0;
    },
  };
}
