import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { BLOCKED_ADDRESS_CODE, guardLookup, isBlockedAddress } from '../../../functions/probing/netguard';

describe('isBlockedAddress', () => {
  it.each([
    ['IPv4 metadata service', '169.254.169.254'],
    ['IPv4 link-local, low end', '169.254.0.0'],
    ['IPv4 link-local, high end', '169.254.255.255'],
    ['IPv6 link-local', 'fe80::1'],
    ['IPv6 link-local with zone id', 'fe80::1%eth0'],
    ['IPv6 fe80::/10 upper edge', 'febf:ffff::1'],
    ['IPv6 link-local, uppercase', 'FE80::ABCD'],
    ['AWS IPv6 metadata service', 'fd00:ec2::254'],
    ['AWS IPv6 metadata service, expanded', 'fd00:0ec2:0000:0000:0000:0000:0000:0254'],
    ['IPv4-mapped, dotted', '::ffff:169.254.169.254'],
    ['IPv4-mapped, hex', '::ffff:a9fe:a9fe'],
    ['IPv4-mapped, expanded', '0:0:0:0:0:ffff:a9fe:1'],
    ['NAT64 of the metadata service', '64:ff9b::a9fe:a9fe'],
  ])('blocks %s (%s)', (_name, ip) => {
    expect(isBlockedAddress(ip)).toBe(true);
  });

  it.each([
    ['loopback', '127.0.0.1'],
    ['IPv6 loopback', '::1'],
    ['next to 169.254/16, below', '169.253.255.255'],
    ['next to 169.254/16, above', '169.255.0.1'],
    ['public IPv4', '93.184.216.34'],
    ['private IPv4', '10.0.0.1'],
    ['IPv6 fec0:: (just above fe80::/10)', 'fec0::1'],
    ['ULA next to the AWS metadata address', 'fd00:ec2::253'],
    ['IPv4-mapped loopback', '::ffff:127.0.0.1'],
    ['IPv4-mapped public, hex', '::ffff:5db8:d822'],
    ['unspecified', '::'],
    ['a host name (checked after it resolves)', 'metadata.google.internal'],
    ['not an address', '169.254'],
    ['empty', ''],
  ])('allows %s (%s)', (_name, ip) => {
    expect(isBlockedAddress(ip)).toBe(false);
  });
});

/** Answers every name with `answer`, in the shape the caller asked for (`all` or not). */
function fixedLookup(answer: string[]): LookupFunction {
  return (_hostname, options, callback) => {
    const entries: LookupAddress[] = answer.map((address) => ({
      address,
      family: address.includes(':') ? 6 : 4,
    }));
    if (options.all) callback(null, entries);
    else callback(null, answer[0] ?? '', entries[0]?.family);
  };
}

function lookupWith(
  lookup: LookupFunction,
  all: boolean,
): Promise<{ error: NodeJS.ErrnoException | null; address: unknown }> {
  return new Promise((resolve) =>
    lookup('target.test', { all }, (error, address) => resolve({ error, address })),
  );
}

describe('guardLookup', () => {
  it.each([
    ['single answer', ['169.254.169.254'], false],
    ['all answers', ['169.254.169.254'], true],
    ['one bad address among good ones', ['127.0.0.1', 'fe80::1'], true],
  ])('refuses a blocked %s', async (_name, answer, all) => {
    const { error } = await lookupWith(guardLookup(fixedLookup(answer)), all);

    expect(error?.code).toBe(BLOCKED_ADDRESS_CODE);
    expect(error?.message).toContain('target.test');
  });

  it.each([
    ['single answer', false, '127.0.0.1'],
    ['all answers', true, [{ address: '127.0.0.1', family: 4 }]],
  ])('passes a harmless %s through unchanged', async (_name, all, expected) => {
    const { error, address } = await lookupWith(guardLookup(fixedLookup(['127.0.0.1'])), all);

    expect(error).toBeNull();
    expect(address).toEqual(expected);
  });

  it('passes lookup errors through', async () => {
    const failing: LookupFunction = (_hostname, _options, callback) =>
      callback(Object.assign(new Error('getaddrinfo ENOTFOUND target.test'), { code: 'ENOTFOUND' }), '');

    const { error } = await lookupWith(guardLookup(failing), false);

    expect(error?.code).toBe('ENOTFOUND');
  });
});
