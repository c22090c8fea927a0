/**
 * Loopback servers for the tcp, tls and dns transports: a plain TCP server with a scripted conversation, a TLS
 * server with a chosen certificate, an SMTP server that offers STARTTLS, and a DNS server answering real wire
 * format over UDP (dns-packet). All on 127.0.0.1, random ports, closed with their sockets.
 */
import * as dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import * as tls from 'node:tls';
import * as packet from 'dns-packet';

const TLS_DIR = join(__dirname, '..', 'fixtures', 'tls');
const pem = (name: string) => readFileSync(join(TLS_DIR, name));

/** The test CA and what it signed (test/fixtures/tls/README.md); `selfSigned` is the older standalone fixture. */
export const CERTS = {
  ca: pem('ca.pem'),
  leaf: { key: pem('leaf-key.pem'), cert: pem('leaf.pem') },
  expired: { key: pem('expired-key.pem'), cert: pem('expired.pem') },
  otherHost: { key: pem('other-host-key.pem'), cert: pem('other-host.pem') },
  selfSigned: { key: pem('key.pem'), cert: pem('cert.pem') },
} as const;
export type CertName = Exclude<keyof typeof CERTS, 'ca'>;

export interface SocketServer {
  port: number;
  /** Bytes each connection sent us, in order. */
  received: string[];
  close(): Promise<void>;
}

function track(
  server: net.Server,
  onSocket: (socket: net.Socket, index: number) => void,
): Promise<SocketServer> {
  const sockets = new Set<net.Socket>();
  const received: string[] = [];
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const handler = (socket: net.Socket) => {
    const index = received.push('') - 1;
    socket.on('data', (chunk) => {
      received[index] += chunk.toString('latin1');
    });
    socket.on('error', () => undefined);
    onSocket(socket, index);
  };
  server.on(server instanceof tls.Server ? 'secureConnection' : 'connection', handler);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as net.AddressInfo).port,
        received,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** A TCP server: `script(socket)` decides what it says (nothing, a banner, an echo…). */
export function startTcpServer(
  script: (socket: net.Socket) => void = () => undefined,
): Promise<SocketServer> {
  return track(net.createServer(), script);
}

/** A TLS server presenting `cert`; says nothing after the handshake. */
export function startTlsServer(cert: CertName): Promise<SocketServer> {
  return track(tls.createServer({ ...CERTS[cert] }), () => undefined);
}

/**
 * An SMTP server (RFC 5321/3207) that greets, answers EHLO offering STARTTLS, then upgrades to TLS with `cert`;
 * after the upgrade it answers a NOOP with 250.
 */
export function startSmtpServer(
  cert: CertName,
  greeting = '220 smtp.test ESMTP ready',
): Promise<SocketServer> {
  return track(net.createServer(), (socket) => {
    socket.write(`${greeting}\r\n`);
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      while (buffer.includes('\r\n')) {
        const line = buffer.slice(0, buffer.indexOf('\r\n'));
        buffer = buffer.slice(line.length + 2);
        if (/^EHLO /i.test(line))
          socket.write('250-smtp.test greets you\r\n250-SIZE 1000000\r\n250 STARTTLS\r\n');
        else if (/^STARTTLS$/i.test(line)) {
          socket.off('data', onData);
          socket.write('220 go ahead\r\n', () => {
            const secured = new tls.TLSSocket(socket, { isServer: true, ...CERTS[cert] });
            secured.on('error', () => undefined);
            secured.on('data', (data) => {
              if (/^NOOP/i.test(data.toString())) secured.write('250 OK\r\n');
            });
          });
          return;
        } else socket.write('502 unknown\r\n');
      }
    };
    socket.on('data', onData);
  });
}

export interface DnsServer {
  port: number;
  /** Questions received, as "name TYPE". */
  questions: string[];
  close(): Promise<void>;
}

/** Records the fake resolver knows: name → type → answers; an unknown name is NXDOMAIN. */
export type Zone = Record<string, Partial<Record<string, unknown[]>>>;

/** A DNS server on UDP: answers from `zone`, NXDOMAIN for unknown names; `silent` never answers. */
export function startDnsServer(
  zone: Zone,
  options: { silent?: boolean; rcode?: string } = {},
): Promise<DnsServer> {
  const socket = dgram.createSocket('udp4');
  const questions: string[] = [];
  socket.on('message', (message, peer) => {
    const query = packet.decode(message);
    const question = query.questions?.[0];
    if (!question) return;
    questions.push(`${question.name} ${question.type}`);
    if (options.silent) return;
    const records = zone[question.name];
    const data = records?.[question.type] ?? [];
    const rcode = options.rcode ?? (records ? 'NOERROR' : 'NXDOMAIN');
    const rcodeNumber = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'].indexOf(rcode);
    const response = packet.encode({
      type: 'response',
      id: query.id ?? 0,
      flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE | rcodeNumber,
      questions: [question],
      answers: data.map(
        (value) => ({ type: question.type, name: question.name, ttl: 60, data: value }) as packet.Answer,
      ),
    });
    socket.send(response, peer.port, peer.address);
  });
  return new Promise((resolve) => {
    socket.bind(0, '127.0.0.1', () => {
      resolve({
        port: socket.address().port,
        questions,
        close: () => new Promise<void>((done) => socket.close(() => done())),
      });
    });
  });
}
