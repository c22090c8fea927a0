/**
 * The TLS handshake the tls transport and tcp's STARTTLS share: over a connected socket (tls) or an upgraded one (tcp's STARTTLS),
 * Node's verification run but not enforced (rejectUnauthorized: false), then judged by certificates.ts, so the
 * expiry is reported even when the certificate is refused. Nothing is written on the secured socket here.
 */
import { isIP, type Socket } from 'node:net';
import * as tls from 'node:tls';
import { certExpiryDays, verificationProblem } from '../certificates';
import { describeError } from '../http';
import type { Exchange } from './exchange';

export interface HandshakeOptions {
  exchange: Exchange;
  host: string;
  /** SNI and the name checked against the certificate; default `host`. */
  serverName?: string;
  insecureSkipVerify: boolean;
  ca?: readonly (string | Buffer)[];
  /** The connected socket to secure (right after connecting for tls, after the STARTTLS dialogue for tcp). */
  socket: Socket;
}

/** Resolves with the secured socket, or undefined once the exchange has failed (reason tls, or earlier). */
export function handshake(options: HandshakeOptions): Promise<tls.TLSSocket | undefined> {
  const { exchange } = options;
  const name = options.serverName ?? options.host;
  return new Promise((resolve) => {
    const started = exchange.elapsed();
    const socket = tls.connect({
      socket: options.socket,
      // Node refuses an IP address as SNI (RFC 6066); the host name check still uses `host`.
      ...(isIP(name) === 0 ? { servername: name } : {}),
      host: name,
      rejectUnauthorized: false,
      ...(options.ca ? { ca: [...options.ca] } : {}),
    });
    exchange.onSettle(() => socket.destroy());
    socket.once('secureConnect', () => {
      exchange.phases.tlsHandshakeMs = exchange.elapsed() - started;
      exchange.certExpiryDays = certExpiryDays(socket);
      const problem = options.insecureSkipVerify ? undefined : verificationProblem(socket, name);
      if (problem) {
        exchange.fail('tls', `TLS handshake with ${name} failed: ${problem}`);
        resolve(undefined);
        return;
      }
      resolve(socket);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      exchange.fail('tls', `TLS handshake with ${name} failed: ${describeError(error)}`);
      resolve(undefined);
    });
    exchange.done.then(() => resolve(undefined));
  });
}
