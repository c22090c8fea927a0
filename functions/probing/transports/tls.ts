/**
 * `tls://host:port`: connect, complete a TLS handshake, read the certificate chain, send nothing. Succeeds when
 * the chain verifies (trusted root, validity dates, host name or `serverName`) unless `insecureSkipVerify`;
 * CertExpiryDays is reported either way (blackbox_exporter's tcp module with `tls: true`, minus the query).
 */
import { resolveSecrets } from '../../config/secrets';
import { type ConnectStage, connectTcp } from './connect';
import { Exchange, exchangeResult, hostAndPort } from './exchange';
import { handshake } from './secure';
import type { Transport } from './types';

const STAGES: Record<ConnectStage | 'tls', string> = {
  dns: 'while resolving the host name',
  connect: 'while connecting',
  connected: 'during the TLS handshake',
  tls: 'during the TLS handshake',
};

export const tls: Transport<'tls'> = {
  name: 'tls',
  async probe(target, config, ctx, timestamp) {
    const url = new URL(await resolveSecrets(target.url, ctx.secrets));
    const { host, port } = hostAndPort(url);
    let stage: ConnectStage | 'tls' = 'dns';
    const exchange = new Exchange({
      timeoutMs: target.timeout ?? config.probe.timeout,
      signal: ctx.signal,
      describeStage: () => STAGES[stage],
    });
    const socket = await connectTcp(
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
    if (socket) {
      stage = 'tls';
      const secured = await handshake({
        exchange,
        socket,
        host,
        ...(target.serverName ? { serverName: target.serverName } : {}),
        insecureSkipVerify: target.insecureSkipVerify,
        ...(ctx.ca ? { ca: ctx.ca } : {}),
      });
      if (secured) exchange.succeed();
    }
    return exchangeResult(await exchange.done, target, timestamp);
  },
};
