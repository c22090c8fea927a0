/**
 * One TCP connection for the tcp and tls transports: the guarded, timed lookup (exchange.ts), the connect phase,
 * and each way it can fail as the failure reason http.ts uses for the same stage (dns, blocked, connect).
 */
import * as net from 'node:net';
import { BLOCKED_ADDRESS_CODE } from '../netguard';
import { blockedLiteral, type Exchange, guardedLookup } from './exchange';

export interface ConnectOptions {
  exchange: Exchange;
  host: string;
  port: number;
  allowLinkLocal: boolean;
  lookup?: net.LookupFunction;
}

/** Where a connection attempt is, for timeout details and failure reasons. */
export type ConnectStage = 'dns' | 'connect' | 'connected';

/** Resolves with the connected socket, or undefined once the exchange has failed. */
export function connectTcp(
  options: ConnectOptions,
  onStage: (stage: ConnectStage) => void,
): Promise<net.Socket | undefined> {
  const { exchange, host, port } = options;
  return new Promise((resolve) => {
    const refused = blockedLiteral(host, options.allowLinkLocal);
    if (refused) {
      exchange.fail('blocked', refused);
      resolve(undefined);
      return;
    }
    const literal = net.isIP(host) !== 0;
    let stage: ConnectStage = literal ? 'connect' : 'dns';
    onStage(stage);
    let connectStarted = exchange.elapsed();
    const socket = net.connect({
      host,
      port,
      ...(literal
        ? {}
        : {
            lookup: guardedLookup({
              allowLinkLocal: options.allowLinkLocal,
              exchange,
              ...(options.lookup ? { lookup: options.lookup } : {}),
            }),
          }),
    });
    exchange.onSettle(() => socket.destroy());
    socket.once('lookup', (error) => {
      if (error) return;
      stage = 'connect';
      onStage(stage);
      connectStarted = exchange.elapsed();
    });
    socket.once('connect', () => {
      exchange.phases.connectMs = exchange.elapsed() - connectStarted;
      stage = 'connected';
      onStage(stage);
      resolve(socket);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? error.message;
      if (code === BLOCKED_ADDRESS_CODE) exchange.fail('blocked', error.message);
      else if (stage === 'dns') exchange.fail('dns', `could not resolve ${host}: ${code}`);
      else if (stage === 'connect') exchange.fail('connect', `could not connect to ${host}:${port}: ${code}`);
      else exchange.fail('connect', `connection to ${host}:${port} failed: ${code}`);
      resolve(undefined);
    });
    exchange.done.then(() => resolve(undefined));
  });
}
