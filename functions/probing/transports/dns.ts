/**
 * `dns://resolver[:port]/name?type=A`: one query over UDP to that resolver, built and read with dns-packet
 * (the wire format, RFC 1035), so the probe sees what node:dns hides: the response code itself, every answer
 * record, and the round trip alone. Phases: DNS (resolving the resolver's own name, 0 for an address), connect
 * (the UDP socket's connect) and first byte (query to response). The resolver's address passes the same
 * link-local guard as any target: the VPC resolver 169.254.169.253 needs `allowLinkLocal`.
 *
 * UDP only: a truncated response (TC) is judged on what it holds, with a warning (no TCP retry).
 */
import { randomInt } from 'node:crypto';
import * as dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import * as packet from 'dns-packet';
import { resolveSecrets } from '../../config/secrets';
import { DNS_RCODES } from './dns-rcodes';
import { type DnsQuery, parseDnsUrl } from './dns-url';
import { blockedLiteral, Exchange, exchangeResult, guardedLookup } from './exchange';
import type { Transport } from './types';

/** RFC 1035 §4.1.1: the low four bits of the flags are the response code. */
const RCODE_MASK = 0x0f;
const DNS_ID_MAX = 0xffff;
/** A UDP DNS message is at most 512 bytes without EDNS; answers larger than that come truncated. */
const UDP_RECEIVE_MAX_BYTES = 65_535;

type Stage = 'dns' | 'connect' | 'request';
const STAGES: Record<Stage, string> = {
  dns: "while resolving the resolver's name",
  connect: 'while opening the UDP socket',
  request: 'while waiting for the answer',
};

/** One answer record's data as text, for `expect.answer` and failure details. */
export function answerText(answer: packet.Answer): string {
  const data = (answer as { data?: unknown }).data;
  if (typeof data === 'string') return data;
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data))
    return data.map((part) => (Buffer.isBuffer(part) ? part.toString('utf8') : String(part))).join('');
  if (typeof data === 'object' && data !== null) {
    const record = data as Record<string, unknown>;
    switch (answer.type) {
      case 'MX':
        return `${record.preference} ${record.exchange}`;
      case 'SRV':
        return `${record.priority} ${record.weight} ${record.port} ${record.target}`;
      case 'SOA':
        return `${record.mname} ${record.rname} ${record.serial}`;
      case 'CAA':
        return `${record.flags} ${record.tag} "${record.value}"`;
    }
    return JSON.stringify(record);
  }
  return String(data);
}

export const dns: Transport<'dns'> = {
  name: 'dns',
  async probe(target, config, ctx, timestamp) {
    const query = parseDnsUrl(new URL(await resolveSecrets(target.url, ctx.secrets))) as DnsQuery;
    let stage: Stage = 'dns';
    const exchange = new Exchange({
      timeoutMs: target.timeout ?? config.probe.timeout,
      signal: ctx.signal,
      describeStage: () => STAGES[stage],
    });
    const refused = blockedLiteral(query.resolver, target.allowLinkLocal);
    if (refused) exchange.fail('blocked', refused);
    else
      void ask(query, exchange, target, ctx, (next) => {
        stage = next;
      });
    return exchangeResult(await exchange.done, target, timestamp);
  },
};

async function ask(
  query: DnsQuery,
  exchange: Exchange,
  target: Parameters<(typeof dns)['probe']>[0],
  ctx: Parameters<(typeof dns)['probe']>[2],
  onStage: (stage: Stage) => void,
): Promise<void> {
  const lookup = guardedLookup({
    allowLinkLocal: target.allowLinkLocal,
    exchange,
    ...(ctx.lookup ? { lookup: ctx.lookup } : {}),
  });
  const address = await new Promise<{ address: string; family: number } | undefined>((resolve) => {
    lookup(query.resolver, {}, (error, address, family) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code;
        exchange.fail(
          code === 'EVIGILBLOCKED' ? 'blocked' : 'dns',
          code === 'EVIGILBLOCKED'
            ? error.message
            : `could not resolve ${query.resolver}: ${code ?? error.message}`,
        );
        resolve(undefined);
      } else resolve({ address: String(address), family: family ?? (isIPv6(String(address)) ? 6 : 4) });
    });
  });
  if (!address || exchange.isSettled) return;
  onStage('connect');
  const socket = dgram.createSocket({
    type: address.family === 6 ? 'udp6' : 'udp4',
    recvBufferSize: UDP_RECEIVE_MAX_BYTES,
  });
  exchange.onSettle(() => socket.close());
  socket.on('error', (error: NodeJS.ErrnoException) =>
    exchange.fail('connect', `UDP to ${query.resolver}:${query.port} failed: ${error.code ?? error.message}`),
  );
  const connectStarted = exchange.elapsed();
  socket.connect(query.port, address.address, () => {
    exchange.phases.connectMs = exchange.elapsed() - connectStarted;
    onStage('request');
    const id = randomInt(DNS_ID_MAX + 1);
    const sentAt = exchange.elapsed();
    socket.on('message', (message) => {
      let response: packet.DecodedPacket;
      try {
        response = packet.decode(message);
      } catch (error) {
        exchange.fail(
          'parse',
          `${query.resolver} answered something that is not a DNS message: ${(error as Error).message}`,
        );
        return;
      }
      // Another query's late answer (or a spoof attempt) is not ours.
      if (response.id !== id || response.type !== 'response') return;
      exchange.phases.timeToFirstByteMs = exchange.elapsed() - sentAt;
      judge(response, query, target, exchange);
    });
    socket.send(
      packet.encode({
        type: 'query',
        id,
        flags: packet.RECURSION_DESIRED,
        questions: [{ type: query.type, name: query.name }],
      }),
    );
  });
}

function judge(
  response: packet.DecodedPacket,
  query: DnsQuery,
  target: Parameters<(typeof dns)['probe']>[0],
  exchange: Exchange,
): void {
  const rcode =
    DNS_RCODES[(response.flags ?? 0) & RCODE_MASK] ?? `RCODE${(response.flags ?? 0) & RCODE_MASK}`;
  const answers = response.answers ?? [];
  if (response.flag_tc)
    exchange.warnings.push(
      `the answer was truncated (UDP); judged on the ${answers.length} records it holds`,
    );
  const accepted: readonly string[] = Array.isArray(target.expect.rcode)
    ? target.expect.rcode
    : [target.expect.rcode];
  const asked = `${query.name} ${query.type}`;
  if (!accepted.includes(rcode)) {
    exchange.fail('condition', `${asked}: rcode (${rcode}) not in ${accepted.join(', ')}`);
    return;
  }
  const minAnswers = target.expect.minAnswers ?? (accepted.length === 1 && accepted[0] === 'NOERROR' ? 1 : 0);
  if (answers.length < minAnswers) {
    exchange.fail('condition', `${asked}: ${answers.length} answer records, expected at least ${minAnswers}`);
    return;
  }
  if (target.expect.answer !== undefined) {
    const pattern = new RegExp(target.expect.answer);
    const texts = answers.map(answerText);
    if (!texts.some((text) => pattern.test(text))) {
      const seen = texts.length === 0 ? 'none' : texts.slice(0, 5).join(', ');
      exchange.fail('condition', `${asked}: no answer matches /${pattern.source}/ (answers: ${seen})`);
      return;
    }
  }
  exchange.succeed();
}
