/**
 * What every probe kind's metric shares: a name, a CloudWatch unit and alarm thresholds. Each kind adds its own
 * fields (`path` for json, `query` for prometheus) in its module under probing/kinds/.
 */
import { z } from 'zod';
import { parseComparison } from '../alarms/threshold';
import { METRIC_UNITS } from '../metrics/units';
import { TREAT_MISSING } from './levels';

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

/** The fields of every metric, whatever the kind; a kind's own fields are added next to these. */
export const METRIC_BASE_FIELDS = {
  name: metricName,
  unit: z.enum(METRIC_UNITS).default('None'),
  thresholds: thresholdsSchema.optional(),
};
export type MetricBaseFields = typeof METRIC_BASE_FIELDS;
export type MetricBase = z.output<z.ZodObject<MetricBaseFields>>;
