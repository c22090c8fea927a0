import type { ProbeKind } from './types';

/** `tcp` targets: the tcp transport judges the whole exchange (transports/tcp.ts); there is no body to inspect. */
export const tcp: ProbeKind<'tcp', undefined> & { readonly transport: 'tcp' } = {
  type: 'tcp',
  transport: 'tcp',
  accept: '',
  metricFields: undefined,
  parsesJson: false,
  seriesOf: () => 'exact',
  inspect: () => ({ values: [], warnings: [] }),
};
