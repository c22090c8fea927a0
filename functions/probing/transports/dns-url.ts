/**
 * `dns://resolver[:port]/name?type=A`: which resolver to ask (an address or a host name, port 53 by default),
 * for which name and record type. Pure; config/schema.ts checks URLs with it and transports/dns.ts reads them.
 */

/** Record types a dns target may ask for (what dns-packet encodes and vigil renders as text). */
export const DNS_RECORD_TYPES = [
  'A',
  'AAAA',
  'CNAME',
  'MX',
  'NS',
  'PTR',
  'SOA',
  'SRV',
  'TXT',
  'CAA',
] as const;
export type DnsRecordType = (typeof DNS_RECORD_TYPES)[number];
export const DNS_DEFAULT_PORT = 53;
/** RFC 1035: a name is at most 253 characters in text, each label at most 63. */
const NAME_MAX_CHARS = 253;
const LABEL_MAX_CHARS = 63;

export interface DnsQuery {
  resolver: string;
  port: number;
  name: string;
  type: DnsRecordType;
}

/** The query a dns:// URL asks, or why it cannot be asked. */
export function parseDnsUrl(url: URL): DnsQuery | { problem: string } {
  const resolver = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (resolver === '') return { problem: 'name the resolver: dns://8.8.8.8/example.com' };
  let name: string;
  try {
    name = decodeURIComponent(url.pathname.replace(/^\//, '')).replace(/\.$/, '');
  } catch {
    return { problem: `the name "${url.pathname.replace(/^\//, '')}" has a malformed %-escape` };
  }
  if (
    name === '' ||
    name.length > NAME_MAX_CHARS ||
    name.split('.').some((label) => label === '' || label.length > LABEL_MAX_CHARS)
  )
    return { problem: `"${name}" is not a DNS name (dns://resolver/name?type=A)` };
  const unknown = [...url.searchParams.keys()].filter((key) => key !== 'type');
  if (unknown.length > 0) return { problem: `unknown query parameter ${unknown.join(', ')} (only type=)` };
  const type = (url.searchParams.get('type') ?? 'A').toUpperCase();
  if (!(DNS_RECORD_TYPES as readonly string[]).includes(type))
    return { problem: `type=${type} is not one of ${DNS_RECORD_TYPES.join(', ')}` };
  return {
    resolver,
    port: url.port === '' ? DNS_DEFAULT_PORT : Number(url.port),
    name,
    type: type as DnsRecordType,
  };
}

/** For config validation: undefined when the URL is a query vigil can send. */
export function dnsUrlProblem(url: URL): string | undefined {
  const query = parseDnsUrl(url);
  return 'problem' in query ? query.problem : undefined;
}
