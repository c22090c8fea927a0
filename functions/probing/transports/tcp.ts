/**
 * `tcp://host:port`: connect; with `starttls: smtp`, the SMTP dialogue up to STARTTLS (RFC 3207) and a TLS
 * handshake judged like the tls transport; then `send` is written and, with `expect.match`, what the server
 * answers is read until the regex matches (reason `condition` if the server closes first, `timeout` if it never
 * does). blackbox_exporter's tcp module (query_response with expect/send/starttls) is the model.
 */
import type { Socket } from 'node:net';
import { resolveSecrets } from '../../config/secrets';
import { USER_AGENT } from '../../version';
import { type ConnectStage, connectTcp } from './connect';
import { Exchange, exchangeResult, hostAndPort } from './exchange';
import { handshake } from './secure';
import type { Transport } from './types';

/** What the probe keeps of a server's answer while matching: enough for any banner or status line. */
export const TCP_READ_MAX_BYTES = 64 * 1024;
/** How much of the answer a failure detail quotes. */
const QUOTE_MAX_CHARS = 80;
/** SMTP reply codes (RFC 5321): 220 service ready (greeting, and go-ahead for TLS), 250 OK (EHLO). */
const SMTP_READY = '220';
const SMTP_OK = '250';

type Stage = ConnectStage | 'greeting' | 'ehlo' | 'starttls' | 'tls' | 'answer';
const STAGES: Record<Stage, string> = {
  dns: 'while resolving the host name',
  connect: 'while connecting',
  connected: 'after connecting',
  greeting: 'while waiting for the SMTP greeting',
  ehlo: 'while waiting for the reply to EHLO',
  starttls: 'while waiting for the reply to STARTTLS',
  tls: 'during the TLS handshake',
  answer: 'while waiting for the expected answer',
};

/** Accumulates what a socket sends (across a TLS upgrade) and wakes whoever waits for a condition on it. */
class Received {
  text = '';
  bytes = 0;
  closed = false;
  firstByteAt: number | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly exchange: Exchange) {}

  attach(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.firstByteAt ??= this.exchange.elapsed();
      this.bytes += chunk.length;
      if (this.text.length < TCP_READ_MAX_BYTES) this.text += chunk.toString('latin1');
      this.wake?.();
    });
    socket.once('end', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  /** Stops listening to `socket` (before a TLS upgrade takes its bytes over). */
  detach(socket: Socket): void {
    socket.removeAllListeners('data');
    socket.removeAllListeners('end');
  }

  /** Resolves true once `holds(text)`, false when the socket closed or the exchange settled first. */
  until(holds: (text: string) => boolean): Promise<boolean> {
    return new Promise((resolve) => {
      const check = () => {
        if (holds(this.text)) resolve(true);
        else if (this.closed || this.exchange.isSettled || this.text.length >= TCP_READ_MAX_BYTES)
          resolve(false);
        else return;
        this.wake = undefined;
      };
      this.wake = check;
      this.exchange.done.then(check);
      check();
    });
  }

  consume(): string {
    const text = this.text;
    this.text = '';
    return text;
  }
}

/** A complete SMTP reply: lines `NNN-…` then a last `NNN …` (or bare `NNN`), each ending CRLF. */
function smtpReply(text: string): string | undefined {
  const match = /(?:^|\r?\n)(\d{3})(?: [^\r\n]*)?\r?\n$/.exec(text);
  return match?.[1];
}

function quote(text: string): string {
  const oneLine = JSON.stringify(text.length > QUOTE_MAX_CHARS ? `${text.slice(0, QUOTE_MAX_CHARS)}…` : text);
  return oneLine;
}

export const tcp: Transport<'tcp'> = {
  name: 'tcp',
  async probe(target, config, ctx, timestamp) {
    const url = new URL(await resolveSecrets(target.url, ctx.secrets));
    const send = target.send === undefined ? undefined : await resolveSecrets(target.send, ctx.secrets);
    const { host, port } = hostAndPort(url);
    let stage: Stage = 'dns';
    const exchange = new Exchange({
      timeoutMs: target.timeout ?? config.probe.timeout,
      signal: ctx.signal,
      describeStage: () =>
        stage === 'answer'
          ? `${STAGES.answer} ${target.expect.match ?? ''} (${received.bytes} bytes so far)`
          : STAGES[stage],
    });
    const received = new Received(exchange);
    let socket: Socket | undefined = await connectTcp(
      {
        exchange,
        host,
        port,
        allowLinkLocal: target.allowLinkLocal,
        ...(ctx.lookup ? { lookup: ctx.lookup } : {}),
      },
      (next) => {
        stage = next;
      },
    );
    if (socket) received.attach(socket);

    const reply = async (next: Stage, expected: string): Promise<boolean> => {
      stage = next;
      if (!(await received.until((text) => smtpReply(text) !== undefined))) {
        if (!exchange.isSettled)
          exchange.fail(
            'connect',
            `${host} closed the connection ${STAGES[next]} (got ${quote(received.text)})`,
          );
        return false;
      }
      const text = received.consume();
      if (smtpReply(text) === expected) return true;
      exchange.fail(
        'condition',
        `SMTP ${STAGES[next].replace('while waiting for ', '')}: expected ${expected}, got ${quote(text.trim())}`,
      );
      return false;
    };

    if (socket && target.starttls === 'smtp') {
      const plain: Socket = socket;
      socket = undefined;
      if (await reply('greeting', SMTP_READY)) {
        plain.write(`EHLO ${USER_AGENT.replace(/[^A-Za-z0-9.-]/g, '-')}\r\n`);
        if (await reply('ehlo', SMTP_OK)) {
          plain.write('STARTTLS\r\n');
          if (await reply('starttls', SMTP_READY)) {
            stage = 'tls';
            received.detach(plain);
            const secured = await handshake({
              exchange,
              socket: plain,
              host,
              insecureSkipVerify: target.insecureSkipVerify,
              ...(ctx.ca ? { ca: ctx.ca } : {}),
            });
            if (secured) {
              received.attach(secured);
              socket = secured;
            }
          }
        }
      }
    }

    if (socket) {
      const sentAt = exchange.elapsed();
      received.consume();
      received.firstByteAt = undefined;
      if (send !== undefined) socket.write(send);
      const pattern = target.expect.match === undefined ? undefined : new RegExp(target.expect.match);
      if (pattern === undefined) exchange.succeed();
      else {
        stage = 'answer';
        const matched = await received.until((text) => pattern.test(text));
        const firstByteAt = received.firstByteAt;
        if (firstByteAt !== undefined) {
          exchange.phases.timeToFirstByteMs = firstByteAt - sentAt;
          exchange.phases.transferMs = exchange.elapsed() - firstByteAt;
        }
        if (matched) exchange.succeed();
        else if (!exchange.isSettled)
          exchange.fail(
            'condition',
            `${host}:${port} answered ${quote(received.text)} and ${received.closed ? 'closed the connection' : `stopped at ${TCP_READ_MAX_BYTES} bytes`} without matching /${pattern.source}/`,
          );
      }
    }
    return exchangeResult(await exchange.done, target, timestamp);
  },
};
