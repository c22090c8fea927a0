import type { ProbeKind } from './types';

/** `tls` targets: the tls transport judges the whole exchange (transports/tls.ts); there is no body to inspect. */
export const tls: ProbeKind<'tls', undefined> & { readonly transport: 'tls' } = {
  type: 'tls',
  transport: 'tls',
  accept: '',
  metricFields: undefined,
  parsesJson: false,
  seriesOf: () => 'exact',
  inspect: () => ({ values: [], warnings: [] }),
};
