/**
 * The generic shape for anything else that can POST JSON: `{"alerts":[{labels, annotations?, status?, …}]}`, i.e.
 * Alertmanager's alert objects without the envelope. status defaults to firing; `value` may be a number.
 */
import * as z from '../../zod-mini';
import {
  describeIssues,
  isRecord,
  type NormalizeContext,
  type NormalizeResult,
  optional,
} from '../normalize';
import { labelledAlertSchema, normalizeLabelledAlerts } from './labelled';

export const genericPayloadSchema = z.looseObject({
  alerts: z.array(z.unknown()),
});
export type GenericPayload = z.output<typeof genericPayloadSchema>;

export const genericAlertSchema = z.extend(labelledAlertSchema, {
  /** A number, or a numeric string ("37.5"); anything else is ignored. */
  value: z.optional(z.unknown()),
});
export type GenericAlert = z.output<typeof genericAlertSchema>;

/** Last rule of reference A5: any object with an `alerts` array. */
export function isGenericPayload(body: unknown): boolean {
  return isRecord(body) && Array.isArray(body.alerts);
}

function numericValue(value: unknown): number | undefined {
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : Number.NaN;
  return Number.isFinite(number) ? number : undefined;
}

/** Generic payload → alerts. */
export function normalizeGeneric(body: unknown, ctx: NormalizeContext): NormalizeResult {
  const parsed = genericPayloadSchema.safeParse(body);
  if (!parsed.success) return { error: describeIssues(parsed.error, 'generic') };
  return normalizeLabelledAlerts(
    parsed.data.alerts,
    {
      source: 'generic',
      what: 'generic',
      schema: genericAlertSchema,
      defaultStatus: 'firing',
      generatorTitle: 'Source',
      extras: (alert: GenericAlert) => ({ ...optional('value', numericValue(alert.value)) }),
    },
    ctx,
  );
}
