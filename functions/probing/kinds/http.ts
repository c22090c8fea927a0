import type { ProbeKind } from './types';

/** Plain HTTP: status, duration and conditions only (common checks in run.ts); the body is not interpreted. */
export const http: ProbeKind<'http', undefined> = {
  type: 'http',
  accept: '*/*',
  metricFields: undefined,
  parsesJson: false,
  seriesOf: () => 'exact',
  inspect: () => ({ values: [], warnings: [] }),
};
