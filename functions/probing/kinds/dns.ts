import type { ProbeKind } from './types';

/** `dns` targets: the dns transport judges the whole exchange (transports/dns.ts); there is no body to inspect. */
export const dns: ProbeKind<'dns', undefined> & { readonly transport: 'dns' } = {
  type: 'dns',
  transport: 'dns',
  accept: '',
  metricFields: undefined,
  parsesJson: false,
  seriesOf: () => 'exact',
  inspect: () => ({ values: [], warnings: [] }),
};
