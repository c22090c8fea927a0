/**
 * CloudWatch over a CloudFormation template: reads each AWS::CloudWatch::Alarm back from the template's own
 * properties (not from vigil's definitions), feeds it datapoints minute by minute from a model of the world, and
 * evaluates it with functions/alarms/evaluate.ts, recording what CloudWatch would publish: AlarmActions on every
 * move to ALARM, OKActions on every move to OK (from any state, INSUFFICIENT_DATA included, as CloudWatch does).
 */
import type { AlarmDefinition, AlarmStatistic, TreatMissingData } from '../../functions/alarms/definitions';
import { AlarmEvaluator } from '../../functions/alarms/evaluate';
import { COMPARISONS, type Comparison } from '../../functions/alarms/threshold';
import type { CfnResource, Json, Template } from '../../infra/cfn';

const MINUTE = 60_000;
const OPERATORS = Object.fromEntries(Object.entries(COMPARISONS).map(([op, name]) => [name, op])) as Record<
  string,
  Comparison
>;
const INSIGHTS_FUNCTIONS: Record<string, AlarmStatistic> = {
  MAX: 'Maximum',
  MIN: 'Minimum',
  AVG: 'Average',
  SUM: 'Sum',
  COUNT: 'SampleCount',
};

/** One alarm as the template declares it. */
interface TemplateAlarm {
  name: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  /** The alarm's comparison, to pick a value that does (or does not) breach it. */
  op: Comparison;
  threshold: number;
  definition: AlarmDefinition;
  alarmActions: Json;
  okActions: Json;
  /** A metric-math alarm's metrics, each fed by the world under its own name and dimensions. */
  queries?: { metricName: string; dimensions: Record<string, string> }[];
}

/** A published action: which alarm, which state, to which topic(s). */
interface Published {
  minute: number;
  alarm: string;
  state: 'ALARM' | 'OK';
  topics: Json;
}

export function templateAlarms(template: Pick<Template, 'Resources'>): TemplateAlarm[] {
  return Object.values(template.Resources)
    .filter((resource): resource is CfnResource => resource.Type === 'AWS::CloudWatch::Alarm')
    .map(readAlarm);
}

function readAlarm(resource: CfnResource): TemplateAlarm {
  const p = resource.Properties as Record<string, Json>;
  const name = String(p.AlarmName);
  let namespace: string;
  let metricName: string;
  let dimensions: Record<string, string>;
  let statistic: AlarmStatistic;
  let period: number;
  let series: 'exact' | 'all' = 'exact';
  const metricStats = Array.isArray(p.Metrics)
    ? (p.Metrics as Record<string, Json>[]).filter((query) => query.MetricStat !== undefined)
    : [];
  let math: AlarmDefinition['math'];
  if (metricStats.length > 0) {
    // Metric math: the template's own queries and expression, evaluated by evaluate.ts (metric-math.ts).
    const queries = p.Metrics as Record<string, Json>[];
    const watched = queries.find((query) => query.ReturnData === true);
    if (!watched) throw new Error(`${name}: no query returns data`);
    const read = metricStats.map((query) => {
      const stat = query.MetricStat as Record<string, Json>;
      const metric = stat.Metric as Record<string, Json>;
      return {
        id: String(query.Id),
        label: String(query.Label ?? query.Id),
        statistic: stat.Stat as AlarmStatistic,
        period: Number(stat.Period),
        metric: {
          namespace: String(metric.Namespace),
          metricName: String(metric.MetricName),
          dimensions: Object.fromEntries(
            ((metric.Dimensions as { Name: string; Value: string }[]) ?? []).map(({ Name, Value }) => [
              Name,
              Value,
            ]),
          ),
          series: 'exact' as const,
        },
      };
    });
    math = {
      queries: read.map(({ period: _period, ...query }) => query),
      id: String(watched.Id),
      expression: String(watched.Expression),
      label: String(watched.Label ?? ''),
    };
    namespace = read[0]!.metric.namespace;
    metricName = read[0]!.metric.metricName;
    dimensions = {};
    statistic = read[0]!.statistic;
    period = read[0]!.period;
  } else if (Array.isArray(p.Metrics)) {
    // Metrics Insights: SELECT MAX("m") FROM "ns" WHERE Target = 't'
    const query = (p.Metrics[0] as Record<string, Json>) ?? {};
    const match = /^SELECT (\w+)\("([^"]+)"\) FROM "([^"]+)" WHERE (.+)$/.exec(String(query.Expression));
    if (!match) throw new Error(`${name}: unreadable query ${String(query.Expression)}`);
    statistic = INSIGHTS_FUNCTIONS[match[1]!]!;
    metricName = match[2]!;
    namespace = match[3]!;
    dimensions = Object.fromEntries(
      match[4]!.split(' AND ').map((clause) => {
        const [key, value] = clause.split(' = ');
        return [key!, value!.slice(1, -1).replaceAll("''", "'")];
      }),
    );
    period = Number(query.Period);
    series = 'all';
  } else {
    namespace = String(p.Namespace);
    metricName = String(p.MetricName);
    dimensions = Object.fromEntries(
      ((p.Dimensions as { Name: string; Value: string }[]) ?? []).map(({ Name, Value }) => [Name, Value]),
    );
    statistic = p.Statistic as AlarmStatistic;
    period = Number(p.Period);
  }
  const op = OPERATORS[String(p.ComparisonOperator)];
  if (!op) throw new Error(`${name}: unknown operator ${String(p.ComparisonOperator)}`);
  const threshold = Number(p.Threshold);
  const warmUp = (p.WarmUpConfiguration as { WarmUpPeriodDurationInMinutes?: number } | undefined)
    ?.WarmUpPeriodDurationInMinutes;
  // Shaped like a definition only so the evaluator can run it; every value comes from the template.
  const definition = {
    name,
    metric: { namespace, metricName, dimensions, series },
    statistic,
    comparison: { op, threshold },
    periodSeconds: period,
    datapointsToAlarm: Number(p.DatapointsToAlarm ?? p.EvaluationPeriods),
    evaluationPeriods: Number(p.EvaluationPeriods),
    treatMissingData: (p.TreatMissingData ?? 'missing') as TreatMissingData,
    ...(warmUp === undefined ? {} : { warmUpMinutes: warmUp }),
    ...(math ? { math } : {}),
  } as AlarmDefinition;
  return {
    name,
    namespace,
    metricName,
    dimensions,
    op,
    threshold,
    definition,
    alarmActions: p.AlarmActions ?? [],
    okActions: p.OKActions ?? [],
    ...(math
      ? {
          queries: math.queries.map((query) => ({
            metricName: query.metric.metricName,
            dimensions: query.metric.dimensions,
          })),
        }
      : {}),
  };
}

/** A value that does not breach the alarm (what a healthy target reports). */
export function healthyValue(alarm: Pick<TemplateAlarm, 'op' | 'threshold'>): number {
  return alarm.op.startsWith('>') ? alarm.threshold - 1 : alarm.threshold + 1;
}

/**
 * Deploys the alarms at minute 0 and runs `minutes` minutes. `samples(alarm, minute)` gives the values that
 * reach the alarm's series during that minute (none: no datapoint). Each alarm is evaluated at every minute
 * boundary, as CloudWatch evaluates every minute.
 */
export function simulate(
  alarms: readonly TemplateAlarm[],
  minutes: number,
  samples: (alarm: TemplateAlarm, minute: number) => readonly number[],
  start = Date.UTC(2026, 10, 1, 0, 0, 0),
): Published[] {
  const published: Published[] = [];
  const evaluators = alarms.map((alarm) => ({
    alarm,
    evaluator: new AlarmEvaluator([alarm.definition], { createdAt: start }),
  }));
  for (let minute = 0; minute < minutes; minute++) {
    for (const { alarm, evaluator } of evaluators) {
      for (const series of alarm.queries ?? [alarm]) {
        for (const value of samples({ ...alarm, ...series }, minute)) {
          evaluator.record({
            namespace: alarm.namespace,
            metricName: series.metricName,
            dimensions: series.dimensions,
            timestamp: start + minute * MINUTE + 1_000,
            value,
          });
        }
      }
      for (const transition of evaluator.evaluate(start + (minute + 1) * MINUTE)) {
        if (transition.to === 'ALARM')
          published.push({ minute, alarm: alarm.name, state: 'ALARM', topics: alarm.alarmActions });
        if (transition.to === 'OK')
          published.push({ minute, alarm: alarm.name, state: 'OK', topics: alarm.okActions });
      }
    }
  }
  return published;
}

/**
 * The world while vigil works and every target is healthy, except while the probe does not run: the probe's own
 * metrics (ProbeSuccess, the heartbeat, extracted values) and its Lambda metrics stop; nothing fails elsewhere.
 */
export function probeStallWorld(probeRuns: (minute: number) => boolean, namespace: string) {
  return (alarm: TemplateAlarm, minute: number): readonly number[] => {
    if (alarm.namespace === 'AWS/SQS') return [0];
    if (alarm.namespace === 'AWS/Lambda') {
      // Lambda reports Errors/Throttles as 0 for every invocation; a probe that is not invoked reports nothing.
      const probe = alarm.dimensions.FunctionName?.endsWith('-probe');
      return probe && !probeRuns(minute) ? [] : [0];
    }
    if (alarm.namespace === namespace && alarm.metricName === 'NotificationsFailed') return [];
    // Everything else in vigil's namespace comes from a probe round.
    if (!probeRuns(minute)) return [];
    if (alarm.metricName === 'ProbeSuccess' || alarm.metricName === 'ProbeHeartbeat') return [1];
    return [healthyValue(alarm)];
  };
}
