/**
 * vigil's severity convention. infra/ generates CloudWatch alarms that follow it, so change it only together.
 *
 * Levels, lowest first: info < warning < critical < emergency (`SEVERITIES`). An alert's severity is the first of:
 *
 * 1. Its `severity` label (Alertmanager/Grafana/generic labels; CloudWatch alarm tags, which EventBridge carries as
 *    `alarmTags`). Common synonyms are normalised, case-insensitively (`SEVERITY_SYNONYMS`): crit/page/error/high →
 *    critical, warn/medium → warning, informational/none/low → info, fatal/disaster/p1 → emergency. A value that is
 *    not recognised counts as no label (the next rule decides).
 * 2. CloudWatch alarms only:
 *    a. a machine-readable line in AlarmDescription (infra writes it as the last line): `vigil:` followed by one
 *       JSON object,
 *         vigil:{"severity":"critical","target":"one-api","metric":"Goroutines","runbook":"https://…","dashboard":"https://…"}
 *       `severity` is read with the same synonyms; `runbook` and `dashboard` become links; `insufficientData: "alert"`
 *       opts the alarm in to INSUFFICIENT_DATA notifications (see sources/cloudwatch.ts); every other scalar field
 *       becomes a label (target, metric, team …). The line is removed from the human description.
 *    b. the alarm name suffix `-info`, `-warning`, `-critical` or `-emergency` (e.g. `vigil-one-api-Goroutines-critical`);
 *       only these four words, so that names like `orders-lambda-error` are not misread.
 * 3. The configured default, `webhook.defaultSeverity` (warning unless configured).
 *
 * Normalisation writes the decided level back into `labels.severity`, so routes match the canonical words only.
 */
import { type AlertLink, SEVERITIES, type Severity } from '../alerts/types';
import * as z from '../zod-mini';
import { httpUrl } from './normalize';

/** Accepted spellings (lower-case) → level. A Map, not an object, so "constructor" or "__proto__" never match. */
export const SEVERITY_SYNONYMS: ReadonlyMap<string, Severity> = new Map<string, Severity>([
  ['info', 'info'],
  ['informational', 'info'],
  ['information', 'info'],
  ['none', 'info'],
  ['low', 'info'],
  ['notice', 'info'],
  ['debug', 'info'],
  ['p4', 'info'],
  ['p5', 'info'],
  ['warning', 'warning'],
  ['warn', 'warning'],
  ['medium', 'warning'],
  ['moderate', 'warning'],
  ['minor', 'warning'],
  ['p3', 'warning'],
  ['critical', 'critical'],
  ['crit', 'critical'],
  ['page', 'critical'],
  ['error', 'critical'],
  ['err', 'critical'],
  ['high', 'critical'],
  ['major', 'critical'],
  ['p2', 'critical'],
  ['emergency', 'emergency'],
  ['emerg', 'emergency'],
  ['fatal', 'emergency'],
  ['disaster', 'emergency'],
  ['p1', 'emergency'],
  ['p0', 'emergency'],
]);

/** "Page", " crit " → the level; undefined for anything not in SEVERITY_SYNONYMS. */
export function parseSeverity(text: string | undefined): Severity | undefined {
  if (text === undefined) return undefined;
  return SEVERITY_SYNONYMS.get(text.trim().toLowerCase());
}

/** 0 for info … 3 for emergency. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

// Only the canonical words: a synonym suffix ("-error", "-high") is too often part of an ordinary alarm name.
const NAME_SUFFIX_RE = /-(info|warning|critical|emergency)$/i;

/** The level encoded in a CloudWatch alarm name suffix (`…-critical`), if any. */
export function alarmNameSeverity(alarmName: string): Severity | undefined {
  const match = NAME_SUFFIX_RE.exec(alarmName);
  return match ? parseSeverity(match[1]) : undefined;
}

export const VIGIL_LINE_PREFIX = 'vigil:';

/** What a `vigil:` line in an AlarmDescription says. */
export interface VigilDirective {
  /** Undefined when the line has no severity or an unrecognised one. */
  severity?: Severity;
  /** Every other scalar field (target, metric, team …), stringified. */
  labels: Record<string, string>;
  links: AlertLink[];
  /** INSUFFICIENT_DATA becomes a firing alert instead of being skipped. */
  alertOnInsufficientData: boolean;
}

export interface ParsedDescription {
  /** The description a human reads: without the vigil: line, trimmed; undefined when nothing is left. */
  text?: string;
  directive?: VigilDirective;
  /** Why a vigil: line was ignored (not JSON, not an object). */
  error?: string;
}

// Keys that may become labels: Prometheus label-name syntax, so routes and renderers can rely on it.
const LABEL_KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Fields with a meaning of their own; they never become labels.
const RESERVED_FIELDS = new Set(['severity', 'runbook', 'dashboard', 'insufficientData', 'alertname']);

const directiveSchema = z.record(z.string(), z.unknown());

/**
 * Splits an AlarmDescription into the human text and the `vigil:` directive. infra/ writes the line last
 * (functions/alarms/definitions.ts), so the last such line wins, as in its own parseAlarmMeta.
 */
export function parseAlarmDescription(description: string | undefined): ParsedDescription {
  if (description === undefined) return {};
  const lines = description.split(/\r?\n/);
  const index = lines.findLastIndex((line) => line.trimStart().startsWith(VIGIL_LINE_PREFIX));
  const rest = (index === -1 ? lines : lines.filter((_, i) => i !== index)).join('\n').trim();
  const result: ParsedDescription = rest === '' ? {} : { text: rest };
  if (index === -1) return result;

  const json = lines[index]!.trimStart().slice(VIGIL_LINE_PREFIX.length);
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return { ...result, error: 'vigil: line is not JSON; expected vigil: {"severity":"critical",…}' };
  }
  const fields = directiveSchema.safeParse(parsed);
  if (!fields.success || Array.isArray(parsed)) {
    return {
      ...result,
      error: 'vigil: line is not a JSON object; expected vigil: {"severity":"critical",…}',
    };
  }

  const directive: VigilDirective = { labels: {}, links: [], alertOnInsufficientData: false };
  const severity = fields.data.severity;
  if (typeof severity === 'string') {
    const level = parseSeverity(severity);
    if (level) directive.severity = level;
  }
  const runbook = httpUrl(fields.data.runbook);
  if (runbook) directive.links.push({ title: 'Runbook', url: runbook });
  const dashboard = httpUrl(fields.data.dashboard);
  if (dashboard) directive.links.push({ title: 'Dashboard', url: dashboard });
  directive.alertOnInsufficientData = fields.data.insufficientData === 'alert';
  for (const [key, value] of Object.entries(fields.data)) {
    if (RESERVED_FIELDS.has(key) || !LABEL_KEY_RE.test(key)) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      directive.labels[key] = String(value);
    }
  }
  return { ...result, directive };
}

export type SeverityOrigin = 'label' | 'directive' | 'name' | 'default';

export interface SeverityInput {
  labels?: Readonly<Record<string, string>>;
  /** CloudWatch only. */
  alarmName?: string;
  /** CloudWatch only. */
  directive?: VigilDirective | undefined;
}

/** Applies the convention above; `origin` says which rule decided (for logs and tests). */
export function resolveSeverity(
  input: SeverityInput,
  fallback: Severity,
): { severity: Severity; origin: SeverityOrigin } {
  const label = input.labels && Object.hasOwn(input.labels, 'severity') ? input.labels.severity : undefined;
  const fromLabel = parseSeverity(label);
  if (fromLabel) return { severity: fromLabel, origin: 'label' };
  if (input.directive?.severity) return { severity: input.directive.severity, origin: 'directive' };
  const fromName = input.alarmName === undefined ? undefined : alarmNameSeverity(input.alarmName);
  if (fromName) return { severity: fromName, origin: 'name' };
  return { severity: fallback, origin: 'default' };
}
