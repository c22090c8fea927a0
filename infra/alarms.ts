/**
 * Alarm definitions (functions/alarms/) → AWS::CloudWatch::Alarm resources, notifying the alerts topic (per-target
 * alarms, the meta function's health) or the meta topic (the rest of vigil's health).
 */
import type { AlarmDefinition, AlarmTopic } from '../functions/alarms/definitions';
import { type CfnResource, type Json, logicalId, ref } from './cfn';

export const ALERTS_TOPIC_ID = 'VigilAlertsTopic';
export const META_TOPIC_ID = 'VigilMetaTopic';
const TOPIC_IDS: Record<AlarmTopic, string> = { alerts: ALERTS_TOPIC_ID, meta: META_TOPIC_ID };
const ALARM_ID_PREFIX = 'VigilAlarm';
/** Metrics Insights alarms name their one query; the ID must start with a lower-case letter. */
const INSIGHTS_QUERY_ID = 'q1';

export function alarmLogicalId(definition: Pick<AlarmDefinition, 'name'>): string {
  return logicalId(ALARM_ID_PREFIX, definition.name);
}

/** One alarm; alarm and OK actions both go to its topic so its reader sees firing and resolved. */
export function alarmResource(definition: AlarmDefinition): CfnResource {
  const actions: Json[] = [ref(TOPIC_IDS[definition.notify])];
  const math = definition.math;
  const what: Record<string, Json> = math
    ? {
        Metrics: [
          ...math.queries.map((query) => ({
            Id: query.id,
            Label: query.label,
            MetricStat: {
              Metric: {
                Namespace: query.metric.namespace,
                MetricName: query.metric.metricName,
                Dimensions: Object.entries(query.metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
              },
              Period: definition.periodSeconds,
              Stat: query.statistic,
            },
            ReturnData: false,
          })),
          { Id: math.id, Expression: math.expression, Label: math.label, ReturnData: true },
        ],
      }
    : definition.query === undefined
      ? {
          Namespace: definition.metric.namespace,
          MetricName: definition.metric.metricName,
          Dimensions: Object.entries(definition.metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
          Statistic: definition.statistic,
          Period: definition.periodSeconds,
        }
      : {
          Metrics: [
            {
              Id: INSIGHTS_QUERY_ID,
              Expression: definition.query,
              Period: definition.periodSeconds,
              ReturnData: true,
              Label: `${definition.metric.metricName} (${definition.statistic.toLowerCase()} over series)`,
            },
          ],
        };
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: definition.name,
      AlarmDescription: definition.description,
      ActionsEnabled: true,
      AlarmActions: actions,
      OKActions: actions,
      ...what,
      ComparisonOperator: definition.comparisonOperator,
      Threshold: definition.threshold,
      EvaluationPeriods: definition.evaluationPeriods,
      DatapointsToAlarm: definition.datapointsToAlarm,
      TreatMissingData: definition.treatMissingData,
      ...(definition.warmUpMinutes === undefined
        ? {}
        : { WarmUpConfiguration: { WarmUpPeriodDurationInMinutes: definition.warmUpMinutes } }),
    },
  };
}
