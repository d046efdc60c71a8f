import { constants } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';

/**
 * The TLS server context for a chain the proxy presents (a scenario's, or a per-host leaf's).
 *
 * No session resumption: SSL_OP_NO_TICKET stops OpenSSL issuing tickets a client can redeem
 * (RFC 5077; in TLS 1.3 it sends stateful ones instead, which Node's server never stores: it keeps
 * no session cache unless a 'newSession' listener asks), so every connection is a full handshake.
 * A resumed handshake sends no Certificate message (RFC 8446 2.2): the client would be recorded
 * against a chain it was not shown, and its pin check would not meet a fresh chain (Android's
 * TrustManager is not called on resumption; OkHttp checks the session's stored certificates).
 * It also spares OpenSSL making the tickets: measured with valgrind's callgrind on bench/proxy.ts's
 * minimal CONNECT proxy (ECDSA P-256, TLS 1.3, after 2,500 connections of warm-up), 3.09 M -> 2.89 M
 * instructions per new connection.
 */
export function serverContext(key: string | Buffer, cert: string): SecureContext {
  return createSecureContext({ key, cert, secureOptions: constants.SSL_OP_NO_TICKET });
}
