/**
 * The alarm vocabulary of vigil.yml: threshold levels and CloudWatch's missing-data treatments. Apart from the
 * metric schema (metric.ts, zod) because the alarm definitions need the words at run time — in the probe's bundle
 * when it evaluates its alarms itself — and not the schema.
 */
export const TREAT_MISSING = ['breaching', 'notBreaching', 'ignore', 'missing'] as const;

export const ALARM_LEVELS = ['warning', 'critical', 'emergency'] as const;
export type AlarmLevel = (typeof ALARM_LEVELS)[number];
