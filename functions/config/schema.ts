/**
 * The schema of vigil.yml. Everything the probe, the webhook, infra/ and `vigil dev` read comes from here,
 * validated once at load; every problem is reported with its path.
 */
import { z } from 'zod';
import { matchValueError } from '../alerts/routing';
import { SEVERITIES } from '../alerts/types';
import { channelsSchema } from '../channels/schema';
import { redactUrl } from '../logging/redact';
import { ConditionSyntaxError, parseCondition } from '../probing/conditions';
import {
  isProbeType,
  type MetricFieldsOf,
  PROBE_KINDS,
  PROBE_TYPES,
  type ProbeType,
  type TargetFieldsOf,
} from '../probing/kinds';
import type { KindMetric, KindMetricInput } from '../probing/kinds/types';
import { METRIC_BASE_FIELDS, TREAT_MISSING } from './metric';
import { PLACEHOLDER_RE, placeholderError } from './secrets';
import { formatDuration, parseDuration, parseSize } from './units';

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
} as const;

/** A string that may contain ${env:NAME} / ${ssm:/path} placeholders, checked for syntax here, resolved at run time. */
const secretable = z.string().superRefine((value, ctx) => {
  const error = placeholderError(value);
  if (error) ctx.addIssue({ code: 'custom', message: error });
});

/** Inclusive bounds of one duration key, in ms, and why they are where they are (shown in the error). */
interface DurationBounds {
  min: number;
  max: number;
  why: string;
}

/**
 * Node clamps timers above 2^31-1 ms (~24.8 days) to 1 ms, so an unbounded duration would turn "wait very long"
 * into "fail at once": every duration key has its own range instead.
 */
export const DURATION_BOUNDS = {
  /** A probe shorter than this fails on a DNS lookup alone; one longer than a Lambda run can never finish. */
  timeout: { min: 10, max: 15 * 60_000, why: 'a Lambda run lasts at most 15m' },
  maxDuration: { min: 1, max: 15 * 60_000, why: 'a probe cannot run longer than a Lambda, 15m' },
  /** EventBridge Scheduler's finest rate is a minute; a CloudWatch alarm period is at most a day. */
  schedule: {
    min: 60_000,
    max: 86_400_000,
    why: 'EventBridge Scheduler runs at most once a minute and alarm periods end at a day',
  },
} as const satisfies Record<string, DurationBounds>;

const duration = (what: string, bounds: DurationBounds) =>
  z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined || ms <= 0) {
      ctx.addIssue({
        code: 'custom',
        message: `${what}: "${text}" is not a duration such as 800ms, 5s or 1m`,
      });
      return z.NEVER;
    }
    if (ms < bounds.min || ms > bounds.max) {
      ctx.addIssue({
        code: 'custom',
        message: `${what}: "${text}" is outside ${formatDuration(bounds.min)}-${formatDuration(bounds.max)} (${bounds.why})`,
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

// Target names become the CloudWatch dimension Target and part of alarm names (255 ASCII max).
const targetName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, 'use 1-100 letters, digits, _ . - characters');

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** What every target has, whatever its type; each kind adds `type` and its `metrics` (see probing/kinds/). */
const TARGET_BASE_FIELDS = {
  name: targetName,
  url: httpUrl,
  method: z.enum(HTTP_METHODS).default('GET'),
  headers: z
    .record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'not a valid header name'), secretable)
    .default({}),
  body: secretable.optional(),
  timeout: duration('timeout', DURATION_BOUNDS.timeout).optional(),
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
      maxDuration: duration('maxDuration', DURATION_BOUNDS.maxDuration).optional(),
    })
    .default({ status: DEFAULTS.expectStatus, conditions: [] }),
};
const targetBase = z.strictObject(TARGET_BASE_FIELDS);
export type TargetBaseConfig = z.output<typeof targetBase>;

/** A target without `type:` is a plain HTTP check. */
const DEFAULT_PROBE_TYPE = 'http' satisfies ProbeType;

const fieldsOf = (type: ProbeType): z.ZodRawShape => PROBE_KINDS[type].metricFields ?? {};
const metricKinds = PROBE_TYPES.filter((type) => PROBE_KINDS[type].metricFields !== undefined);
/** "json (path) or prometheus (query)": the kinds with body metrics and the fields each adds. */
const metricKindsText = metricKinds
  .map((type) => `${type} (${Object.keys(fieldsOf(type)).join(', ')})`)
  .join(' or ');
const jsonKindsText = PROBE_TYPES.filter((type) => PROBE_KINDS[type].parsesJson).join(' or ');

/** An unknown metric key that another kind uses says so: "query is for prometheus targets; use path". */
function unknownMetricKeysMessage(type: ProbeType, keys: readonly string[]): string {
  const own = Object.keys(fieldsOf(type)).join(', ');
  return keys
    .map((key) => {
      const owners = metricKinds.filter((other) => other !== type && Object.hasOwn(fieldsOf(other), key));
      return owners.length === 0
        ? `unknown key "${key}"`
        : `${key} is for ${owners.join(' and ')} targets; use ${own}`;
    })
    .join('; ');
}

function metricSchemaOf(type: ProbeType) {
  const fields = PROBE_KINDS[type].metricFields;
  if (fields === undefined) {
    return z.never({ error: `${type} targets have no body metrics: use type ${metricKindsText}` });
  }
  return z.strictObject(
    { ...METRIC_BASE_FIELDS, ...fields },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys' ? unknownMetricKeysMessage(type, issue.keys) : undefined,
    },
  );
}

/** Checks across a target's fields; they run even when fields are invalid, so reads are defensive. */
function checkTarget(type: ProbeType, value: unknown, ctx: z.RefinementCtx): void {
  const target = asRecord(value);
  const seen = new Set<string>();
  asArray(target.metrics).forEach((raw, index) => {
    const name = asRecord(raw).name;
    if (typeof name !== 'string') return;
    if (seen.has(name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['metrics', index, 'name'],
        message: `duplicate metric "${name}"`,
      });
    }
    seen.add(name);
  });
  if (PROBE_KINDS[type].parsesJson) return;
  asArray(asRecord(target.expect).conditions).forEach((source, index) => {
    if (typeof source === 'string' && /(^|\()\s*\$/.test(source)) {
      ctx.addIssue({
        code: 'custom',
        path: ['expect', 'conditions', index],
        message: `"${source}": JSONPath conditions need type: ${jsonKindsText}`,
      });
    }
  });
}

function targetSchemaOf(type: ProbeType) {
  const literal = z.literal(type);
  return z
    .strictObject({
      ...TARGET_BASE_FIELDS,
      type: type === DEFAULT_PROBE_TYPE ? literal.default(type) : literal,
      metrics: z.array(metricSchemaOf(type)).default([]),
      ...(PROBE_KINDS[type].targetFields ?? {}),
    })
    .superRefine((value, ctx) => checkTarget(type, value, ctx), { when: () => true });
}

type TargetOf<T extends ProbeType> = TargetBaseConfig & {
  type: T;
  metrics: KindMetric<MetricFieldsOf<T>>[];
} & z.output<z.ZodObject<TargetFieldsOf<T>>>;
type TargetInputOf<T extends ProbeType> = z.input<typeof targetBase> & {
  metrics?: KindMetricInput<MetricFieldsOf<T>>[];
} & z.input<z.ZodObject<TargetFieldsOf<T>>> &
  (T extends typeof DEFAULT_PROBE_TYPE ? { type?: T } : { type: T });
/** One target, validated: a union discriminated by `type` over every kind in the registry. */
export type TargetConfig = { [T in ProbeType]: TargetOf<T> }[ProbeType];
type TargetConfigInput = { [T in ProbeType]: TargetInputOf<T> }[ProbeType];

const probeTypesText = PROBE_TYPES.join(', ');
const targetOptions = PROBE_TYPES.map(targetSchemaOf);
const targetSchema = z.discriminatedUnion(
  'type',
  targetOptions as [(typeof targetOptions)[number], ...typeof targetOptions],
  {
    error: (issue) => {
      if (issue.code !== 'invalid_union') return undefined;
      const type = asRecord(issue.input).type;
      return `unknown target type ${JSON.stringify(type)}: use one of ${probeTypesText}`;
    },
  },
) as unknown as z.ZodType<TargetConfig, TargetConfigInput>;

// With an unknown type the union checks nothing else; the shared fields still are, so every problem shows at once.
const targetOfUnknownType = targetBase.extend({ type: z.unknown(), metrics: z.unknown() });

const targetsSchema = z.array(targetSchema).superRefine(
  (value, ctx) => {
    asArray(value).forEach((raw, index) => {
      if (isProbeType(asRecord(raw).type ?? DEFAULT_PROBE_TYPE)) return;
      for (const { input: _input, ...issue } of targetOfUnknownType.safeParse(raw).error?.issues ?? []) {
        ctx.addIssue({ ...issue, path: [index, ...issue.path] });
      }
    });
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
    // No ProbeSuccess means the probe did not run, which is vigil's problem, not the target's: keep the state and
    // let the one "probe stalled" alarm (alarms/health.ts) say so, instead of paging once per target.
    missing: z.enum(TREAT_MISSING).default('ignore'),
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
  missing: 'ignore',
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

const routeSchema = z.strictObject({
  /** label → value; a value starting with "~" is a regex; a list matches any of its values. */
  match: z.record(z.string(), z.union([matchValue, z.array(matchValue).min(1)])).optional(),
  channels: z.array(z.string()).min(1),
  continue: z.boolean().default(false),
});

/** Where the alarms on vigil itself go (alarms/health.ts); see README "Health of vigil itself". */
const alertsSchema = z.strictObject({
  /** Channel names; absent: wherever the routes send them, through the meta function instead of the webhook. */
  meta: z.array(z.string()).min(1).optional(),
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
        timeout: duration('timeout', DURATION_BOUNDS.timeout).default(DEFAULTS.timeoutMs),
        concurrency: z.number().int().min(1).max(1000).default(DEFAULTS.concurrency),
        schedule: duration('schedule', DURATION_BOUNDS.schedule).default(DEFAULTS.scheduleMs),
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
    targets: targetsSchema.default([]),
    webhook: z
      .strictObject({
        // Empty would authenticate nothing; an absent key leaves intake open (with a warning at start).
        token: secretable.pipe(z.string().min(1, 'must not be empty')).optional(),
        hmacSecret: secretable.pipe(z.string().min(1, 'must not be empty')).optional(),
        hmacHeader: z.string().default(DEFAULTS.hmacHeader),
        timestampHeader: z.string().optional(),
        defaultSeverity: z.enum(SEVERITIES).default(DEFAULTS.defaultSeverity),
        /** Deploy the Function URL without token or hmacSecret on purpose (validate refuses it otherwise). */
        public: z.boolean().default(false),
      })
      .default({ hmacHeader: DEFAULTS.hmacHeader, defaultSeverity: DEFAULTS.defaultSeverity, public: false }),
    channels: channelsSchema.default({}),
    routes: z.array(routeSchema).default([]),
    alerts: alertsSchema.default({}),
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
      const checkChannel = (channel: unknown, path: (string | number)[]) => {
        if (typeof channel === 'string' && channel !== 'console' && !Object.hasOwn(channels, channel)) {
          ctx.addIssue({
            code: 'custom',
            path,
            message: `unknown channel "${channel}": define it under channels: (or use the built-in console)`,
          });
        }
      };
      asArray(config.routes).forEach((route, index) => {
        asArray(asRecord(route).channels).forEach((channel, channelIndex) => {
          checkChannel(channel, ['routes', index, 'channels', channelIndex]);
        });
      });
      asArray(asRecord(config.alerts).meta).forEach((channel, index) => {
        checkChannel(channel, ['alerts', 'meta', index]);
      });
    },
    { when: () => true },
  );

export type VigilConfigInput = z.input<typeof configSchema>;
export type VigilConfig = z.output<typeof configSchema>;
export type MetricConfig = TargetConfig['metrics'][number];
export type ThresholdsConfig = NonNullable<MetricConfig['thresholds']>;
export type RouteConfig = VigilConfig['routes'][number];

/** JSON Schema of vigil.yml for editor completion (yaml-language-server, VS Code). */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
}
export type AlarmsConfig = VigilConfig['alarms'];
export type DownAlarmConfig = AlarmsConfig['down'];
