// The vigil page: loads /ui/api/* once, then follows /ui/api/events (server-sent events) so new rounds, alarm
// changes and notifications appear without a reload. After a lost connection it loads everything again: the
// server keeps no per-page backlog, its stores are the history.
import { createChart, SEVERITY_COLOURS } from './charts.mjs';
import { ago, clock, el, formatMs, formatNumber, replace, shown } from './text.mjs';

/** @typedef {import('./charts.mjs').ChartSpec} ChartSpec */
/** @typedef {import('./charts.mjs').AlarmPeriod} AlarmPeriod */
/** @typedef {import('./charts.mjs').Points} Points */
/** @typedef {import('./charts.mjs').Severity} Severity */
/** @typedef {{ from: number, stepMs: number, cells: (0 | 1 | null)[] }} Strip */
/** @typedef {{ name: string, type?: string, up?: boolean, lastAt?: number, durationMs?: number, statusCode?: number, phases: Record<string, number>, failure?: string, strip?: Strip }} Target */
/** @typedef {{ name: string, kind: string, target: string, metric: string, severity: Severity, op: string, threshold: number, math?: string, state: string, since?: number }} Alarm */
/** @typedef {{ key: string, t0: number, dt: number[], v: number[] }} WireSeries */

/** @type {[string, string][]} */
const PHASES = [
  ['DnsLookupTime', 'dns'],
  ['ConnectTime', 'connect'],
  ['TlsHandshakeTime', 'tls'],
  ['TimeToFirstByte', 'first byte'],
  ['TransferTime', 'transfer'],
];
const PHASE_COLOURS = ['#74c0fc', '#4dabf7', '#9775fa', '#ffa94d', '#69db7c'];
/** The window the charts show unless zoomed: what the store keeps by default. */
const WINDOW_MS = 60 * 60_000;
const RECENT_MAX = 30;
const LOG_MAX = 40;
const RELOAD_DEBOUNCE_MS = 300;

const $ = (/** @type {string} */ selector) => /** @type {HTMLElement} */ (document.querySelector(selector));

const state = {
  /** Server time minus ours: the page shows the session's clock. */
  offset: 0,
  mode: 'dev',
  /** @type {Target[]} */
  targets: [],
  /** @type {Alarm[]} */
  alarms: [],
  /** @type {Map<string, { spec: ChartSpec, points: Map<string, Points>, handle: ReturnType<typeof createChart> }>} */
  charts: new Map(),
  /** @type {AlarmPeriod[]} */
  periods: [],
  /** @type {{ from: number, to: number } | null} */
  zoom: null,
  /** @type {unknown[]} */
  recent: [],
  /** @type {{ at: number, level: string, text: string }[]} */
  log: [],
  actions: { enabled: false, why: '' },
};

const now = () => Date.now() + state.offset;

/** @param {string} path @param {RequestInit} [init] */
async function getJson(path, init) {
  const response = await fetch(path, { ...init, headers: { accept: 'application/json', ...init?.headers } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(shown(body?.error ?? `${path}: HTTP ${response.status}`));
  return body;
}

/** @param {number} ms */
function debounce(/** @type {() => void} */ task, ms) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(task, ms);
  };
}

function badge(/** @type {string} */ text, /** @type {string} */ kind) {
  return el('span', { class: `badge ${kind}` }, text);
}

// ---------------------------------------------------------------------------------------------------------------
// Header

/** @param {any} session */
function renderHeader(session) {
  const parts = [el('strong', null, state.mode === 'dev' ? 'vigil dev' : 'vigil webhook')];
  if (session) {
    parts.push(
      el('span', { data: { round: String(session.round) }, class: 'round' }, `round ${session.round}`),
      el('span', null, `every ${formatMs(session.intervalMs)}`),
    );
    if (session.demo) parts.push(el('span', { class: 'phase' }, `demo ${session.demoPhase ?? 'starting'}`));
    parts.push(el('span', { class: 'muted' }, `alerts in: POST ${session.webhookUrl}`));
  }
  replace($('#session'), ...parts);
  document.body.dataset.round = String(session?.round ?? 0);
}

function setLive(/** @type {string} */ status) {
  const node = $('#live');
  node.textContent = status;
  node.className = `live ${status}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Targets

/** @param {HTMLCanvasElement} canvas @param {Strip} strip */
function drawStrip(canvas, strip) {
  canvas.width = strip.cells.length;
  canvas.height = 1;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  strip.cells.forEach((cell, index) => {
    ctx.fillStyle = cell === null ? '#e9ecef' : cell === 1 ? '#40c057' : '#fa5252';
    ctx.fillRect(index, 0, 1, 1);
  });
  canvas.dataset.up = String(strip.cells.filter((cell) => cell === 1).length);
  canvas.dataset.down = String(strip.cells.filter((cell) => cell === 0).length);
}

/** Marks the cell of a probe at `at`, sliding the strip forward when time has moved on. @param {Strip} strip */
function stripRecord(strip, /** @type {number} */ at, /** @type {boolean} */ up) {
  let index = Math.floor((at - strip.from) / strip.stepMs);
  while (index >= strip.cells.length) {
    strip.cells.shift();
    strip.cells.push(null);
    strip.from += strip.stepMs;
    index--;
  }
  if (index < 0) return;
  strip.cells[index] = up && strip.cells[index] !== 0 ? 1 : 0;
}

/** @param {Target} target */
function phaseBar(target) {
  const measured = PHASES.filter(([metric]) => target.phases?.[metric] !== undefined);
  const total = measured.reduce((sum, [metric]) => sum + (target.phases[metric] ?? 0), 0);
  const bar = el('div', { class: 'phasebar' });
  for (const [metric, label] of measured) {
    const ms = target.phases[metric] ?? 0;
    const part = el('span', { title: `${label} ${formatMs(ms)}` });
    part.style.width = `${total > 0 ? (100 * ms) / total : 0}%`;
    part.style.background = PHASE_COLOURS[PHASES.findIndex(([name]) => name === metric)] ?? '#adb5bd';
    bar.append(part);
  }
  const legend = measured.map(([metric, label]) => `${label} ${formatMs(target.phases[metric])}`).join(' · ');
  return el('div', null, bar, el('div', { class: 'small muted' }, legend || '–'));
}

function renderTargets() {
  const body = $('#targets tbody');
  const rows = state.targets.map((target) => {
    const canvas = /** @type {HTMLCanvasElement} */ (
      el('canvas', { class: 'strip', title: 'last hour: green up, red down, grey no probe' })
    );
    if (target.strip) drawStrip(canvas, target.strip);
    const now =
      target.up === undefined
        ? badge('no data', 'unknown')
        : target.up
          ? badge('UP', 'ok')
          : badge('DOWN', 'down');
    return el(
      'tr',
      { data: { target: target.name, up: String(target.up ?? '') } },
      el('td', null, el('strong', null, target.name), el('div', { class: 'small muted' }, target.type ?? '')),
      el('td', null, now, target.failure ? el('div', { class: 'small failure' }, target.failure) : null),
      el('td', null, canvas),
      el('td', null, phaseBar(target)),
      el('td', { class: 'num' }, formatMs(target.durationMs)),
      el('td', { class: 'num' }, target.statusCode === undefined ? '–' : String(target.statusCode)),
      el('td', { class: 'small' }, clock(target.lastAt)),
    );
  });
  replace(
    body,
    ...(rows.length > 0
      ? rows
      : [
          el(
            'tr',
            null,
            el(
              'td',
              { class: 'muted' },
              state.mode === 'dev'
                ? 'no targets in vigil.yml'
                : '`vigil webhook serve` receives alerts; targets and metrics are shown by `vigil dev`',
            ),
          ),
        ]),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Alarms

const STATE_KIND = /** @type {Record<string, string>} */ ({
  ALARM: 'down',
  OK: 'ok',
  INSUFFICIENT_DATA: 'unknown',
});

function renderAlarms() {
  const sorted = [...state.alarms].sort((a, b) => Number(b.state === 'ALARM') - Number(a.state === 'ALARM'));
  const firing = sorted.filter((alarm) => alarm.state === 'ALARM').length;
  replace($('#alarm-count'), firing > 0 ? badge(`${firing} firing`, 'down') : badge('none firing', 'ok'));
  const rows = sorted.map((alarm) =>
    el(
      'tr',
      { data: { alarm: alarm.name, state: alarm.state } },
      el(
        'td',
        null,
        badge(
          alarm.state === 'INSUFFICIENT_DATA' ? 'INSUFFICIENT' : alarm.state,
          STATE_KIND[alarm.state] ?? 'unknown',
        ),
      ),
      el('td', null, severityTag(alarm.severity)),
      el('td', { class: 'mono' }, alarm.name),
      el('td', null, `${alarm.target} · ${alarm.metric}`),
      el(
        'td',
        { class: 'mono' },
        alarm.math
          ? `${alarm.math} ${alarm.op} ${formatNumber(alarm.threshold)}`
          : `${alarm.op} ${formatNumber(alarm.threshold)}`,
      ),
      el('td', { class: 'small' }, alarm.since ? `${clock(alarm.since)} (${ago(alarm.since, now())})` : '–'),
    ),
  );
  replace(
    $('#alarms tbody'),
    ...(rows.length > 0 ? rows : [el('tr', null, el('td', { class: 'muted' }, 'no local alarms'))]),
  );
}

/** @param {Severity} severity */
function severityTag(severity) {
  const tag = el('span', { class: 'severity' }, severity);
  tag.style.borderColor = SEVERITY_COLOURS[severity] ?? '#868e96';
  tag.style.color = SEVERITY_COLOURS[severity] ?? '#868e96';
  return tag;
}

// ---------------------------------------------------------------------------------------------------------------
// Charts

/** @param {ChartSpec[]} specs */
function buildCharts(specs) {
  const grid = $('#chart-grid');
  const same =
    specs.length === state.charts.size &&
    specs.every((spec) => {
      const existing = state.charts.get(spec.id);
      return existing && JSON.stringify(existing.spec) === JSON.stringify(spec);
    });
  if (same) return;
  for (const { handle } of state.charts.values()) handle.chart.destroy();
  state.charts.clear();
  const cards = specs.map((spec) => {
    const holder = el('div', {
      class: 'chart',
      data: { chart: spec.id, metric: spec.metric, target: spec.target ?? '' },
    });
    const card = el(
      'figure',
      { class: 'card' },
      el(
        'figcaption',
        null,
        spec.title,
        el('span', { class: 'muted small' }, ` ${spec.unit === 'None' ? '' : spec.unit}`),
      ),
      holder,
    );
    return { spec, holder, card };
  });
  replace(
    grid,
    ...(cards.length > 0
      ? cards.map(({ card }) => card)
      : [
          el(
            'p',
            { class: 'muted' },
            state.mode === 'dev'
              ? 'no metrics yet: the first round is on its way'
              : 'metrics are shown by `vigil dev`',
          ),
        ]),
  );
  for (const { spec, holder } of cards) {
    const handle = createChart(holder, spec, {
      periods: () => state.periods,
      severityOf: (alarm) => state.alarms.find((each) => each.name === alarm)?.severity,
      now,
      onZoom: (from, to) => void zoomTo({ from, to }),
      onReset: () => void zoomTo(null),
    });
    state.charts.set(spec.id, { spec, points: new Map(), handle });
  }
}

/** @param {WireSeries} wire @returns {Points} */
function fromWire(wire) {
  const t = new Array(wire.v.length);
  let at = wire.t0;
  for (let index = 0; index < wire.v.length; index++) {
    if (index > 0) at += wire.dt[index - 1] ?? 0;
    t[index] = at;
  }
  return { t, v: wire.v };
}

function chartWidth() {
  return Math.max(200, Math.round(($('#chart-grid').clientWidth || 1200) / 2));
}

/** Loads the points of the window (or the zoomed range) into every chart. */
async function loadSeries() {
  const range = state.zoom ?? { from: now() - WINDOW_MS, to: now() + 1 };
  const query = new URLSearchParams({
    from: String(Math.floor(range.from)),
    to: String(Math.ceil(range.to)),
    points: String(chartWidth()),
  });
  const data = await getJson(`/ui/api/series?${query}`);
  /** @type {Map<string, Points>} */
  const byKey = new Map(data.series.map((/** @type {WireSeries} */ wire) => [wire.key, fromWire(wire)]));
  state.periods = data.alarmPeriods;
  for (const chart of state.charts.values()) {
    chart.points = new Map();
    for (const line of chart.spec.series) {
      const points = byKey.get(line.key);
      if (points) chart.points.set(line.key, points);
    }
  }
  redrawCharts();
}

/** @param {{ from: number, to: number } | null} range */
async function zoomTo(range) {
  state.zoom = range;
  $('#zoom').textContent = range
    ? `${clock(range.from)}–${clock(range.to)} (double-click a chart to reset)`
    : 'last hour · drag across a chart to zoom';
  await loadSeries();
}

/** @type {Set<string>} */
const dirty = new Set();
let frame = 0;
/** @param {Iterable<string>} [ids] */
function redrawCharts(ids) {
  for (const id of ids ?? state.charts.keys()) dirty.add(id);
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    for (const id of dirty) {
      const chart = state.charts.get(id);
      if (chart) chart.handle.update(chart.points, state.zoom);
    }
    dirty.clear();
    document.body.dataset.charts = String(state.charts.size);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Notifications, dead letters, silences

/** @param {any} entry */
function recentItem(entry) {
  const alerts = (entry.alerts ?? []).map((/** @type {any} */ alert) =>
    el(
      'li',
      null,
      badge(alert.status, alert.status === 'firing' ? 'down' : 'ok'),
      ' ',
      severityTag(alert.severity),
      ' ',
      el('span', { class: 'mono' }, alert.name),
      ' → ',
      ...(alert.channels.length === 0
        ? [el('span', { class: 'muted' }, 'not routed')]
        : alert.channels.map((/** @type {any} */ channel) =>
            el(
              'span',
              { class: `chip ${channel.ok ? 'ok' : 'down'}` },
              `${channel.channel} ${channel.ok ? '✓' : '✗'}`,
            ),
          )),
    ),
  );
  const failures = (entry.failures ?? []).map((/** @type {any} */ failure) =>
    el('li', { class: 'failure' }, `${failure.channel}: ${failure.reason}`),
  );
  const notes = (entry.notes ?? []).map((/** @type {string} */ note) => el('li', { class: 'muted' }, note));
  return el(
    'li',
    null,
    el('span', { class: 'small muted' }, `${clock(entry.at)} via ${entry.via}`),
    el('ul', null, ...alerts, ...failures, ...notes),
  );
}

function renderRecent() {
  const items = state.recent.slice(0, RECENT_MAX).map(recentItem);
  replace(
    $('#recent'),
    ...(items.length > 0 ? items : [el('li', { class: 'muted' }, 'nothing sent in this session yet')]),
  );
}

async function loadNotifications() {
  const data = await getJson('/ui/api/notifications');
  if (state.recent.length === 0) state.recent = data.recent;
  renderRecent();
  const rows = data.records.map((/** @type {any} */ record) =>
    el(
      'tr',
      { data: { fingerprint: record.fingerprint } },
      el('td', { class: 'small' }, `${clock(record.lastAt)}`),
      el(
        'td',
        null,
        el('div', { class: 'mono' }, record.name),
        el('div', { class: 'small muted' }, record.summary),
        labelChips(record.labels),
      ),
      el('td', null, severityTag(record.severity)),
      el(
        'td',
        null,
        badge(record.status, record.status === 'firing' ? 'down' : 'ok'),
        record.inhibitedBy ? el('div', { class: 'small muted' }, 'inhibited') : null,
      ),
      el('td', null, ...record.channels.map((/** @type {any} */ channel) => channelChip(channel))),
      el('td', { class: 'num' }, String(record.messages)),
    ),
  );
  replace(
    $('#records tbody'),
    ...(rows.length > 0
      ? rows
      : [el('tr', null, el('td', { class: 'muted' }, `no alert records in ${data.store}`))]),
  );
}

/** @param {Record<string, string>} labels */
function labelChips(labels) {
  const chips = Object.entries(labels ?? {})
    .filter(([name]) => name !== 'alertname' && name !== 'severity')
    .map(([name, value]) => el('span', { class: 'label' }, `${name}=${value}`));
  return chips.length > 0 ? el('div', { class: 'labels' }, ...chips) : null;
}

/** @param {any} channel */
function channelChip(channel) {
  if (channel.deadLettered)
    return el(
      'span',
      { class: 'chip down', title: 'delivery failed: waiting in the dead letters' },
      `${channel.channel}: dead-lettered`,
    );
  if (channel.status)
    return el(
      'span',
      { class: 'chip ok', title: `last message ${channel.at}` },
      `${channel.channel}: ${channel.status} ×${channel.count} ${clock(channel.at)}`,
    );
  if (channel.pending)
    return el(
      'span',
      { class: 'chip unknown' },
      `${channel.channel}: ${channel.pending.status} due ${clock(channel.pending.dueAt)}`,
    );
  return el('span', { class: 'chip unknown' }, `${channel.channel}: –`);
}

async function loadDeadLetters() {
  const data = await getJson('/ui/api/dead-letters');
  $('#dead-letter-count').textContent =
    data.total === 0 ? 'none waiting' : `${data.total} waiting in ${data.store}`;
  const rows = data.letters.map((/** @type {any} */ letter) =>
    el(
      'tr',
      { data: { letter: letter.id } },
      el('td', { class: 'small' }, clock(letter.at)),
      el('td', null, letter.channel, el('div', { class: 'small muted' }, letter.channelType)),
      el(
        'td',
        null,
        ...letter.alerts.map((/** @type {any} */ alert) =>
          el('div', { class: 'mono small' }, `${alert.status} ${alert.name}`),
        ),
      ),
      el('td', null, badge(letter.reason, 'down'), el('div', { class: 'small' }, letter.message)),
      el('td', { class: 'num' }, `${letter.attempts} / ${letter.replays}`),
    ),
  );
  replace(
    $('#dead-letters tbody'),
    ...(rows.length > 0 ? rows : [el('tr', null, el('td', { class: 'muted' }, 'no dead letters'))]),
  );
}

async function loadSilences() {
  const data = await getJson('/ui/api/silences');
  const panel = $('#silences');
  panel.dataset.available = String(data.available);
  if (!data.available) {
    replace($('#silences tbody'), el('tr', null, el('td', { class: 'muted' }, data.why)));
    return;
  }
  const rows = data.silences.map((/** @type {any} */ silence) =>
    el(
      'tr',
      { data: { silence: silence.id } },
      el('td', null, badge(silence.state, silence.state === 'active' ? 'down' : 'unknown')),
      el('td', null, silence.kind),
      el('td', { class: 'mono' }, silence.matchers),
      el('td', { class: 'small' }, `${silence.startsAt} → ${silence.endsAt}`),
      el('td', null, silence.createdBy, el('div', { class: 'small muted' }, silence.comment)),
    ),
  );
  replace(
    $('#silences tbody'),
    ...(rows.length > 0 ? rows : [el('tr', null, el('td', { class: 'muted' }, 'no silences'))]),
  );
}

async function replayLetters() {
  const token = /** @type {HTMLInputElement} */ ($('#token')).value.trim();
  const result = $('#action-result');
  if (token === '') {
    result.textContent = 'enter the webhook token first';
    return;
  }
  result.textContent = 'replaying…';
  try {
    const report = await getJson('/ui/api/dead-letters/replay', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    result.textContent = `${report.delivered} delivered, ${report.failed} failed again`;
  } catch (error) {
    result.textContent = /** @type {Error} */ (error).message;
  }
  await loadDeadLetters();
}

function renderLog() {
  const items = state.log
    .slice(0, LOG_MAX)
    .map((entry) => el('li', { class: entry.level }, `${clock(entry.at)} ${entry.level}: ${entry.text}`));
  replace($('#log'), ...items);
  $('#log-section').hidden = items.length === 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Loading and live updates

let session = /** @type {any} */ (undefined);

async function loadAll() {
  const overview = await getJson('/ui/api/overview');
  state.offset = overview.now - Date.now();
  state.mode = overview.mode;
  session = overview.session;
  state.targets = overview.targets;
  state.alarms = overview.alarms;
  state.actions = overview.actions;
  renderHeader(session);
  renderTargets();
  renderAlarms();
  buildCharts(overview.charts);
  const replayButton = /** @type {HTMLButtonElement} */ ($('#replay'));
  replayButton.disabled = !state.actions.enabled;
  $('#actions-note').textContent = state.actions.enabled
    ? 'actions need the webhook token (sent as a bearer header, never stored)'
    : state.actions.why;
  await Promise.all([loadSeries(), loadNotifications(), loadDeadLetters(), loadSilences()]);
}

// Events that arrive while the data loads wait for it, then apply: the stream is opened first, so nothing that
// happens between a load and the stream's start is lost (what the load already had is skipped when applied).
let loading = false;
/** @type {(() => void)[]} */
const waiting = [];

async function refresh() {
  loading = true;
  try {
    await loadAll();
  } finally {
    loading = false;
    for (const apply of waiting.splice(0)) apply();
  }
}

const reloadAll = debounce(() => {
  refresh().catch(showError);
}, RELOAD_DEBOUNCE_MS);
const reloadRecords = debounce(() => {
  Promise.all([loadNotifications(), loadDeadLetters()]).catch(showError);
}, RELOAD_DEBOUNCE_MS);

/** @param {unknown} error */
function showError(error) {
  state.log.unshift({ at: now(), level: 'error', text: `page: ${/** @type {Error} */ (error).message}` });
  renderLog();
}

/** @param {any} round */
function onRound(round) {
  if (session) {
    session.round = round.round;
    if (round.demoPhase) session.demoPhase = round.demoPhase;
  }
  renderHeader(session);
  for (const seen of round.targets) {
    const target = state.targets.find((each) => each.name === seen.name);
    if (!target) continue;
    Object.assign(target, {
      up: seen.up,
      lastAt: seen.lastAt,
      durationMs: seen.durationMs,
      phases: seen.phases,
      statusCode: seen.statusCode,
    });
    if (seen.failure) target.failure = seen.failure;
    else delete target.failure;
    if (target.strip) stripRecord(target.strip, seen.lastAt, seen.up);
  }
  renderTargets();
  let unknown = false;
  /** @type {Set<string>} */
  const touched = new Set();
  const oldest = now() - WINDOW_MS;
  for (const sample of round.samples) {
    const chart = state.charts.get(sample.chart);
    if (!chart?.spec.series.some((line) => line.key === sample.key)) {
      unknown = true;
      continue;
    }
    let points = chart.points.get(sample.key);
    if (!points) {
      points = { t: [], v: [] };
      chart.points.set(sample.key, points);
    }
    // Already there when the load that ran while this event waited had it.
    if (points.t.length > 0 && sample.t <= (points.t[points.t.length - 1] ?? 0)) continue;
    points.t.push(sample.t);
    points.v.push(sample.v);
    if (!state.zoom) {
      let drop = 0;
      while (drop < points.t.length && (points.t[drop] ?? 0) < oldest) drop++;
      if (drop > 0) {
        points.t.splice(0, drop);
        points.v.splice(0, drop);
      }
    }
    touched.add(sample.chart);
  }
  // Open ALARM periods grow with time: every chart that shades one is redrawn too.
  for (const chart of state.charts.values())
    if (state.periods.some((period) => period.to === undefined && chart.spec.alarms.includes(period.alarm)))
      touched.add(chart.spec.id);
  redrawCharts(touched);
  if (unknown) reloadAll();
}

/** @param {any} change */
function onAlarm(change) {
  const alarm = state.alarms.find((each) => each.name === change.alarm);
  if (alarm) {
    alarm.state = change.to;
    alarm.since = change.at;
  }
  const open = state.periods.some((period) => period.alarm === change.alarm && period.to === undefined);
  if (change.to === 'ALARM' && !open) state.periods.push({ alarm: change.alarm, from: change.at });
  else if (change.from === 'ALARM') {
    const open = state.periods.find((period) => period.alarm === change.alarm && period.to === undefined);
    if (open) open.to = change.at;
  }
  renderAlarms();
  redrawCharts(
    [...state.charts.values()]
      .filter((chart) => chart.spec.alarms.includes(change.alarm))
      .map((chart) => chart.spec.id),
  );
}

function connect() {
  const events = new EventSource('/ui/api/events');
  let lost = false;
  events.addEventListener('open', () => {
    setLive('live');
    if (lost) reloadAll();
    lost = false;
  });
  events.addEventListener('error', () => {
    setLive('reconnecting');
    lost = true;
  });
  /** @param {string} name @param {(data: any) => void} handle */
  const on = (name, handle) =>
    events.addEventListener(name, (event) => {
      const apply = () => {
        try {
          handle(JSON.parse(/** @type {MessageEvent} */ (event).data));
        } catch (error) {
          showError(error);
        }
      };
      if (loading) waiting.push(apply);
      else apply();
    });
  on('started', () => reloadAll());
  on('round', onRound);
  on('alarm', onAlarm);
  on('notification', (notification) => {
    state.recent.unshift(notification);
    state.recent.splice(RECENT_MAX);
    renderRecent();
    reloadRecords();
  });
  on('dead-letters', () => reloadRecords());
  on('log', (entry) => {
    state.log.unshift(entry);
    state.log.splice(LOG_MAX);
    renderLog();
  });
  on('stopped', () => {
    setLive('stopped');
    events.close();
  });
}

$('#replay').addEventListener('click', () => void replayLetters());
window.addEventListener(
  'resize',
  debounce(() => {
    for (const chart of state.charts.values()) chart.handle.resize();
  }, 150),
);
connect();
refresh()
  .then(() => {
    document.body.dataset.ready = 'true';
  })
  .catch(showError);
