/**
 * Which standard metrics a target publishes, from its config alone: what `vigil infra cost` counts as custom
 * metrics before anything ran. It follows the transports (probing/transports/): the HTTP kinds always report all
 * five phases and the status; the socket kinds only what they measured — a DNS lookup for a host name (tcp and
 * tls connect to an IP literal without one; dns always looks its resolver up), a handshake where TLS is spoken,
 * first byte and transfer where an answer is awaited.
 * test/integration/catalog.test.ts runs each kind against loopback servers and compares with what it published.
 */
import { isIP } from 'node:net';
import type { TargetConfig } from '../config/schema';
import { STANDARD_METRICS as M } from './datums';

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return undefined;
  }
}

export function standardMetricsOf(target: TargetConfig): string[] {
  const looksUp = (isIP(hostOf(target.url) ?? '') === 0 ? [M.dnsLookup] : []) as string[];
  switch (target.type) {
    case 'http':
    case 'json':
    case 'prometheus': {
      const https = target.url.startsWith('https:');
      return [
        M.success,
        M.duration,
        M.statusCode,
        M.dnsLookup,
        M.connect,
        M.tlsHandshake,
        M.timeToFirstByte,
        M.transfer,
        ...(https ? [M.certExpiryDays] : []),
      ];
    }
    case 'tcp':
      return [
        M.success,
        M.duration,
        ...looksUp,
        M.connect,
        ...(target.starttls ? [M.tlsHandshake, M.certExpiryDays] : []),
        ...(target.expect.match === undefined ? [] : [M.timeToFirstByte, M.transfer]),
      ];
    case 'tls':
      return [M.success, M.duration, ...looksUp, M.connect, M.tlsHandshake, M.certExpiryDays];
    case 'dns':
      return [M.success, M.duration, M.dnsLookup, M.connect, M.timeToFirstByte];
  }
}
