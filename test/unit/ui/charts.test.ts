import { parseConfig } from '../../../functions/config/load';
import { localAlarmDefinitions } from '../../../functions/dev/alarms';
import { type Series, seriesKey } from '../../../functions/dev/store';
import { chartSpecs, thin, wireSeries } from '../../../functions/ui/charts';

const config = parseConfig(`
targets:
  - name: api
    url: http://127.0.0.1:1/health
    type: json
    metrics:
      - { name: Goroutines, path: $.goroutines, unit: Count, thresholds: { warning: "> 2000", critical: "> 5000" } }
  - name: shop
    url: http://127.0.0.1:1/metrics
    type: prometheus
    metrics:
      - { name: Requests, query: "sum by (method) (http_requests_total)" }
routes:
  - channels: [console]
`);

function head(metricName: string, dimensions: Record<string, string>): Series {
  const base = { namespace: 'Vigil', metricName, dimensions };
  return { ...base, key: seriesKey(base), unit: 'Count', points: [] };
}

describe('chartSpecs', () => {
  const definitions = localAlarmDefinitions(config, 5_000);
  const charts = chartSpecs(
    config,
    [
      head('Requests', { Target: 'shop', method: 'POST' }),
      head('ConnectTime', { Target: 'api' }),
      head('Goroutines', { Target: 'api' }),
      head('ProbeSuccess', { Target: 'api' }),
      head('DnsLookupTime', { Target: 'api' }),
      head('Requests', { Target: 'shop', method: 'GET' }),
      head('ProbeHeartbeat', { Probe: 'vigil-dev-probe' }),
    ],
    definitions,
  );

  it('orders charts by target, success first, then the configured metrics, then the rest', () => {
    expect(charts.map((chart) => chart.title)).toEqual([
      'api · ProbeSuccess',
      'api · Goroutines',
      'api · latency by phase',
      'shop · Requests',
      'vigil-dev-probe · ProbeHeartbeat',
    ]);
  });

  it('puts every label series of a metric on one chart, named by its labels', () => {
    expect(charts[3]!.series.map((line) => line.label)).toEqual(['method=GET', 'method=POST']);
    expect(charts[2]!.series.map((line) => line.label)).toEqual(['ConnectTime', 'DnsLookupTime']);
  });

  it('draws each level of a metric’s alarm as a threshold and shades its alarms', () => {
    expect(charts[1]!.thresholds).toEqual([
      { alarm: 'vigil-dev-api-Goroutines-warning', severity: 'warning', op: '>', value: 2000 },
      { alarm: 'vigil-dev-api-Goroutines-critical', severity: 'critical', op: '>', value: 5000 },
    ]);
    expect(charts[0]!.alarms).toEqual(['vigil-dev-api-down-critical']);
    expect(charts[4]!.alarms).toEqual(['vigil-dev-probe-stalled-critical']);
  });
});

describe('thin', () => {
  const points = Array.from({ length: 1_000 }, (_, index) => ({
    timestamp: index * 1_000,
    value: index === 321 ? 99 : index === 654 ? -5 : index % 7,
  }));

  it('keeps the highest and lowest point of each stretch, in time order, so spikes survive', () => {
    const thinned = thin(points, { from: 0, to: 1_000_000 }, 50);

    expect(thinned.length).toBeLessThanOrEqual(100);
    expect(thinned).toContainEqual({ timestamp: 321_000, value: 99 });
    expect(thinned).toContainEqual({ timestamp: 654_000, value: -5 });
    expect(thinned.map((point) => point.timestamp)).toEqual(
      [...thinned.map((point) => point.timestamp)].sort((a, b) => a - b),
    );
  });

  it('leaves a short series alone', () => {
    expect(thin(points.slice(0, 80), { from: 0, to: 80_000 }, 50)).toEqual(points.slice(0, 80));
  });
});

it('wireSeries sends the first timestamp and the differences', () => {
  expect(
    wireSeries('k', [
      { timestamp: 1_000, value: 1 },
      { timestamp: 6_000, value: 2 },
      { timestamp: 11_005, value: 3 },
    ]),
  ).toEqual({ key: 'k', t0: 1_000, dt: [5_000, 5_005], v: [1, 2, 3] });
});
