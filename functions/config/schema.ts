/**
 * The schema of vigil.yml. Everything the probe, the webhook, infra/ and `vigil dev` read comes from here,
 * validated once at load; every problem is reported with its path.
 */
import { z } from 'zod';
import { parseComparison } from '../alarms/threshold';
import { SEVERITIES } from '../alerts/types';
import { channelsSchema } from '../channels/schema';
import { redactUrl } from '../logging/redact';
import { METRIC_UNITS } from '../metrics/units';
import { ConditionSyntaxError, parseCondition } from '../probing/conditions';
import { jsonPathError } from '../probing/jsonpath';
import { PromqlSyntaxError, parseQuery } from '../prometheus/promql';
import { matchValueError } from '../routing/routes';
import { PLACEHOLDER_RE, placeholderError } from './secrets';
import { parseDuration, parseSize } from './units';

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

export const DEFAULTS = {
  namespace: 'Vigil',
  timeoutMs: 10_000,
  concurrency: 50,
  scheduleMs: 60_000,
  maxBodyBytes: 10 * 1024 * 1024,
  maxRedirects: 10,
  maxSeries: 50,
  expectStatus: '2xx',
  hmacHeader: 'X-Grafana-Alerting-Signature',
  defaultSeverity: 'warning',
  groupWaitMs: 5_000,
} as const;

/** The sweep runs every minute: a shorter repeat could not be kept. */
export const MIN_REPEAT_MS = 60_000;
/** A webhook invocation waits this at most before it sends (Lambda time, an Alertmanager request held open). */
export const MAX_GROUP_WAIT_MS = 20_000;

/** A string that may contain ${env:NAME} / ${ssm:/path} placeholders, checked for syntax here, resolved at run time. */
const secretable = z.string().superRefine((value, ctx) => {
  const error = placeholderError(value);
  if (error) ctx.addIssue({ code: 'custom', message: error });
});

const duration = (what: string) =>
  z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined || ms <= 0) {
      ctx.addIssue({
        code: 'custom',
        message: `${what}: "${text}" is not a duration such as 800ms, 5s or 1m`,
      });
      return z.NEVER;
    }
    return ms;
  });

const size = z.union([z.number().int().positive(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  const bytes = parseSize(value);
  if (bytes === undefined || bytes <= 0) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a size such as 512KB or 10MB` });
    return z.NEVER;
  }
  return bytes;
});

/** A URL, or a placeholder that resolves to one at run time. */
const httpUrl = secretable.superRefine((value, ctx) => {
  if (PLACEHOLDER_RE.test(value)) return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${redactUrl(value)}" is not a URL` });
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: `"${redactUrl(value)}" is not an http(s) URL` });
  }
});

// "2xx", 200, "200-299": what a target may answer.
const STATUS_PATTERN_RE = /^(?:[1-5]xx|[1-5]\d\d|[1-5]\d\d-[1-5]\d\d)$/;
const statusPattern = z.union([
  z.number().int().min(100).max(599),
  z.string().regex(STATUS_PATTERN_RE, 'use a code (200), a class (2xx) or a range (200-299)'),
]);

const conditionSchema = z.string().superRefine((source, ctx) => {
  try {
    parseCondition(source);
  } catch (error) {
    if (!(error instanceof ConditionSyntaxError)) throw error;
    ctx.addIssue({ code: 'custom', message: `"${source}": ${error.message}` });
  }
});

export const TREAT_MISSING = ['breaching', 'notBreaching', 'ignore', 'missing'] as const;

const comparisonText = z.string().superRefine((text, ctx) => {
  const parsed = parseComparison(text);
  if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
});

/** One alarm level: "> 5000", or { when: "> 5000", for: 3, of: 5, missing: breaching }. */
const thresholdLevel = z
  .union([
    comparisonText,
    z.strictObject({
      when: comparisonText,
      for: z.number().int().min(1).optional(),
      of: z.number().int().min(1).optional(),
      missing: z.enum(TREAT_MISSING).optional(),
    }),
  ])
  .superRefine((level, ctx) => {
    if (typeof level === 'string') return;
    const datapoints = level.for ?? 1;
    const periods = level.of ?? Math.max(datapoints, 1);
    if (datapoints > periods) {
      ctx.addIssue({ code: 'custom', message: `for (${datapoints}) must not exceed of (${periods})` });
    }
  });

export const ALARM_LEVELS = ['warning', 'critical', 'emergency'] as const;
export type AlarmLevel = (typeof ALARM_LEVELS)[number];

const thresholdsSchema = z.strictObject({
  warning: thresholdLevel.optional(),
  critical: thresholdLevel.optional(),
  emergency: thresholdLevel.optional(),
});

// CloudWatch metric names: 1-255 printable ASCII characters. We keep them identifier-like so they read well
// as alarm names and dashboard labels.
const metricName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_.-]{0,254}$/, 'use letters, digits, _ . - (start with a letter)');

const metricSchema = z.strictObject({
  name: metricName,
  path: z
    .string()
    .superRefine((path, ctx) => {
      const error = jsonPathError(path);
      if (error) ctx.addIssue({ code: 'custom', message: error });
    })
    .optional(),
  query: z
    .string()
    .superRefine((source, ctx) => {
      try {
        parseQuery(source);
      } catch (error) {
        if (!(error instanceof PromqlSyntaxError)) throw error;
        ctx.addIssue({ code: 'custom', message: `"${source}": ${error.message}` });
      }
    })
    .optional(),
  unit: z.enum(METRIC_UNITS).default('None'),
  thresholds: thresholdsSchema.optional(),
});

// Target names become the CloudWatch dimension Target and part of alarm names (255 ASCII max).
const targetName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, 'use 1-100 letters, digits, _ . - characters');

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

const targetSchema = z
  .strictObject({
    name: targetName,
    url: httpUrl,
    type: z.enum(['http', 'json', 'prometheus']).default('http'),
    method: z.enum(HTTP_METHODS).default('GET'),
    headers: z
      .record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'not a valid header name'), secretable)
      .default({}),
    body: secretable.optional(),
    timeout: duration('timeout').optional(),
    followRedirects: z.boolean().default(true),
    maxRedirects: z.number().int().min(0).max(50).optional(),
    maxBodySize: size.optional(),
    maxSeries: z.number().int().min(1).max(1000).optional(),
    /** Probe link-local / cloud metadata addresses (169.254.0.0/16, fd00:ec2::254), refused by default. */
    allowLinkLocal: z.boolean().default(false),
    /** Accept self-signed or expired certificates (CertExpiryDays is still reported). */
    insecureSkipVerify: z.boolean().default(false),
    expect: z
      .strictObject({
        status: z.union([statusPattern, z.array(statusPattern).min(1)]).default(DEFAULTS.expectStatus),
        conditions: z.array(conditionSchema).default([]),
        maxDuration: duration('maxDuration').optional(),
      })
      .default({ status: DEFAULTS.expectStatus, conditions: [] }),
    metrics: z.array(metricSchema).default([]),
  })
  .superRefine(
    (value, ctx) => {
      // Runs even when fields inside the target are invalid (see the root check), so reads are defensive.
      const target = asRecord(value);
      const type = target.type ?? 'http';
      const seen = new Set<string>();
      asArray(target.metrics).forEach((raw, index) => {
        const metric = asRecord(raw);
        const where = ['metrics', index];
        if (typeof metric.name === 'string') {
          if (seen.has(metric.name)) {
            ctx.addIssue({
              code: 'custom',
              path: [...where, 'name'],
              message: `duplicate metric "${metric.name}"`,
            });
          }
          seen.add(metric.name);
        }
        if (type === 'json' && metric.path === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [...where, 'path'],
            message: 'a json target metric needs a path ($.field)',
          });
        }
        if (type === 'prometheus' && metric.query === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [...where, 'query'],
            message: 'a prometheus target metric needs a query',
          });
        }
        if (type === 'http') {
          ctx.addIssue({
            code: 'custom',
            path: where,
            message: 'http targets have no body metrics: use type json (path) or prometheus (query)',
          });
        }
        if (type === 'json' && metric.query !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [...where, 'query'],
            message: 'query is for prometheus targets; use path',
          });
        }
        if (type === 'prometheus' && metric.path !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [...where, 'path'],
            message: 'path is for json targets; use query',
          });
        }
      });
      if (type !== 'json') {
        asArray(asRecord(target.expect).conditions).forEach((source, index) => {
          if (typeof source === 'string' && /(^|\()\s*\$/.test(source)) {
            ctx.addIssue({
              code: 'custom',
              path: ['expect', 'conditions', index],
              message: `"${source}": JSONPath conditions need type: json`,
            });
          }
        });
      }
    },
    { when: () => true },
  );

// --- Deployment options read by infra/ (alarms, dashboard, logs); see infra/README.md. ---

/** The "target down" alarm on ProbeSuccess every target gets. */
const downAlarmSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    severity: z.enum(SEVERITIES).default('critical'),
    for: z.number().int().min(1).default(2),
    of: z.number().int().min(1).default(3),
    // A probe that stopped reporting is itself an outage.
    missing: z.enum(TREAT_MISSING).default('breaching'),
  })
  .superRefine((down, ctx) => {
    if (down.for > down.of) {
      ctx.addIssue({
        code: 'custom',
        path: ['for'],
        message: `for (${down.for}) must not exceed of (${down.of})`,
      });
    }
  });
const DOWN_ALARM_DEFAULTS = {
  enabled: true,
  severity: 'critical',
  for: 2,
  of: 3,
  missing: 'breaching',
} as const;

const alarmsSchema = z.strictObject({
  down: downAlarmSchema.default(DOWN_ALARM_DEFAULTS),
  /** A runbook URL carried in every alarm's description (the webhook links it). */
  runbook: z.url({ protocol: /^https?$/ }).optional(),
  /** Also send the account's other CloudWatch alarms (EventBridge "CloudWatch Alarm State Change") to the webhook. */
  accountAlarms: z.boolean().default(false),
});

const dashboardSchema = z.strictObject({ enabled: z.boolean().default(true) });

/** CloudWatch Logs accepts only these retention periods (PutRetentionPolicy). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
const logsSchema = z.strictObject({
  retentionDays: z
    .number()
    .int()
    .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
      message: `use one of ${LOG_RETENTION_DAYS.join(', ')}`,
    })
    .default(30),
});

/** A route match value: exact text, or "~regex" (checked here so a typo can't silently match nothing). */
const matchValue = z.string().superRefine((value, ctx) => {
  const error = matchValueError(value);
  if (error) ctx.addIssue({ code: 'custom', message: error });
});

const labelMatch = z.record(z.string(), z.union([matchValue, z.array(matchValue).min(1)]));

const routeSchema = z.strictObject({
  /** label → value; a value starting with "~" is a regex; a list matches any of its values. */
  match: labelMatch.optional(),
  channels: z.array(z.string()).min(1),
  continue: z.boolean().default(false),
  /** Re-notify a still-firing alert this often (Alertmanager's repeat_interval); absent: never. */
  repeat: duration('repeat')
    .refine(
      (ms) => ms >= MIN_REPEAT_MS,
      `repeat must be at least ${MIN_REPEAT_MS / 60_000}m (the sweep runs once a minute)`,
    )
    .optional(),
});

/** An inhibition rule in Alertmanager's shape (source_match / target_match / equal), vigil's match values. */
const inhibitRuleSchema = z.strictObject({
  source: labelMatch,
  target: labelMatch,
  equal: z.array(z.string().min(1)).default([]),
});

/** How alerts are handled between intake and channels: state, inhibition, fallback (README "Alert state"). */
const alertsSchema = z.strictObject({
  /** Where alerts that match no route go (default: every channel of the first route; console without routes). */
  fallback: z.array(z.string()).min(1).optional(),
  /** Wait this long before sending a new state change, so alarms that fire together go out as one message. */
  groupWait: z
    // 0 (or "0s") sends at once: no merging of alarms that fire together.
    .union([
      z.literal(0),
      z
        .string()
        .regex(/^0+(?:ms|s|m)?$/)
        .transform(() => 0),
      duration('groupWait'),
    ])
    .refine((ms) => ms <= MAX_GROUP_WAIT_MS, `groupWait must be at most ${MAX_GROUP_WAIT_MS / 1000}s`)
    .default(DEFAULTS.groupWaitMs),
  /** A higher level of the same target and metric mutes the lower ones (state/inhibit.ts levelRules). */
  inhibitLevels: z.boolean().default(true),
  /** More inhibition rules, with Alertmanager's semantics. */
  inhibit: z.array(inhibitRuleSchema).default([]),
});

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    namespace: z
      .string()
      .regex(/^[A-Za-z0-9 ._/#:-]{1,255}$/, 'use 1-255 characters: letters, digits, space . _ / # : -')
      .refine((ns) => !ns.startsWith('AWS/'), 'namespaces starting with AWS/ are reserved by AWS')
      .default(DEFAULTS.namespace),
    /** cloudwatch: PutMetricData (EMF to stdout as fallback); emf: EMF only. */
    publish: z.enum(['cloudwatch', 'emf']).default('cloudwatch'),
    probe: z
      .strictObject({
        timeout: duration('timeout').default(DEFAULTS.timeoutMs),
        concurrency: z.number().int().min(1).max(1000).default(DEFAULTS.concurrency),
        schedule: duration('schedule').default(DEFAULTS.scheduleMs),
        maxBodySize: size.default(DEFAULTS.maxBodyBytes),
        maxRedirects: z.number().int().min(0).max(50).default(DEFAULTS.maxRedirects),
        maxSeries: z.number().int().min(1).max(1000).default(DEFAULTS.maxSeries),
      })
      .default({
        timeout: DEFAULTS.timeoutMs,
        concurrency: DEFAULTS.concurrency,
        schedule: DEFAULTS.scheduleMs,
        maxBodySize: DEFAULTS.maxBodyBytes,
        maxRedirects: DEFAULTS.maxRedirects,
        maxSeries: DEFAULTS.maxSeries,
      }),
    targets: z.array(targetSchema).default([]),
    webhook: z
      .strictObject({
        // Empty would authenticate nothing; an absent key leaves intake open (with a warning at start).
        token: secretable.pipe(z.string().min(1, 'must not be empty')).optional(),
        hmacSecret: secretable.pipe(z.string().min(1, 'must not be empty')).optional(),
        hmacHeader: z.string().default(DEFAULTS.hmacHeader),
        timestampHeader: z.string().optional(),
        defaultSeverity: z.enum(SEVERITIES).default(DEFAULTS.defaultSeverity),
      })
      .default({ hmacHeader: DEFAULTS.hmacHeader, defaultSeverity: DEFAULTS.defaultSeverity }),
    channels: channelsSchema.default({}),
    routes: z.array(routeSchema).default([]),
    alerts: alertsSchema.prefault({}),
    alarms: alarmsSchema.default({ down: DOWN_ALARM_DEFAULTS, accountAlarms: false }),
    dashboard: dashboardSchema.default({ enabled: true }),
    logs: logsSchema.default({ retentionDays: 30 }),
  })
  // Cross-field checks run even when other parts of the config are invalid (zod would skip them by default), so
  // every problem is reported at once; the data may be partly invalid here, hence the defensive reads.
  .superRefine(
    (value, ctx) => {
      const config = asRecord(value);
      const names = new Map<string, number>();
      asArray(config.targets).forEach((target, index) => {
        const name = asRecord(target).name;
        if (typeof name !== 'string') return;
        const first = names.get(name);
        if (first !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['targets', index, 'name'],
            message: `duplicate target name "${name}" (also targets[${first}])`,
          });
        } else names.set(name, index);
      });
      const channels = asRecord(config.channels);
      asArray(asRecord(config.alerts).fallback).forEach((channel, index) => {
        if (typeof channel === 'string' && channel !== 'console' && !Object.hasOwn(channels, channel)) {
          ctx.addIssue({
            code: 'custom',
            path: ['alerts', 'fallback', index],
            message: `unknown channel "${channel}": define it under channels: (or use the built-in console)`,
          });
        }
      });
      asArray(config.routes).forEach((route, index) => {
        asArray(asRecord(route).channels).forEach((channel, channelIndex) => {
          if (typeof channel === 'string' && channel !== 'console' && !Object.hasOwn(channels, channel)) {
            ctx.addIssue({
              code: 'custom',
              path: ['routes', index, 'channels', channelIndex],
              message: `unknown channel "${channel}": define it under channels: (or use the built-in console)`,
            });
          }
        });
      });
    },
    { when: () => true },
  );

export type VigilConfigInput = z.input<typeof configSchema>;
export type VigilConfig = z.output<typeof configSchema>;
export type TargetConfig = VigilConfig['targets'][number];
export type MetricConfig = TargetConfig['metrics'][number];
export type ThresholdsConfig = NonNullable<MetricConfig['thresholds']>;
export type RouteConfig = VigilConfig['routes'][number];
export type AlertsConfig = VigilConfig['alerts'];

/** JSON Schema of vigil.yml for editor completion (yaml-language-server, VS Code). */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
}
export type AlarmsConfig = VigilConfig['alarms'];
export type DownAlarmConfig = AlarmsConfig['down'];
