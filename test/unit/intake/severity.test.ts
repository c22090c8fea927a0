import { SEVERITIES, type Severity } from '../../../functions/alerts/types';
import { DEFAULTS } from '../../../functions/config/schema';
import { DEFAULT_SEVERITY } from '../../../functions/intake/detect';
import {
  alarmNameSeverity,
  parseAlarmDescription,
  parseSeverity,
  resolveSeverity,
  SEVERITY_SYNONYMS,
  severityRank,
  type VigilDirective,
} from '../../../functions/intake/severity';

describe('severity words', () => {
  it.each<[string, Severity | undefined]>([
    ['info', 'info'],
    ['informational', 'info'],
    ['none', 'info'],
    ['warning', 'warning'],
    ['warn', 'warning'],
    ['critical', 'critical'],
    ['crit', 'critical'],
    ['page', 'critical'],
    ['error', 'critical'],
    ['emergency', 'emergency'],
    ['fatal', 'emergency'],
    ['disaster', 'emergency'],
    ['p1', 'emergency'],
    ['P2', 'critical'],
    [' Critical ', 'critical'],
    ['WARN', 'warning'],
    ['sev-x', undefined],
    ['', undefined],
    ['constructor', undefined],
    ['__proto__', undefined],
  ])('%p → %p', (word, level) => {
    expect(parseSeverity(word)).toBe(level);
  });

  it('maps every canonical level to itself and every synonym to a level', () => {
    for (const level of SEVERITIES) expect(parseSeverity(level)).toBe(level);
    for (const level of SEVERITY_SYNONYMS.values()) expect(SEVERITIES).toContain(level);
  });

  it('ranks info < warning < critical < emergency', () => {
    expect(SEVERITIES.map(severityRank)).toEqual([0, 1, 2, 3]);
  });

  it('has the same default as the config schema', () => {
    expect(DEFAULT_SEVERITY).toBe(DEFAULTS.defaultSeverity);
  });
});

describe('alarm name suffix', () => {
  it.each<[string, Severity | undefined]>([
    ['vigil-one-api-Goroutines-critical', 'critical'],
    ['vigil-one-api-ProbeDuration-warning', 'warning'],
    ['db-Emergency', 'emergency'],
    ['batch-info', 'info'],
    ['orders-lambda-error', undefined],
    ['api-5xx-high', undefined],
    ['critical', undefined],
    ['vigil-one-api-critical-latency', undefined],
  ])('%s → %p', (name, level) => {
    expect(alarmNameSeverity(name)).toBe(level);
  });
});

describe('vigil: line in AlarmDescription', () => {
  const directive = (overrides: Partial<VigilDirective>): VigilDirective => ({
    labels: {},
    links: [],
    alertOnInsufficientData: false,
    ...overrides,
  });

  it.each<[string, string | undefined, ReturnType<typeof parseAlarmDescription>]>([
    ['no description', undefined, {}],
    ['no vigil: line', 'Target 5xx > 10/min', { text: 'Target 5xx > 10/min' }],
    [
      'the full convention',
      'one-api has too many goroutines\nvigil: {"severity":"critical","target":"one-api","metric":"Goroutines","runbook":"https://r.example/g","dashboard":"https://d.example/one-api"}',
      {
        text: 'one-api has too many goroutines',
        directive: directive({
          severity: 'critical',
          labels: { target: 'one-api', metric: 'Goroutines' },
          links: [
            { title: 'Runbook', url: 'https://r.example/g' },
            { title: 'Dashboard', url: 'https://d.example/one-api' },
          ],
        }),
      },
    ],
    [
      'only the line, indented, synonym severity, scalar labels, opt-in for INSUFFICIENT_DATA',
      '  vigil: {"severity":"page","team":"sre","tier":1,"paged":true,"insufficientData":"alert"}',
      {
        directive: directive({
          severity: 'critical',
          labels: { team: 'sre', tier: '1', paged: 'true' },
          alertOnInsufficientData: true,
        }),
      },
    ],
    [
      'unknown severity, nested values, bad keys, reserved names and non-http links are left out',
      'vigil: {"severity":"loud","owner":{"team":"x"},"bad key":"x","alertname":"spoof","runbook":"javascript:alert(1)"}',
      { directive: directive({}) },
    ],
    [
      'the last vigil: line wins (infra writes it last); an earlier one stays in the text',
      'text\nvigil: {"severity":"info"}\nvigil:{"severity":"emergency"}',
      { text: 'text\nvigil: {"severity":"info"}', directive: directive({ severity: 'emergency' }) },
    ],
    [
      'not JSON',
      'text\nvigil: severity=critical',
      { text: 'text', error: 'vigil: line is not JSON; expected vigil: {"severity":"critical",…}' },
    ],
    [
      'JSON but not an object',
      'vigil: ["critical"]',
      { error: 'vigil: line is not a JSON object; expected vigil: {"severity":"critical",…}' },
    ],
    [
      '"vigil:" inside a line is just text',
      'see vigil: {"severity":"critical"}',
      { text: 'see vigil: {"severity":"critical"}' },
    ],
  ])('%s', (_case, description, expected) => {
    expect(parseAlarmDescription(description)).toEqual(expected);
  });
});

describe('resolveSeverity: label > vigil: line > name suffix > default', () => {
  const critical: VigilDirective = {
    severity: 'critical',
    labels: {},
    links: [],
    alertOnInsufficientData: false,
  };

  it.each<[string, Parameters<typeof resolveSeverity>[0], ReturnType<typeof resolveSeverity>]>([
    [
      'label wins over everything',
      { labels: { severity: 'info' }, directive: critical, alarmName: 'x-emergency' },
      { severity: 'info', origin: 'label' },
    ],
    ['a synonym label counts', { labels: { severity: 'warn' } }, { severity: 'warning', origin: 'label' }],
    [
      'an unknown label falls through to the vigil: line',
      { labels: { severity: 'loud' }, directive: critical },
      { severity: 'critical', origin: 'directive' },
    ],
    [
      'vigil: line wins over the name',
      { directive: critical, alarmName: 'x-info' },
      { severity: 'critical', origin: 'directive' },
    ],
    ['name suffix', { alarmName: 'vigil-a-Goroutines-emergency' }, { severity: 'emergency', origin: 'name' }],
    [
      'nothing: the default',
      { labels: {}, alarmName: 'api-5xx-high' },
      { severity: 'info', origin: 'default' },
    ],
    [
      'an inherited "severity" is not a label',
      { labels: Object.create({ severity: 'critical' }) },
      { severity: 'info', origin: 'default' },
    ],
  ])('%s', (_case, input, expected) => {
    expect(resolveSeverity(input, 'info')).toEqual(expected);
  });
});
