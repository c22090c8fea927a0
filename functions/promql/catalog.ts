/**
 * The functions vigil evaluates, with Prometheus' signatures (promql/parser/functions.go), and the names of the
 * Prometheus functions it deliberately does not, so an expression using one is rejected as "not supported"
 * rather than as an unknown name.
 */
import type { ValueType } from './ast';

export interface FunctionSignature {
  args: readonly ValueType[];
  /** How many trailing arguments may be left out. */
  optional?: number;
  returns: ValueType;
}

const RANGE: FunctionSignature = { args: ['matrix'], returns: 'vector' };
const MATH: FunctionSignature = { args: ['vector'], returns: 'vector' };

export const FUNCTIONS = {
  // Range functions over `[d]` windows.
  rate: RANGE,
  irate: RANGE,
  increase: RANGE,
  delta: RANGE,
  idelta: RANGE,
  avg_over_time: RANGE,
  min_over_time: RANGE,
  max_over_time: RANGE,
  sum_over_time: RANGE,
  count_over_time: RANGE,
  last_over_time: RANGE,
  changes: RANGE,
  resets: RANGE,
  absent_over_time: RANGE,
  // Instant functions.
  abs: MATH,
  ceil: MATH,
  floor: MATH,
  sqrt: MATH,
  exp: MATH,
  ln: MATH,
  log2: MATH,
  log10: MATH,
  round: { args: ['vector', 'scalar'], optional: 1, returns: 'vector' },
  clamp: { args: ['vector', 'scalar', 'scalar'], returns: 'vector' },
  clamp_min: { args: ['vector', 'scalar'], returns: 'vector' },
  clamp_max: { args: ['vector', 'scalar'], returns: 'vector' },
  timestamp: MATH,
  absent: MATH,
  scalar: { args: ['vector'], returns: 'scalar' },
  vector: { args: ['scalar'], returns: 'vector' },
  time: { args: [], returns: 'scalar' },
  histogram_quantile: { args: ['scalar', 'vector'], returns: 'vector' },
  label_replace: { args: ['vector', 'string', 'string', 'string', 'string'], returns: 'vector' },
} as const satisfies Record<string, FunctionSignature>;

export type FunctionName = keyof typeof FUNCTIONS;

export function isSupportedFunction(name: string): name is FunctionName {
  return Object.hasOwn(FUNCTIONS, name);
}

/** Prometheus 2.x/3.x functions outside vigil's set. */
export const UNSUPPORTED_FUNCTIONS: ReadonlySet<string> = new Set([
  'acos',
  'acosh',
  'asin',
  'asinh',
  'atan',
  'atanh',
  'cos',
  'cosh',
  'sin',
  'sinh',
  'tan',
  'tanh',
  'deg',
  'rad',
  'pi',
  'sgn',
  'days_in_month',
  'day_of_month',
  'day_of_week',
  'day_of_year',
  'hour',
  'minute',
  'month',
  'year',
  'deriv',
  'predict_linear',
  'holt_winters',
  'double_exponential_smoothing',
  'quantile_over_time',
  'stddev_over_time',
  'stdvar_over_time',
  'mad_over_time',
  'present_over_time',
  'first_over_time',
  'ts_of_first_over_time',
  'ts_of_last_over_time',
  'ts_of_max_over_time',
  'ts_of_min_over_time',
  'histogram_avg',
  'histogram_count',
  'histogram_sum',
  'histogram_stddev',
  'histogram_stdvar',
  'histogram_fraction',
  'histogram_quantiles',
  'label_join',
  'sort',
  'sort_desc',
  'sort_by_label',
  'sort_by_label_desc',
  'info',
  'max_of',
  'min_of',
  'start',
  'end',
  'range',
  'step',
  'start_timestamp',
]);
