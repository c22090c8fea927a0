/**
 * DNS response codes by name (RFC 1035, 2136, 6895); `expect.rcode` takes these. Apart from the config schema so the
 * probe, which names the code it got, does not pull the schema into its bundle.
 */
export const DNS_RCODES = [
  'NOERROR',
  'FORMERR',
  'SERVFAIL',
  'NXDOMAIN',
  'NOTIMP',
  'REFUSED',
  'YXDOMAIN',
  'YXRRSET',
  'NXRRSET',
  'NOTAUTH',
  'NOTZONE',
] as const;
