// One uPlot chart per metric: its series as lines, the alarm thresholds as dashed lines, the periods its alarms
// were in ALARM shaded in the alarm's severity colour. What each chart last drew is written to its element's
// data- attributes (points, thresholds and their pixel rows, shaded periods), which is also what the browser
// tests check.
import { clock, formatNumber, shown } from './text.mjs';

/** @typedef {'info' | 'warning' | 'critical' | 'emergency'} Severity */
/** @typedef {{ alarm: string, severity: Severity, op: string, value: number }} Threshold */
/** @typedef {{ id: string, title: string, target?: string, metric: string, unit: string, series: { key: string, label: string }[], thresholds: Threshold[], alarms: string[] }} ChartSpec */
/** @typedef {{ alarm: string, from: number, to?: number }} AlarmPeriod */
/** @typedef {{ t: number[], v: number[] }} Points */

export const SEVERITY_COLOURS = /** @type {const} */ ({
  info: '#1c7ed6',
  warning: '#e0a800',
  critical: '#e8590c',
  emergency: '#c92a2a',
});
const SHADE_ALPHA = '2e';
const PALETTE = ['#2f9e44', '#1971c2', '#9c36b5', '#0c8599', '#5f3dc4', '#d6336c', '#66a80f', '#495057'];
const CHART_HEIGHT = 170;

const UNIT_SUFFIX = /** @type {Record<string, string>} */ ({
  Milliseconds: ' ms',
  Seconds: ' s',
  Microseconds: ' µs',
  Megabytes: ' MB',
  Kilobytes: ' kB',
  Bytes: ' B',
  Percent: '%',
});

/** @param {number} value */
function compact(value) {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${formatNumber(value / 1e9)}G`;
  if (abs >= 1e6) return `${formatNumber(value / 1e6)}M`;
  if (abs >= 1e4) return `${formatNumber(value / 1e3)}k`;
  return formatNumber(value);
}

/**
 * The lines of a chart on one time axis (seconds, as uPlot wants), gaps as null.
 * @param {ChartSpec} spec
 * @param {Map<string, Points>} points
 * @returns {import('../../../node_modules/uplot/dist/uPlot').AlignedData}
 */
export function alignedData(spec, points) {
  const tables = spec.series.map((line) => {
    const own = points.get(line.key) ?? { t: [], v: [] };
    return /** @type {[number[], number[]]} */ ([own.t.map((ms) => ms / 1000), own.v]);
  });
  if (tables.length === 1) return /** @type {any} */ (tables[0]);
  return uPlot.join(/** @type {any} */ (tables));
}

/**
 * @param {HTMLElement} container
 * @param {ChartSpec} spec
 * @param {{ periods: () => AlarmPeriod[], severityOf: (alarm: string) => Severity | undefined, now: () => number, onZoom: (from: number, to: number) => void, onReset: () => void }} context
 */
export function createChart(container, spec, context) {
  const unit = UNIT_SUFFIX[spec.unit] ?? '';
  /** @type {import('../../../node_modules/uplot/dist/uPlot').Options} */
  const options = {
    width: Math.max(280, container.clientWidth),
    height: CHART_HEIGHT,
    // UTC, like the tables and the terminal view.
    tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'),
    scales: {
      x: { time: true },
      y: {
        // Thresholds stay in view: how far a value is from its alarm is what the chart is for.
        range: (_u, min, max) => {
          const values = [min, max, ...spec.thresholds.map((threshold) => threshold.value)].filter(
            Number.isFinite,
          );
          let low = Math.min(...values);
          let high = Math.max(...values);
          if (!Number.isFinite(low)) return [0, 1];
          if (low === high) {
            low -= Math.abs(low) * 0.1 || 1;
            high += Math.abs(high) * 0.1 || 1;
          }
          const pad = (high - low) * 0.06;
          return [low >= 0 && low - pad < 0 ? 0 : low - pad, high + pad];
        },
      },
    },
    series: [
      {
        value: (_u, value) =>
          value === null
            ? '–'
            : `${new Date(value * 1000).toISOString().slice(0, 10)} ${clock(value * 1000)}`,
      },
      ...spec.series.map((line, index) => ({
        label: shown(line.label),
        stroke: PALETTE[index % PALETTE.length],
        width: 1.5,
        spanGaps: true,
        points: { show: false },
        value: (/** @type {unknown} */ _u, /** @type {number | null} */ value) =>
          value === null ? '–' : `${formatNumber(value)}${unit}`,
      })),
    ],
    axes: [{}, { size: 56, values: (_u, ticks) => ticks.map((tick) => compact(tick)) }],
    cursor: {
      drag: { x: true, y: false, setScale: false },
      sync: { key: 'vigil' },
      bind: { dblclick: () => () => null },
    },
    legend: { live: true },
    hooks: {
      drawClear: [(u) => shade(u)],
      draw: [(u) => drawThresholds(u)],
      setSelect: [
        (u) => {
          if (u.select.width < 2) return;
          const from = u.posToVal(u.select.left, 'x') * 1000;
          const to = u.posToVal(u.select.left + u.select.width, 'x') * 1000;
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          context.onZoom(from, to);
        },
      ],
    },
  };

  /** @param {import('../../../node_modules/uplot/dist/uPlot')} u */
  function shade(u) {
    const { ctx, bbox } = u;
    let drawn = 0;
    for (const period of context.periods()) {
      if (!spec.alarms.includes(period.alarm)) continue;
      const severity = context.severityOf(period.alarm) ?? 'warning';
      const x0 = Math.max(bbox.left, u.valToPos(period.from / 1000, 'x', true));
      const x1 = Math.min(bbox.left + bbox.width, u.valToPos((period.to ?? context.now()) / 1000, 'x', true));
      if (!(x1 > x0)) continue;
      ctx.fillStyle = `${SEVERITY_COLOURS[severity]}${SHADE_ALPHA}`;
      ctx.fillRect(x0, bbox.top, x1 - x0, bbox.height);
      drawn++;
    }
    container.dataset.shaded = String(drawn);
  }

  /** @param {import('../../../node_modules/uplot/dist/uPlot')} u */
  function drawThresholds(u) {
    const { ctx, bbox } = u;
    const drawn = [];
    ctx.save();
    ctx.lineWidth = 1;
    ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
    ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
    ctx.textAlign = 'right';
    for (const threshold of spec.thresholds) {
      // A one-pixel line on a pixel row's centre stays crisp (on the edge it would blur over two rows).
      const row = Math.round(u.valToPos(threshold.value, 'y', true));
      if (row < bbox.top || row > bbox.top + bbox.height) continue;
      const y = row + 0.5;
      ctx.strokeStyle = SEVERITY_COLOURS[threshold.severity];
      ctx.fillStyle = SEVERITY_COLOURS[threshold.severity];
      ctx.beginPath();
      ctx.moveTo(bbox.left, y);
      ctx.lineTo(bbox.left + bbox.width, y);
      ctx.stroke();
      ctx.fillText(
        `${threshold.severity} ${threshold.op} ${compact(threshold.value)}`,
        bbox.left + bbox.width - 4,
        y - 3 * devicePixelRatio,
      );
      drawn.push({
        severity: threshold.severity,
        value: threshold.value,
        y: row,
        x: Math.round(bbox.left + 2 * devicePixelRatio),
      });
    }
    ctx.restore();
    container.dataset.thresholds = JSON.stringify(drawn);
  }

  const chart = new uPlot(options, [[], ...spec.series.map(() => [])], container);
  container.addEventListener('dblclick', () => context.onReset());
  return {
    chart,
    /**
     * @param {Map<string, Points>} points
     * @param {{ from: number, to: number } | null} zoom
     */
    update(points, zoom) {
      const data = alignedData(spec, points);
      chart.setData(data, zoom === null);
      if (zoom) chart.setScale('x', { min: zoom.from / 1000, max: zoom.to / 1000 });
      let count = 0;
      for (let index = 1; index < data.length; index++)
        for (const value of /** @type {(number | null | undefined)[]} */ (data[index] ?? []))
          if (value !== null && value !== undefined) count++;
      container.dataset.points = String(count);
    },
    redraw() {
      chart.redraw(false, false);
    },
    resize() {
      chart.setSize({ width: Math.max(280, container.clientWidth), height: CHART_HEIGHT });
    },
  };
}
