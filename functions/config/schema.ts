/**
 * The schema of vigil.yml. Everything the probe, the webhook, infra/ and `vigil dev` read comes from here,
 * validated once at load; every problem is reported with its path.
 */
import { z } from 'zod';
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
  type TransportOf,
  type TypesOfTransport,
  transportOf,
} from '../probing/kinds';
import type { KindMetric, KindMetricInput } from '../probing/kinds/types';
import { DNS_RCODES } from '../probing/transports/dns-rcodes';
import { dnsUrlProblem } from '../probing/transports/dns-url';
import type { TransportName } from '../probing/transports/names';
import { matchValueError } from '../routing/routes';
import { maintenanceMatchProblem, matcherLineSchema, timeIntervalSchema } from '../state/maintenance';
import { TREAT_MISSING } from './levels';
import { METRIC_BASE_FIELDS } from './metric';
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
  groupWaitMs: 5_000,
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
  /** The sweep runs every minute, so a shorter reminder could not be kept; a week covers any on-call rota. */
  repeat: { min: 60_000, max: 7 * 86_400_000, why: 'the sweep runs once a minute; remind at least weekly' },
  /** A webhook invocation holds alerts this long at most before it sends (Lambda time, an HTTP request held open). */
  groupWait: { min: 1, max: 20_000, why: 'a webhook request or Lambda invocation waits at most 20s' },
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

/** A URL with one of `schemes` (the transport's, see probing/transports/), or a placeholder resolving to one. */
const urlOf = (schemes: readonly string[], what: string) =>
  secretable.superRefine((value, ctx) => {
    if (PLACEHOLDER_RE.test(value)) return;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `"${redactUrl(value)}" is not a URL` });
      return;
    }
    if (!schemes.includes(url.protocol.slice(0, -1))) {
      ctx.addIssue({ code: 'custom', message: `"${redactUrl(value)}" is not ${what}` });
      return;
    }
    const problem = TRANSPORT_URL_CHECKS[url.protocol.slice(0, -1)]?.(url);
    if (problem) ctx.addIssue({ code: 'custom', message: `"${redactUrl(value)}": ${problem}` });
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

/** What every target has, whatever its transport. */
const COMMON_TARGET_FIELDS = {
  name: targetName,
  timeout: duration('timeout', DURATION_BOUNDS.timeout).optional(),
  /** Probe link-local / cloud metadata addresses (169.254.0.0/16, fd00:ec2::254), refused by default. */
  allowLinkLocal: z.boolean().default(false),
};

/** `expect.maxDuration`, which every transport understands. */
const maxDurationField = duration('maxDuration', DURATION_BOUNDS.maxDuration).optional();

/** An HTTP(S) target: what the http, json and prometheus kinds share (each kind adds `type` and its `metrics`). */
const TARGET_BASE_FIELDS = {
  ...COMMON_TARGET_FIELDS,
  url: urlOf(['http', 'https'], 'an http(s) URL'),
  method: z.enum(HTTP_METHODS).default('GET'),
  headers: z
    .record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'not a valid header name'), secretable)
    .default({}),
  body: secretable.optional(),
  followRedirects: z.boolean().default(true),
  maxRedirects: z.number().int().min(0).max(50).optional(),
  maxBodySize: size.optional(),
  maxSeries: z.number().int().min(1).max(1000).optional(),
  /** Accept self-signed or expired certificates (CertExpiryDays is still reported). */
  insecureSkipVerify: z.boolean().default(false),
  expect: z
    .strictObject({
      status: z.union([statusPattern, z.array(statusPattern).min(1)]).default(DEFAULTS.expectStatus),
      conditions: z.array(conditionSchema).default([]),
      maxDuration: maxDurationField,
    })
    .default({ status: DEFAULTS.expectStatus, conditions: [] }),
};
const targetBase = z.strictObject(TARGET_BASE_FIELDS);
export type TargetBaseConfig = z.output<typeof targetBase>;

/** A regex given as text, checked here so a typo fails validation instead of every probe. */
const regexSource = z.string().superRefine((source, ctx) => {
  try {
    new RegExp(source);
  } catch (error) {
    ctx.addIssue({
      code: 'custom',
      message: `"${source}" is not a regular expression: ${(error as Error).message}`,
    });
  }
});

/** STARTTLS dialects a tcp target can speak before upgrading (RFC 3207 for smtp). */
export const STARTTLS_DIALECTS = ['smtp'] as const;

/** `tcp://host:port`: connect, optionally upgrade (STARTTLS), send a line, wait for an answer matching a regex. */
const TCP_TARGET_FIELDS = {
  ...COMMON_TARGET_FIELDS,
  url: urlOf(['tcp'], 'a tcp://host:port URL'),
  /** Written after connecting (and after STARTTLS); YAML escapes such as "\r\n" work in double quotes. */
  send: secretable.optional(),
  starttls: z.enum(STARTTLS_DIALECTS).optional(),
  insecureSkipVerify: z.boolean().default(false),
  expect: z
    .strictObject({
      /** What the server sends (after `send`) must match within the timeout; the probe reads until it does. */
      match: regexSource.optional(),
      maxDuration: maxDurationField,
    })
    .default({}),
};

/** `dns://resolver[:port]/name?type=A`: one query over UDP to that resolver. */
const DNS_TARGET_FIELDS = {
  ...COMMON_TARGET_FIELDS,
  url: urlOf(['dns'], 'a dns://resolver[:port]/name?type=A URL'),
  expect: z
    .strictObject({
      /** Accepted response codes (default NOERROR). */
      rcode: z.union([z.enum(DNS_RCODES), z.array(z.enum(DNS_RCODES)).min(1)]).default('NOERROR'),
      /** At least this many answer records (default 1 when rcode is NOERROR only, else 0). */
      minAnswers: z.number().int().min(0).max(1000).optional(),
      /** Some answer's data (an address, a CNAME target, a TXT string…) must match. */
      answer: regexSource.optional(),
      maxDuration: maxDurationField,
    })
    .default({ rcode: 'NOERROR' }),
};

/** `tls://host:port`: a TLS handshake and the certificate chain (expiry, trust, host name), nothing sent. */
const TLS_TARGET_FIELDS = {
  ...COMMON_TARGET_FIELDS,
  url: urlOf(['tls'], 'a tls://host:port URL'),
  /** SNI and the name the certificate must carry (default: the URL's host). */
  serverName: z.string().min(1).max(253).optional(),
  /** Accept an untrusted, expired or other-host certificate (CertExpiryDays is still reported). */
  insecureSkipVerify: z.boolean().default(false),
  expect: z.strictObject({ maxDuration: maxDurationField }).default({}),
};

/** Each transport's target keys; a kind's targets have its transport's (probing/transports/). */
const TRANSPORT_TARGET_FIELDS = {
  http: TARGET_BASE_FIELDS,
  tcp: TCP_TARGET_FIELDS,
  dns: DNS_TARGET_FIELDS,
  tls: TLS_TARGET_FIELDS,
} as const satisfies Record<TransportName, z.ZodRawShape>;
type TransportFields = typeof TRANSPORT_TARGET_FIELDS;

/** URL checks beyond the scheme, per scheme. */
const TRANSPORT_URL_CHECKS: Record<string, (url: URL) => string | undefined> = {
  tcp: (url) => (url.port === '' ? 'a tcp URL needs a port (tcp://host:port)' : undefined),
  tls: (url) => (url.pathname !== '' && url.pathname !== '/' ? 'a tls URL has no path' : undefined),
  dns: (url) => dnsUrlProblem(url),
};

/** A target without `type:` is a plain HTTP check. */
const DEFAULT_PROBE_TYPE = 'http' satisfies ProbeType;

const fieldsOf = (type: ProbeType): z.ZodRawShape => PROBE_KINDS[type].metricFields?.(z) ?? {};
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
  const fields = PROBE_KINDS[type].metricFields?.(z);
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

/** A kind's own target keys (prometheus: `rules`, `job`), built with this zod (probing/kinds/types.ts). */
const kindTargetFieldsOf = (type: ProbeType): z.ZodRawShape => PROBE_KINDS[type].targetFields?.(z) ?? {};

/** A kind's target keys: its transport's, and the kind's own. */
function targetFieldsOf(type: ProbeType): z.ZodRawShape {
  return { ...TRANSPORT_TARGET_FIELDS[transportOf({ type })], ...kindTargetFieldsOf(type) };
}

/**
 * An unknown target key that another kind uses says so: "method is for http, json, prometheus targets", "rules is
 * for prometheus targets".
 */
function unknownTargetKeysMessage(type: ProbeType, keys: readonly string[]): string {
  return keys
    .map((key) => {
      const owners = PROBE_TYPES.filter(
        (other) => other !== type && Object.hasOwn(targetFieldsOf(other), key),
      );
      return owners.length === 0 ? `unknown key "${key}"` : `${key} is for ${owners.join(', ')} targets`;
    })
    .join('; ');
}

function targetSchemaOf(type: ProbeType) {
  const literal = z.literal(type);
  return z
    .strictObject(
      {
        ...TRANSPORT_TARGET_FIELDS[transportOf({ type })],
        type: type === DEFAULT_PROBE_TYPE ? literal.default(type) : literal,
        metrics: z.array(metricSchemaOf(type)).default([]),
        ...kindTargetFieldsOf(type),
      },
      {
        error: (issue) =>
          issue.code === 'unrecognized_keys' ? unknownTargetKeysMessage(type, issue.keys) : undefined,
      },
    )
    .superRefine((value, ctx) => checkTarget(type, value, ctx), { when: () => true });
}

/** A kind's own target keys, typed; nothing for a kind without any (zod types {} as Record<string, never>). */
type KindTargetFields<
  T extends ProbeType,
  Io extends 'input' | 'output',
> = keyof TargetFieldsOf<T> extends never
  ? unknown
  : Io extends 'input'
    ? z.input<z.ZodObject<TargetFieldsOf<T>>>
    : z.output<z.ZodObject<TargetFieldsOf<T>>>;
type TargetOf<T extends ProbeType> = z.output<z.ZodObject<TransportFields[TransportOf<T>]>> & {
  type: T;
  metrics: KindMetric<MetricFieldsOf<T>>[];
} & KindTargetFields<T, 'output'>;
type TargetInputOf<T extends ProbeType> = z.input<z.ZodObject<TransportFields[TransportOf<T>]>> & {
  metrics?: KindMetricInput<MetricFieldsOf<T>>[];
} & KindTargetFields<T, 'input'> &
  (T extends typeof DEFAULT_PROBE_TYPE ? { type?: T } : { type: T });
/** One target, validated: a union discriminated by `type` over every kind in the registry. */
export type TargetConfig = { [T in ProbeType]: TargetOf<T> }[ProbeType];
/** The targets of one transport (http: the http, json and prometheus kinds). */
export type TargetOfTransport<N extends TransportName> = Extract<TargetConfig, { type: TypesOfTransport<N> }>;
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

/** CloudWatch: "Alarms based on metric math expressions can have up to 10 metrics" (one per location). */
export const MAX_LOCATIONS = 10;
/** Above this, one invocation's sockets (768 per agent, http.ts) and results no longer fit a worker. */
const MAX_SHARD_SIZE = 20_000;
/** AWS region codes: us-east-1, eu-west-1, ap-southeast-2, us-gov-west-1, cn-north-1. */
const REGION_RE = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** Each location once; a quorum needs locations and at most as many of them. */
function checkLocations(
  probe: { locations?: string[] | undefined; quorum?: number | undefined },
  ctx: z.RefinementCtx,
) {
  const locations = probe.locations ?? [];
  locations.forEach((location, index) => {
    if (locations.indexOf(location) !== index)
      ctx.addIssue({ code: 'custom', path: ['locations', index], message: `${location} is listed twice` });
  });
  if (probe.quorum === undefined) return;
  if (locations.length === 0)
    ctx.addIssue({
      code: 'custom',
      path: ['quorum'],
      message: 'a quorum needs probe.locations (several regions)',
    });
  else if (probe.quorum > locations.length)
    ctx.addIssue({
      code: 'custom',
      path: ['quorum'],
      message: `quorum (${probe.quorum}) exceeds the ${locations.length} locations`,
    });
}

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

/**
 * Who evaluates the per-target alarms (README "Self-evaluated alarms"): CloudWatch, as alarms in the template, or
 * the probe itself, with the same semantics (alarms/evaluate.ts), its state in the alert store.
 */
export const ALARM_MODES = ['cloudwatch', 'self'] as const;

const alarmsSchema = z.strictObject({
  mode: z.enum(ALARM_MODES).default('cloudwatch'),
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
  repeat: duration('repeat', DURATION_BOUNDS.repeat).optional(),
});

/** An inhibition rule in Alertmanager's shape (source_match / target_match / equal), vigil's match values. */
const inhibitRuleSchema = z.strictObject({
  source: labelMatch,
  target: labelMatch,
  equal: z.array(z.string().min(1)).default([]),
});

/** A maintenance window (state/maintenance.ts): matchers or a route-style match, and Alertmanager time_intervals. */
const maintenanceSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'use 1-64 letters, digits, . _ -'),
    /** Alertmanager matchers, one or more per line: `alertname=~"Http.*"`, `target!=db`. */
    matchers: z.array(matcherLineSchema).min(1).optional(),
    /** The same as routes[].match. */
    match: labelMatch.optional(),
    time_intervals: z.array(timeIntervalSchema).min(1),
  })
  .superRefine((window, ctx) => {
    const problem = maintenanceMatchProblem(window);
    if (problem) ctx.addIssue({ code: 'custom', path: ['matchers'], message: problem });
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
      duration('groupWait', DURATION_BOUNDS.groupWait),
    ])
    .default(DEFAULTS.groupWaitMs),
  /** A higher level of the same target and metric mutes the lower ones (state/inhibit.ts levelRules). */
  inhibitLevels: z.boolean().default(true),
  /** More inhibition rules, with Alertmanager's semantics. */
  inhibit: z.array(inhibitRuleSchema).default([]),
  /**
   * Where the alarms on vigil itself go (alarms/health.ts; README "Health of vigil itself"). Channel names; absent:
   * wherever the routes send them, through the meta function instead of the webhook.
   */
  meta: z.array(z.string()).min(1).optional(),
});

// --- What reaches CloudWatch (functions/metrics/selection.ts); README "Self-evaluated alarms". ---

const PUBLISH_VIA = ['cloudwatch', 'emf'] as const;
const publishOptions = z.strictObject({
  /** cloudwatch: PutMetricData (EMF to stdout as fallback); emf: EMF only. */
  via: z.enum(PUBLISH_VIA).default('cloudwatch'),
  /** Which per-target metrics are published: all, none, or these names (the heartbeat always is). */
  metrics: z.union([z.enum(['all', 'none']), z.array(z.string().min(1)).min(1)]).default('all'),
  /** Per round and location: how many targets were up and down (two metrics in all). */
  aggregates: z.boolean().default(false),
});
/** `publish: emf` is short for `publish: { via: emf }`. */
const publishSchema = z
  .union([z.enum(PUBLISH_VIA).transform((via) => publishOptions.parse({ via })), publishOptions])
  .prefault('cloudwatch');

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    namespace: z
      .string()
      .regex(/^[A-Za-z0-9 ._/#:-]{1,255}$/, 'use 1-255 characters: letters, digits, space . _ / # : -')
      .refine((ns) => !ns.startsWith('AWS/'), 'namespaces starting with AWS/ are reserved by AWS')
      .default(DEFAULTS.namespace),
    publish: publishSchema,
    probe: z
      .strictObject({
        timeout: duration('timeout', DURATION_BOUNDS.timeout).default(DEFAULTS.timeoutMs),
        concurrency: z.number().int().min(1).max(1000).default(DEFAULTS.concurrency),
        schedule: duration('schedule', DURATION_BOUNDS.schedule).default(DEFAULTS.scheduleMs),
        maxBodySize: size.default(DEFAULTS.maxBodyBytes),
        maxRedirects: z.number().int().min(0).max(50).default(DEFAULTS.maxRedirects),
        maxSeries: z.number().int().min(1).max(1000).default(DEFAULTS.maxSeries),
        /** Targets per Lambda invocation; default derived from the measured per-target cost (fanout/capacity.ts). */
        shardSize: z.number().int().min(1).max(MAX_SHARD_SIZE).optional(),
        /** AWS regions that each probe every target; the first is home (alarms, topics, dashboards). */
        locations: z
          .array(z.string().regex(REGION_RE, 'use an AWS region code such as us-east-1'))
          .min(1)
          .max(MAX_LOCATIONS, `at most ${MAX_LOCATIONS}: a metric-math alarm holds at most 10 metrics`)
          .optional(),
        /** Locations that must see a target fail for its down alarm to fire (default: a majority). */
        quorum: z.number().int().min(1).max(MAX_LOCATIONS).optional(),
      })
      .superRefine(checkLocations)
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
    // A zod/mini schema (channels/schema.ts) has no methods to chain: wrap it.
    channels: z._default(channelsSchema, {}),
    routes: z.array(routeSchema).default([]),
    alerts: alertsSchema.prefault({}),
    maintenance: z.array(maintenanceSchema).default([]),
    alarms: alarmsSchema.default({ mode: 'cloudwatch', down: DOWN_ALARM_DEFAULTS, accountAlarms: false }),
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
      asArray(asRecord(config.alerts).fallback).forEach((channel, index) => {
        checkChannel(channel, ['alerts', 'fallback', index]);
      });
      asArray(config.routes).forEach((route, index) => {
        asArray(asRecord(route).channels).forEach((channel, channelIndex) => {
          checkChannel(channel, ['routes', index, 'channels', channelIndex]);
        });
      });
      asArray(asRecord(config.alerts).meta).forEach((channel, index) => {
        checkChannel(channel, ['alerts', 'meta', index]);
      });
      const windows = new Map<string, number>();
      asArray(config.maintenance).forEach((window, index) => {
        const name = asRecord(window).name;
        if (typeof name !== 'string') return;
        const first = windows.get(name);
        if (first !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['maintenance', index, 'name'],
            message: `duplicate maintenance window "${name}" (also maintenance[${first}])`,
          });
        else windows.set(name, index);
      });
      const publish = config.publish;
      const via = typeof publish === 'string' ? publish : asRecord(publish).via;
      if (via === 'emf' && asArray(asRecord(config.probe).locations).length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['publish'],
          message:
            "emf lands in each location's own region, not the home region the alarms watch: use publish: cloudwatch with probe.locations",
        });
      }
    },
    { when: () => true },
  );

export type VigilConfigInput = z.input<typeof configSchema>;
export type VigilConfig = z.output<typeof configSchema>;
export type MetricConfig = TargetConfig['metrics'][number];
export type ThresholdsConfig = NonNullable<MetricConfig['thresholds']>;
export type RouteConfig = VigilConfig['routes'][number];
export type AlertsConfig = VigilConfig['alerts'];
export type PublishConfig = VigilConfig['publish'];

/** JSON Schema of vigil.yml for editor completion (yaml-language-server, VS Code). */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
}
export type AlarmsConfig = VigilConfig['alarms'];
export type DownAlarmConfig = AlarmsConfig['down'];
