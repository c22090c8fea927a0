/** The prometheus probe kind on one scraped page: what PromQL results become as published values. */
import type { TargetConfig } from '../../../functions/config/schema';
import { prometheus } from '../../../functions/probing/kinds/prometheus';

const PAGE = `# TYPE http_requests_total counter
http_requests_total{method="GET",code="200"} 900
http_requests_total{method="GET",code="500"} 7
http_requests_total{method="POST",code="200"} 100
# TYPE up gauge
up 1
`;

function inspect(queries: Record<string, string>, maxSeries = 50) {
  const metrics = Object.entries(queries).map(([name, query]) => ({ name, query, unit: 'None' as const }));
  const response = {
    status: 200,
    headers: { 'content-type': 'text/plain; version=0.0.4' },
    body: Buffer.from(PAGE),
  };
  const target = {
    type: 'prometheus',
    name: 'api',
    url: 'http://127.0.0.1:9100/metrics',
  } as Extract<TargetConfig, { type: 'prometheus' }>;
  return prometheus.inspect(target, metrics, response, { maxSeries, atMs: Date.now(), history: [] });
}

describe('prometheus probe kind', () => {
  it.each<[string, string, { value: number; dimensions: Record<string, string> }[]]>([
    [
      'a bare selector publishes its labels, not the metric name',
      'http_requests_total{code="200"}',
      [
        { value: 900, dimensions: { code: '200', method: 'GET' } },
        { value: 100, dimensions: { code: '200', method: 'POST' } },
      ],
    ],
    [
      'a ratio of sums is one series without dimensions',
      'sum(http_requests_total{code=~"5.."}) / sum(http_requests_total)',
      [{ value: 7 / 1007, dimensions: {} }],
    ],
    ['a scalar is one value', 'scalar(up) * 100', [{ value: 100, dimensions: {} }]],
    ['a comparison publishes what passes', 'up == 1', [{ value: 1, dimensions: {} }]],
  ])('%s', (_name, query, expected) => {
    // Act
    const inspection = inspect({ M: query });

    // Assert
    expect(inspection.failure).toBeUndefined();
    expect(inspection.values.map(({ value, dimensions }) => ({ value, dimensions }))).toEqual(expected);
  });

  it.each<[string, string, string]>([
    ['no match', 'missing', 'M: missing matched no series'],
    [
      'an evaluation error',
      'up / on (code) http_requests_total',
      'M: up / on (code) http_requests_total failed: found duplicate series',
    ],
  ])('reports %s instead of publishing a zero', (_name, query, detail) => {
    // Act
    const inspection = inspect({ M: query });

    // Assert
    expect(inspection.values).toEqual([]);
    expect(inspection.failure).toMatchObject({ reason: 'extract' });
    expect(inspection.failure?.detail).toContain(detail);
  });

  it('cuts series over maxSeries in label order and says so', () => {
    // Act
    const inspection = inspect({ M: 'http_requests_total' }, 2);

    // Assert
    expect(inspection.values.map((v) => v.dimensions)).toEqual([
      { code: '200', method: 'GET' },
      { code: '200', method: 'POST' },
    ]);
    expect(inspection.warnings).toEqual([
      'M: 1 series over the limit of 2 were not published (raise maxSeries or aggregate with by (...))',
    ]);
  });
});
