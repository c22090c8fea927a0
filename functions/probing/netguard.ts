/**
 * Keeps probes away from link-local addresses, where clouds serve instance metadata and credentials
 * (169.254.169.254, fd00:ec2::254). The check runs on the address a name resolves to, at connect time, so a
 * host name that resolves somewhere harmless at config time and to the metadata service later (DNS rebinding)
 * is still refused.
 */
import { isIPv4, isIPv6, type LookupFunction } from 'node:net';

/** The AWS instance metadata service's IPv6 address (Nitro); outside fe80::/10, so listed on its own. */
const AWS_METADATA_IPV6_GROUPS = [0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254] as const;
/** NAT64 well-known prefix 64:ff9b::/96: on IPv6-only subnets it reaches the IPv4 address in its last 32 bits. */
const NAT64_PREFIX_GROUPS = [0x0064, 0xff9b, 0, 0, 0, 0] as const;
const IPV6_GROUP_COUNT = 8;

/** Error code of the lookup failure raised for a refused address; http.ts maps it to reason `blocked`. */
export const BLOCKED_ADDRESS_CODE = 'EVIGILBLOCKED';

export class BlockedAddressError extends Error {
  override readonly name = 'BlockedAddressError';
  readonly code = BLOCKED_ADDRESS_CODE;
  constructor(
    readonly hostname: string,
    readonly address: string,
  ) {
    super(
      hostname === address
        ? `${address} is a link-local address (set allowLinkLocal to probe it)`
        : `${hostname} resolved to link-local address ${address} (set allowLinkLocal to probe it)`,
    );
  }
}

/**
 * True for link-local / cloud-metadata addresses: IPv4 169.254.0.0/16, IPv6 fe80::/10, fd00:ec2::254, and
 * 169.254/16 embedded in IPv6 (IPv4-mapped `::ffff:`, dotted or hex, and NAT64 `64:ff9b::`). Anything that is
 * not an IP address (a host name, garbage) is not blocked: names are checked after they resolve.
 */
export function isBlockedAddress(ip: string): boolean {
  if (isIPv4(ip)) return isLinkLocalIPv4(ip);
  const groups = parseIPv6(ip);
  if (groups === undefined) return false;
  if (((groups[0] ?? 0) & 0xffc0) === 0xfe80) return true;
  if (startsWith(groups, AWS_METADATA_IPV6_GROUPS)) return true;
  const embedsIPv4 = isIPv4Mapped(groups) || startsWith(groups, NAT64_PREFIX_GROUPS);
  // 169.254.x.x in the last 32 bits: group 6 is 0xa9fe.
  return embedsIPv4 && groups[6] === 0xa9fe;
}

/** Wraps a dns.lookup-compatible function so that any blocked address in its answer fails the lookup. */
export function guardLookup(lookup: LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, options, (error, address, family) => {
      if (error) {
        callback(error, address, family);
        return;
      }
      // Refuse the whole answer rather than filter it: a name that mixes public and metadata addresses is hostile.
      const blocked = firstBlocked(address);
      if (blocked === undefined) callback(null, address, family);
      else callback(new BlockedAddressError(hostname, blocked), '');
    });
  };
}

function firstBlocked(address: string | readonly { address: string }[]): string | undefined {
  if (typeof address === 'string') return isBlockedAddress(address) ? address : undefined;
  for (const entry of address) if (isBlockedAddress(entry.address)) return entry.address;
  return undefined;
}

function isLinkLocalIPv4(ip: string): boolean {
  return ip.startsWith('169.254.');
}

function isIPv4Mapped(groups: readonly number[]): boolean {
  return (
    groups[0] === 0 &&
    groups[1] === 0 &&
    groups[2] === 0 &&
    groups[3] === 0 &&
    groups[4] === 0 &&
    groups[5] === 0xffff
  );
}

function startsWith(groups: readonly number[], prefix: readonly number[]): boolean {
  return prefix.every((group, index) => groups[index] === group);
}

/** The eight 16-bit groups of an IPv6 address (zone id ignored), or undefined if it is not one. */
function parseIPv6(input: string): number[] | undefined {
  const zone = input.indexOf('%');
  const ip = zone === -1 ? input : input.slice(0, zone);
  if (!isIPv6(ip)) return undefined;
  const [head = '', tail] = ip.split('::');
  const headGroups = parseGroups(head);
  const tailGroups = tail === undefined ? [] : parseGroups(tail);
  const zeros = IPV6_GROUP_COUNT - headGroups.length - tailGroups.length;
  return [...headGroups, ...new Array<number>(Math.max(zeros, 0)).fill(0), ...tailGroups];
}

/** Colon-separated hex groups; a trailing dotted IPv4 part counts as two groups. */
function parseGroups(part: string): number[] {
  if (part === '') return [];
  const groups: number[] = [];
  for (const piece of part.split(':')) {
    if (piece.includes('.')) {
      const [a = 0, b = 0, c = 0, d = 0] = piece.split('.').map(Number);
      groups.push((a << 8) | b, (c << 8) | d);
    } else {
      groups.push(Number.parseInt(piece, 16));
    }
  }
  return groups;
}
