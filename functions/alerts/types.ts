/** Severity levels in increasing order; the index is the rank. */
export const SEVERITIES = ['info', 'warning', 'critical', 'emergency'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type AlertStatus = 'firing' | 'resolved';

export const ALERT_SOURCES = ['cloudwatch', 'alertmanager', 'grafana', 'generic', 'vigil'] as const;
export type AlertSource = (typeof ALERT_SOURCES)[number];

export interface AlertLink {
  title: string;
  url: string;
}

export interface AlertMetric {
  namespace?: string;
  name: string;
  dimensions: Record<string, string>;
  stat?: string;
  periodSeconds?: number;
}

/** Every incoming alert, whatever its source, becomes this shape before routing and rendering. */
export interface Alert {
  status: AlertStatus;
  /** alertname label / CloudWatch AlarmName. */
  name: string;
  severity: Severity;
  /** One line a human reads first. */
  summary: string;
  description?: string;
  /** Routing matches on these; includes alertname and severity. */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The value that breached (or recovered), when the source tells it. */
  value?: number;
  threshold?: number;
  /** Comparison symbol as a human reads it: '>', '>=', '<', '<=', or a CloudWatch operator name when unknown. */
  comparison?: string;
  /** CloudWatch alarms: how many periods the condition is evaluated over ("Sum > 10 (60s × 2)"). */
  evaluationPeriods?: number;
  metric?: AlertMetric;
  /** ISO-8601. */
  startsAt: string;
  endsAt?: string;
  links: AlertLink[];
  source: AlertSource;
  /** Stable across firing/resolved of the same alert: resolved notifications find their firing routes by it. */
  fingerprint: string;
  region?: string;
  account?: string;
  /** e.g. "OK → ALARM" for CloudWatch. */
  transition?: string;
  /** Alertmanager/Grafana groupKey of the notification that carried the alert (idempotency, digests). */
  groupKey?: string;
}
