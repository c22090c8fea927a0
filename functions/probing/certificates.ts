/**
 * What a TLS peer presented, read the same way by every transport (https, tls, tcp with STARTTLS): the earliest
 * expiry in the chain, and whether Node's verification (chain to a trusted root, validity dates, host name)
 * accepted it. The transports connect with `rejectUnauthorized: false` and decide here, after the handshake and
 * before anything is sent: a rejected certificate still has its expiry reported (CertExpiryDays matters most when
 * it has expired or is about to), and Node holds written data until 'secureConnect', so nothing reaches a peer
 * that fails verification (test/unit/probing/http-tls.test.ts checks the server saw no request).
 */
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';

const MS_PER_DAY = 86_400_000;

/** Node's verification codes (OpenSSL's X509_V_ERR_* names, and Node's own for the host name) in words. */
const VERIFY_ERRORS: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    'unable to verify the first certificate (untrusted issuer or incomplete chain)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get the local issuer certificate (untrusted issuer)',
  UNABLE_TO_GET_ISSUER_CERT: 'unable to get the issuer certificate',
  ERR_TLS_CERT_ALTNAME_INVALID: 'certificate is not valid for this host name',
  CERT_REVOKED: 'certificate is revoked',
};

/** Per socket: parsing the chain on every keep-alive reuse would cost CPU for an answer that cannot change. */
const expiryBySocket = new WeakMap<TLSSocket, number>();

/** Epoch ms of the earliest `valid_to` in the chain the server presented. */
export function earliestExpiry(socket: TLSSocket): number | undefined {
  const cached = expiryBySocket.get(socket);
  if (cached !== undefined) return cached;
  let cert: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  if (!cert?.valid_to) return undefined;
  const seen = new Set<string>();
  let earliest = Number.POSITIVE_INFINITY;
  // The chain links issuer to issuer and ends in a self-signed root that is its own issuer.
  while (cert?.valid_to && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    const expiresAt = Date.parse(cert.valid_to);
    if (expiresAt < earliest) earliest = expiresAt;
    cert = cert.issuerCertificate;
  }
  if (!Number.isFinite(earliest)) return undefined;
  expiryBySocket.set(socket, earliest);
  return earliest;
}

/** Days from `now` to the earliest expiry of the socket's chain (negative once expired). */
export function certExpiryDays(socket: TLSSocket, now = Date.now()): number | undefined {
  const expiresAt = earliestExpiry(socket);
  return expiresAt === undefined ? undefined : (expiresAt - now) / MS_PER_DAY;
}

/** Why verification refused the peer's certificate, in words; undefined when it was accepted. */
export function verificationProblem(socket: TLSSocket, host: string): string | undefined {
  if (socket.authorized) return undefined;
  const code = String(socket.authorizationError ?? 'certificate not verified');
  const words = VERIFY_ERRORS[code];
  const text = words ? `${words} (${code})` : code;
  return code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? `${text.replace('this host name', host)}` : text;
}
