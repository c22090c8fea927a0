/**
 * The probe kind registry: every kind module in functions/probing/kinds is registered under its own type, and the
 * types derived from it (ProbeType, TargetConfig) follow. Type-level checks are in the @ts-expect-error lines.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { seriesOf } from '../../../functions/alarms/definitions';
import { parseConfig } from '../../../functions/config/load';
import type { TargetConfig } from '../../../functions/config/schema';
import { http } from '../../../functions/probing/kinds/http';
import {
  defineKinds,
  isProbeType,
  kindOf,
  PROBE_KINDS,
  PROBE_TYPES,
  type ProbeType,
} from '../../../functions/probing/kinds/index';
import { json } from '../../../functions/probing/kinds/json';
import type { ProbeResult } from '../../../functions/probing/types';

const KINDS_DIR = join(__dirname, '..', '..', '..', 'functions', 'probing', 'kinds');

function looksLikeProbeKind(value: unknown): value is { type: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof Reflect.get(value, 'type') === 'string' &&
    typeof Reflect.get(value, 'accept') === 'string' &&
    typeof Reflect.get(value, 'inspect') === 'function' &&
    typeof Reflect.get(value, 'seriesOf') === 'function'
  );
}

describe('probe kind registry', () => {
  it('lists every probe type once', () => {
    expect([...PROBE_TYPES].sort()).toEqual(['dns', 'http', 'json', 'prometheus', 'tcp', 'tls']);
  });

  it.each(PROBE_TYPES)('%s is registered under its own type', (type) => {
    expect(PROBE_KINDS[type].type).toBe(type);
  });

  it('registers every kind module in functions/probing/kinds', () => {
    const found: string[] = [];
    for (const file of readdirSync(KINDS_DIR).filter((name) => name.endsWith('.ts'))) {
      const exports = require(join(KINDS_DIR, file)) as Record<string, unknown>;
      for (const value of Object.values(exports)) {
        if (!looksLikeProbeKind(value)) continue;
        found.push(value.type);
        expect({ file, registered: isProbeType(value.type) && PROBE_KINDS[value.type] === value }).toEqual({
          file,
          registered: true,
        });
      }
    }
    expect(new Set(found)).toEqual(new Set(PROBE_TYPES));
  });

  it('rejects a mislabelled or foreign entry at compile time', () => {
    // @ts-expect-error a kind registered under another type's key
    defineKinds({ http: json });
    // @ts-expect-error something that is not a probe kind
    defineKinds({ http, other: 42 });
    expect(defineKinds({ http, json })).toEqual({ http, json });
    // @ts-expect-error ProbeType comes from the registry
    const unknownType: ProbeType = 'icmp';
    // @ts-expect-error so does the result's type
    const result: Pick<ProbeResult, 'type'> = { type: 'icmp' };
    expect([unknownType, result.type]).toEqual(['icmp', 'icmp']);
  });

  it("types each target's metrics by its kind", () => {
    const [target] = parseConfig(
      'targets: [{ name: a, url: "http://x", type: json, metrics: [{ name: M, path: $.a }] }]',
    ).targets as [TargetConfig];
    if (target.type !== 'json') throw new Error('expected a json target');
    expect(target.metrics[0]?.path).toBe('$.a');
    // @ts-expect-error a json metric has no query
    expect(target.metrics[0]?.query).toBeUndefined();
    expect(kindOf(target)).toBe(json);
  });
});

describe('alarm series come from the kind', () => {
  const config = parseConfig(`
targets:
  - name: j
    url: http://x
    type: json
    metrics: [{ name: A, path: $.a }]
  - name: p
    url: http://x
    type: prometheus
    metrics:
      - { name: Sum, query: sum(m) }
      - { name: SumByNothing, query: sum by () (m) }
      - { name: SumBy, query: sum by (a) (m) }
      - { name: SumWithout, query: sum without (a) (m) }
      - { name: Bare, query: m }
`);
  it.each([
    ['j', 'A', 'exact'],
    ['p', 'Sum', 'exact'],
    ['p', 'SumByNothing', 'exact'],
    ['p', 'SumBy', 'all'],
    ['p', 'SumWithout', 'all'],
    ['p', 'Bare', 'all'],
  ])('%s/%s → %s', (targetName, metricName, series) => {
    const target = config.targets.find((candidate) => candidate.name === targetName)!;
    const metric = target.metrics.find((candidate) => candidate.name === metricName)!;
    expect(seriesOf(target, metric)).toBe(series);
  });
});

describe('prometheus kind: a series given twice', () => {
  it('keeps the first sample, as a Prometheus scrape does, and warns', () => {
    const [target] = parseConfig(
      'targets: [{ name: p, url: "http://x", type: prometheus, metrics: [{ name: Up, query: sum(up) }] }]',
    ).targets;
    if (target?.type !== 'prometheus') throw new Error('expected a prometheus target');
    const body = Buffer.from('up{job="a"} 1\nup{job="b"} 0\nup{job="a"} 5\n');
    const inspection = kindOf(target).inspect(
      target,
      target.metrics,
      { status: 200, headers: { 'content-type': 'text/plain; version=0.0.4' }, body },
      { maxSeries: 50, atMs: Date.now(), history: [] },
    );
    expect(inspection.values).toEqual([{ metric: 'Up', unit: 'None', value: 1, dimensions: {} }]);
    expect(inspection.warnings).toEqual([
      '1 duplicate series dropped, the first sample of each kept (first at line 3: up{job="a"})',
    ]);
    expect(inspection.failure).toBeUndefined();
  });
});
