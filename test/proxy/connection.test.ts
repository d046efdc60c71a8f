/**
 * The per-connection verdict machine, without sockets: each row scripts the events a listener
 * would feed and states the record and the commands that must come out (in the spirit of
 * mitmproxy's sans-io TLS layer tests). The property at the end is the proxy's promise: exactly
 * one record per connection, whatever the client does.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Connection, parseAuthority, type ConnectionCommand, type ConnectionEvent, type ConnectionSetup, type VerdictFacts } from '../../src/proxy/connection.js';
import { ForbiddenTargets } from '../../src/proxy/forbidden.js';
import { MAX_CLIENT_HELLO_BYTES } from '../../src/proxy/tls-wire.js';
import type { ExpectedVerdict } from '../../src/proxy/connection-record.js';

const HOST = 'api.pinprick.test';
/** The control API on port 8081, with this machine's addresses fixed (not read from its interfaces). */
const controlPort = new ForbiddenTargets(['127.0.0.1', '::1']);
controlPort.add(8081);
/** A dynamic scenario's https configuration host and port (ScenarioView.configTls). */
const CONFIG = { host: 'config.pinprick.test', port: 443, issuer: 'genuine' as const };
const LIMITS = { headTimeoutMs: 100, handshakeTimeoutMs: 200, graceMs: 300, tunnelIdleMs: 400 };

function setup(over: Partial<ConnectionSetup> = {}): ConnectionSetup {
  return { listener: 'proxy', limits: LIMITS, scenario: { id: 'control-genuine', hosts: [HOST], pins: ['LEAF', 'INT'] }, interceptAll: false, ...over };
}

const u8 = (n: number) => Buffer.from([n]);
const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const u24 = (n: number) => Buffer.from([n >> 16, (n >> 8) & 0xff, n & 0xff]);

/** A minimal TLS 1.2-framed ClientHello, with an SNI when given. */
function clientHello(sni?: string): Buffer {
  let exts = Buffer.alloc(0);
  if (sni) {
    const name = Buffer.from(sni);
    const list = Buffer.concat([u8(0), u16(name.length), name]);
    exts = Buffer.concat([u16(0), u16(list.length + 2), u16(list.length), list]);
  }
  const body = Buffer.concat([u16(0x0303), Buffer.alloc(32), u8(0), u16(2), u16(0x1301), u8(1), u8(0), u16(exts.length), exts]);
  const handshake = Buffer.concat([u8(1), u24(body.length), body]);
  return Buffer.concat([u8(22), u16(0x0301), u16(handshake.length), handshake]);
}

/** Feed the events; return every command and the records among them. */
function play(s: ConnectionSetup, events: ConnectionEvent[]): { commands: ConnectionCommand[]; records: VerdictFacts[]; machine: Connection } {
  const machine = new Connection(s);
  const commands = [...machine.start()];
  for (const e of events) commands.push(...machine.handle(e));
  const records = commands.flatMap((c) => (c.type === 'record' ? [c.verdict] : []));
  return { commands, records, machine };
}

const connect = (authority = `${HOST}:443`): ConnectionEvent => ({ type: 'connect', authority });
const bytes = (data: Buffer | string): ConnectionEvent => ({ type: 'bytes', data: Buffer.from(data) });
const close = (reset = false, bytesIn = 0, bytesOut = 0): ConnectionEvent => ({ type: 'close', reset, bytesIn, bytesOut });
const timer = (bytesIn = 0): ConnectionEvent => ({ type: 'timer', bytesIn });
const fin: ConnectionEvent = { type: 'fin' };
const done: ConnectionEvent = { type: 'handshake-done', tlsVersion: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', alpn: 'http/1.1' };
const unknownCa: ConnectionEvent = { type: 'tls-error', alert: { name: 'unknown_ca', code: 48 }, code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' };

interface Row {
  situation: string;
  setup?: Partial<ConnectionSetup>;
  events: ConnectionEvent[];
  record: Partial<VerdictFacts>;
  detail?: RegExp;
  /** Commands that must be among the output (matched partially). */
  commands?: Partial<ConnectionCommand>[];
}

const rows: Row[] = [
  // Through CONNECT, about the scenario.
  {
    situation: 'CONNECT, the scenario host, handshake, a request: accepted',
    events: [connect(), bytes(clientHello(HOST)), done, { type: 'app-data', requestLine: 'GET / HTTP/1.1' }],
    record: { kind: 'accepted', via: 'connect', target: `${HOST}:443`, sni: HOST, scenario: 'control-genuine', tlsVersion: 'TLSv1.3', alpn: 'http/1.1', requestLine: 'GET / HTTP/1.1', chainPins: ['LEAF', 'INT'] },
    commands: [{ type: 'send', then: 'keep' }, { type: 'start-tls', chain: 'scenario', name: HOST }, { type: 'arm', ms: 300 }, { type: 'idle', ms: 400 }],
  },
  { situation: 'CONNECT, an alert during the handshake: rejected with the alert', events: [connect(), bytes(clientHello(HOST)), unknownCa], record: { kind: 'rejected', alert: { name: 'unknown_ca', code: 48 }, scenario: 'control-genuine' } },
  { situation: 'CONNECT, a FIN during the handshake: rejected without an alert', events: [connect(), bytes(clientHello(HOST)), fin], record: { kind: 'rejected' }, detail: /during the handshake without an alert/, commands: [{ type: 'destroy' }] },
  { situation: 'CONNECT, a FIN before any byte (half-open refusal): rejected at once', events: [connect(), fin], record: { kind: 'rejected', scenario: 'control-genuine' }, detail: /without sending anything/, commands: [{ type: 'destroy' }] },
  { situation: 'CONNECT, handshake done, then a FIN: rejected-after-handshake', events: [connect(), bytes(clientHello(HOST)), done, fin], record: { kind: 'rejected-after-handshake', tlsVersion: 'TLSv1.3' } },
  { situation: 'CONNECT, handshake done, then an alert: rejected-after-handshake with it', events: [connect(), bytes(clientHello(HOST)), done, unknownCa], record: { kind: 'rejected-after-handshake', alert: { name: 'unknown_ca', code: 48 } } },
  { situation: 'CONNECT, handshake done, a reset: rejected-after-handshake', events: [connect(), bytes(clientHello(HOST)), done, close(true, 500, 900)], record: { kind: 'rejected-after-handshake' }, detail: /reset/ },
  { situation: 'CONNECT, handshake done, silence: timeout awaiting data', events: [connect(), bytes(clientHello(HOST)), done, timer(500)], record: { kind: 'timeout', awaited: 'data' }, detail: /within 300 ms/, commands: [{ type: 'destroy' }] },
  { situation: 'CONNECT, ClientHello, the handshake stalls: timeout awaiting the handshake', events: [connect(), bytes(clientHello(HOST)), timer(300)], record: { kind: 'timeout', awaited: 'handshake' } },
  { situation: 'CONNECT, then silence: timeout awaiting a ClientHello', events: [connect(), timer(40)], record: { kind: 'timeout', awaited: 'client-hello', scenario: 'control-genuine' }, detail: /no TLS ClientHello within 200 ms/ },
  { situation: 'CONNECT, half a ClientHello, then silence: timeout saying how much came', events: [connect(), bytes(clientHello(HOST).subarray(0, 20)), timer(60)], record: { kind: 'timeout', awaited: 'client-hello' }, detail: /sent 20 bytes but no complete TLS ClientHello/ },
  { situation: 'CONNECT, half a ClientHello, then a close: not-tls', events: [connect(), bytes(clientHello(HOST).subarray(0, 20)), close()], record: { kind: 'not-tls' }, detail: /before completing a ClientHello \(20 bytes\)/ },
  { situation: 'CONNECT, garbage: not-tls, connection destroyed', events: [connect(), bytes('\x00\x01\x02\x03\x04\x05\x06\x07')], record: { kind: 'not-tls' }, detail: /not TLS \(0001020304050607\)/, commands: [{ type: 'destroy' }] },
  {
    situation: 'CONNECT, a ClientHello claiming 16 MiB: refused at its header with illegal_parameter, nothing buffered',
    events: [connect(), bytes(Buffer.from([22, 3, 1, 0x40, 0x00, 1, 0xff, 0xff, 0xff]))],
    record: { kind: 'malformed' },
    detail: /ClientHello of 16777215 bytes exceeds the 131396-byte limit: refused with a illegal_parameter alert/,
    commands: [{ type: 'send', data: Buffer.from([21, 3, 3, 0, 2, 2, 47]), then: 'destroy' }],
  },
  // Tunnels.
  {
    situation: 'CONNECT to a host outside the scenario: the upstream is reached before the 200, then tunnelled, recorded at the end with byte counts and no scenario',
    events: [connect('example.org:443'), { type: 'upstream-open' }, bytes(clientHello('example.org')), close(false, 700, 5000)],
    record: { kind: 'tunnelled', target: 'example.org:443', sni: 'example.org', bytes: { in: 700, out: 5000 }, chainPins: [] },
    commands: [{ type: 'connect-upstream', host: 'example.org', port: 443 }, { type: 'send', then: 'keep' }, { type: 'pipe' }, { type: 'idle', ms: 400 }],
  },
  {
    situation: 'a tunnel with no traffic for the idle bound: closed, recorded as tunnelled saying why',
    events: [connect('example.org:443'), { type: 'upstream-open' }, bytes(clientHello('example.org')), timer(700), close(false, 700, 5000)],
    record: { kind: 'tunnelled' },
    detail: /closed after 400 ms with no traffic/,
  },
  {
    situation: 'a tunnel whose upstream cannot be reached: answered 502 with the reason (not 200), upstream-failed',
    events: [connect('example.org:443'), { type: 'upstream-failed', reason: 'ECONNREFUSED' }],
    record: { kind: 'upstream-failed', target: 'example.org:443' },
    detail: /ECONNREFUSED/,
    commands: [{ type: 'send', then: 'end' }],
  },
  {
    situation: 'a tunnel whose upstream never answers within the handshake bound: answered 502, upstream-failed',
    events: [connect('example.org:443'), timer(300)],
    record: { kind: 'upstream-failed' },
    detail: /did not open within 200 ms/,
    commands: [{ type: 'send', then: 'end' }],
  },
  {
    situation: 'a ClientHello sent before the 200 is kept and decides once the upstream is open',
    events: [connect('example.org:443'), bytes(clientHello('example.org')), { type: 'upstream-open' }, close(false, 700, 5000)],
    record: { kind: 'tunnelled', sni: 'example.org' },
    commands: [{ type: 'send', then: 'keep' }, { type: 'pipe' }],
  },
  {
    situation: 'CONNECT to another host whose ClientHello names the scenario host: the upstream is dropped and the scenario served',
    events: [connect('203.0.113.7:443'), { type: 'upstream-open' }, bytes(clientHello(HOST)), done, { type: 'app-data', requestLine: 'GET / HTTP/1.1' }],
    record: { kind: 'accepted', scenario: 'control-genuine', sni: HOST },
    commands: [{ type: 'drop-upstream' }, { type: 'start-tls', chain: 'scenario' }],
  },
  {
    situation: 'bytes that are not TLS through a tunnel to another host: passed through untouched',
    events: [connect('example.org:80'), { type: 'upstream-open' }, bytes(Buffer.from('GET / HTTP/1.1\r\nHost: example.org\r\n\r\n')), close(false, 40, 300)],
    record: { kind: 'tunnelled', target: 'example.org:80' },
    commands: [{ type: 'pipe' }],
  },
  {
    situation: 'a client that closes an open tunnel before sending anything: tunnelled, no scenario',
    events: [connect('example.org:443'), { type: 'upstream-open' }, close(false, 0, 0)],
    record: { kind: 'tunnelled' },
    detail: /before sending anything through it/,
  },
  {
    situation: 'CONNECT to the scenario host with a ClientHello for another host: tunnelled after the hello (the 200 was sent)',
    events: [connect(`${HOST}:443`), bytes(clientHello('example.org')), { type: 'upstream-open' }, close(false, 700, 5000)],
    record: { kind: 'tunnelled', sni: 'example.org' },
    commands: [{ type: 'send', then: 'keep' }, { type: 'tunnel', host: HOST, port: 443 }],
  },
  // Bad proxy requests.
  ...['api.pinprick.test', 'api.pinprick.test:0', 'api.pinprick.test:99999', `${'a'.repeat(10_000)}:443`, ':443', 'user@host:443'].map(
    (authority): Row => ({
      situation: `CONNECT '${authority.slice(0, 30)}': malformed, answered 400`,
      events: [connect(authority)],
      record: { kind: 'malformed', via: 'proxy' },
      commands: [{ type: 'send', then: 'end' }],
    }),
  ),
  { situation: 'a request head over the size bound: malformed, answered 431', events: [{ type: 'bad-request', status: 431, reason: 'the request head exceeds 16384 bytes' }], record: { kind: 'malformed', via: 'proxy' }, detail: /answered 431/ },
  { situation: 'a head with a NUL byte (parser error): malformed, answered 400', events: [{ type: 'bad-request', status: 400, reason: 'HPE_INVALID_HEADER_TOKEN: Invalid header value char' }], record: { kind: 'malformed' }, detail: /answered 400/ },
  { situation: 'the proxy port, silence: timeout awaiting the request head', events: [timer(0)], record: { kind: 'timeout', awaited: 'request-head', via: 'proxy' }, detail: /sent nothing within 100 ms/, commands: [{ type: 'destroy' }] },
  { situation: 'the proxy port, a slow head (1 byte/s): timeout saying how much came', events: [timer(9)], record: { kind: 'timeout', awaited: 'request-head' }, detail: /sent 9 bytes but no complete request head within 100 ms/ },
  { situation: 'the proxy port, closed with nothing sent: closed', events: [close(false, 0)], record: { kind: 'closed', via: 'proxy' }, detail: /without sending anything/ },
  { situation: 'the proxy port, reset after part of a head: closed', events: [close(true, 12)], record: { kind: 'closed' }, detail: /reset the connection before a complete request head/ },
  // Plain HTTP on the proxy port.
  {
    situation: 'two plain HTTP requests on one connection: one plain-http record when it ends',
    events: [{ type: 'http-request', requestLine: 'GET http://example.org/ HTTP/1.1' }, { type: 'http-request', requestLine: 'GET http://example.org/2 HTTP/1.1' }, close(false, 90, 400)],
    record: { kind: 'plain-http', via: 'proxy', requestLine: 'GET http://example.org/ HTTP/1.1', bytes: { in: 90, out: 400 } },
    detail: /^2 plain HTTP requests/,
    commands: [{ type: 'disarm' }],
  },
  // The direct TLS listener.
  { situation: 'direct: the scenario host, accepted', setup: { listener: 'tls' }, events: [bytes(clientHello(HOST)), done, { type: 'app-data', requestLine: 'GET / HTTP/1.1' }], record: { kind: 'accepted', via: 'direct', sni: HOST } },
  { situation: 'direct: another host still gets the scenario chain', setup: { listener: 'tls' }, events: [bytes(clientHello('other.test'))], record: {}, commands: [{ type: 'start-tls', chain: 'scenario', name: 'other.test' }] },
  { situation: 'direct: no SNI gets the scenario chain', setup: { listener: 'tls' }, events: [bytes(clientHello())], record: {}, commands: [{ type: 'start-tls', chain: 'scenario', name: HOST }] },
  { situation: 'direct: plain HTTP to the TLS port: not-tls, answered 400', setup: { listener: 'tls' }, events: [bytes('GET / HTTP/1.1\r\nHost: x\r\n\r\n')], record: { kind: 'not-tls', via: 'direct' }, detail: /plain HTTP \(GET \/ HTTP\/1\.1\) to a TLS port/, commands: [{ type: 'send', then: 'end' }] },
  { situation: 'direct: silence: timeout awaiting a ClientHello', setup: { listener: 'tls' }, events: [timer(0)], record: { kind: 'timeout', awaited: 'client-hello', via: 'direct' } },
  { situation: 'direct: closed with nothing: rejected', setup: { listener: 'tls' }, events: [close()], record: { kind: 'rejected' }, detail: /without sending anything/ },
  // Intercept-all.
  {
    situation: 'intercept-all: another host gets its own leaf; the record names no scenario and carries the leaf pins',
    setup: { interceptAll: true },
    events: [connect('other.test:443'), bytes(clientHello('other.test')), { type: 'chain-ready', pins: ['HOSTLEAF', 'INT'] }, done, { type: 'app-data', requestLine: 'GET / HTTP/1.1' }],
    record: { kind: 'accepted', sni: 'other.test', chainPins: ['HOSTLEAF', 'INT'] },
    commands: [{ type: 'issue-leaf', name: 'other.test' }, { type: 'start-tls', chain: 'host-leaf', name: 'other.test' }],
  },
  {
    situation: 'intercept-all: an SNI that is not a host name (DN syntax in it) gets no leaf: unrecognized_name alert, malformed',
    setup: { interceptAll: true },
    events: [connect('evil.test:443'), bytes(clientHello('evil.test,O=Injected+OU=x'))],
    record: { kind: 'malformed', sni: 'evil.test,O=Injected+OU=x', chainPins: [] },
    detail: /^refused with an unrecognized_name alert: the SNI 'evil\.test,O=Injected\+OU=x' is not a DNS host name/,
    commands: [{ type: 'send', data: Buffer.from([21, 3, 3, 0, 2, 2, 112]), then: 'destroy' }],
  },
  {
    situation: 'intercept-all on the direct listener: an SNI with CR LF gets no leaf either',
    setup: { interceptAll: true, listener: 'tls' },
    events: [bytes(clientHello('a.test\r\nb'))],
    record: { kind: 'malformed', via: 'direct' },
    detail: /the SNI 'a\.test\r\nb' is not a DNS host name/,
  },
  { situation: 'intercept-all: a valid host name is issued a leaf', setup: { interceptAll: true }, events: [connect('other.test:443'), bytes(clientHello('Other-1.test'))], record: {}, commands: [{ type: 'issue-leaf', name: 'Other-1.test' }] },
  { situation: 'intercept-all: a leaf that cannot be issued: malformed', setup: { interceptAll: true }, events: [connect('other.test:443'), bytes(clientHello('other.test')), { type: 'chain-failed', reason: 'bad name' }], record: { kind: 'malformed' }, detail: /could not issue a certificate for other\.test: bad name/ },
  // A dynamic scenario's https configuration URL (issue 19): its host gets a leaf from the genuine hierarchy, never the scenario's chain.
  {
    situation: 'https configuration host through CONNECT: a leaf is issued for it; the accepted record says it was a configuration fetch over TLS and names no scenario',
    setup: { scenario: { id: 'dynamic-genuine-https', hosts: [HOST], pins: ['LEAF', 'INT'], configTls: CONFIG } },
    events: [connect(`${CONFIG.host}:443`), bytes(clientHello(CONFIG.host)), { type: 'chain-ready', pins: ['CFGLEAF', 'INT'] }, done, { type: 'app-data', requestLine: 'GET /c HTTP/1.1', note: 'served the genuine pin configuration' }],
    record: { kind: 'accepted', via: 'connect', target: `${CONFIG.host}:443`, sni: CONFIG.host, chainPins: ['CFGLEAF', 'INT'], requestLine: 'GET /c HTTP/1.1' },
    detail: /^a configuration fetch over TLS: the client accepted pinprick's certificate for config\.pinprick\.test .*; served the genuine pin configuration$/,
    commands: [{ type: 'send', then: 'keep' }, { type: 'issue-leaf', name: CONFIG.host, issuer: 'genuine' }, { type: 'start-tls', chain: 'host-leaf', name: CONFIG.host }],
  },
  {
    situation: "https configuration host served with the attacker's TLS (config.tls: rogue): the leaf is asked of the rogue hierarchy, and the record says so",
    setup: { scenario: { id: 'dynamic-other-key-https-rogue', hosts: [HOST], pins: ['LEAF', 'INT'], configTls: { ...CONFIG, issuer: 'rogue' } } },
    events: [connect(`${CONFIG.host}:443`), bytes(clientHello(CONFIG.host)), { type: 'chain-ready', pins: ['ROGUELEAF', 'ROGUEINT'] }, done, { type: 'app-data', requestLine: 'GET /c HTTP/1.1' }],
    record: { kind: 'accepted', sni: CONFIG.host, chainPins: ['ROGUELEAF', 'ROGUEINT'] },
    detail: /^a configuration fetch over TLS: the client accepted pinprick's certificate for config\.pinprick\.test \(the world's rogue hierarchy\)/,
    commands: [{ type: 'issue-leaf', name: CONFIG.host, issuer: 'rogue' }],
  },
  {
    situation: 'https configuration host on the direct listener (SNI): a leaf is issued for it',
    setup: { listener: 'tls', scenario: { id: 'dynamic-genuine-https', hosts: [HOST], pins: ['LEAF', 'INT'], configTls: CONFIG } },
    events: [bytes(clientHello(CONFIG.host))],
    record: {},
    commands: [{ type: 'issue-leaf', name: CONFIG.host }],
  },
  {
    situation: 'https configuration host refused by the client: rejected, said to be on the configuration channel, no scenario named',
    setup: { scenario: { id: 'dynamic-genuine-https', hosts: [HOST], pins: ['LEAF', 'INT'], configTls: CONFIG } },
    events: [connect(`${CONFIG.host}:443`), bytes(clientHello(CONFIG.host)), { type: 'chain-ready', pins: ['CFGLEAF', 'INT'] }, unknownCa],
    record: { kind: 'rejected', sni: CONFIG.host },
    detail: /^on the https configuration channel of scenario dynamic-genuine-https: the client refused the chain with a unknown_ca alert$/,
  },
  {
    situation: 'the configuration host on another port than the URL names: tunnelled like any host outside the scenario',
    setup: { scenario: { id: 'dynamic-genuine-https', hosts: [HOST], pins: ['LEAF', 'INT'], configTls: CONFIG } },
    events: [connect(`${CONFIG.host}:8443`)],
    record: {},
    commands: [{ type: 'connect-upstream', host: CONFIG.host, port: 8443 }],
  },
  {
    situation: 'the API host of a scenario with an https configuration URL still gets the scenario chain, and the record names the scenario',
    setup: { scenario: { id: 'dynamic-genuine-https', hosts: [HOST], pins: ['LEAF', 'INT'], configTls: CONFIG } },
    events: [connect(), bytes(clientHello(HOST)), done, { type: 'app-data', requestLine: 'GET / HTTP/1.1' }],
    record: { kind: 'accepted', sni: HOST, scenario: 'dynamic-genuine-https', chainPins: ['LEAF', 'INT'] },
    detail: /^the client completed the handshake and sent application data$/,
    commands: [{ type: 'start-tls', chain: 'scenario', name: HOST }],
  },
  // The control API's port (issue 15, finding 4): a CONNECT to it on a local address is refused before any upstream.
  ...['127.0.0.1:8081', 'localhost:8081', '127.1:8081', '[::ffff:127.0.0.1]:8081', '0.0.0.0:8081', '[::1]:8081', 'API.localhost:8081'].map(
    (authority): Row => ({
      situation: `a CONNECT to the control API at ${authority}: refused 403, malformed, no upstream`,
      setup: { forbidden: controlPort },
      events: [connect(authority)],
      record: { kind: 'malformed', via: 'connect' },
      detail: /^a CONNECT to .*:8081 was refused \(403\): port 8081 of this machine is pinprick's control API/,
      commands: [{ type: 'send', then: 'end' }],
    }),
  ),
  { situation: 'a CONNECT to another port on loopback: tunnelled as before', setup: { forbidden: controlPort }, events: [connect('127.0.0.1:8082')], record: {}, commands: [{ type: 'connect-upstream', host: '127.0.0.1', port: 8082 }] },
  { situation: 'a CONNECT to the control port of a remote name: tried (the lookup refuses a local answer)', setup: { forbidden: controlPort }, events: [connect('example.org:8081')], record: {}, commands: [{ type: 'connect-upstream', host: 'example.org', port: 8081 }] },
  // Limits and shutdown.
  { situation: 'at the connection limit: dropped at accept', setup: { overloaded: { limit: 8 } }, events: [], record: { kind: 'dropped', via: 'proxy' }, detail: /limit of 8 open connections/, commands: [{ type: 'destroy' }] },
  { situation: 'the proxy stops during a handshake: timeout saying so', events: [connect(), bytes(clientHello(HOST)), { type: 'shutdown', bytesIn: 300, bytesOut: 800 }], record: { kind: 'timeout', awaited: 'handshake' }, detail: /the proxy stopped/ },
  { situation: 'the proxy stops during a tunnel: the tunnel is recorded', events: [connect('example.org:443'), bytes(clientHello('example.org')), { type: 'upstream-open' }, { type: 'shutdown', bytesIn: 300, bytesOut: 800 }], record: { kind: 'tunnelled', bytes: { in: 300, out: 800 } }, detail: /closed when the proxy stopped/ },
];

describe('the connection machine, path by path', () => {
  it.each(rows.map((r) => [r.situation, r] as const))('%s', (_situation, row) => {
    const { commands, records } = play(setup(row.setup), row.events);
    if (Object.keys(row.record).length === 0 && !row.detail) {
      expect(records).toHaveLength(0);
    } else {
      expect(records).toHaveLength(1);
      const v = records[0]!;
      expect(v).toMatchObject(row.record);
      if (row.detail) expect(v.detail).toMatch(row.detail);
      // Records that are not about the scenario's chain never name it (the harness matches on it).
      if (['tunnelled', 'upstream-failed', 'closed', 'plain-http', 'dropped'].includes(v.kind) || v.via === 'proxy') expect(v.scenario).toBeUndefined();
    }
    for (const c of row.commands ?? []) expect(commands).toContainEqual(expect.objectContaining(c));
  });

  it('reads a ClientHello fed one byte at a time, and replays exactly the bytes read to the TLS layer', () => {
    const hello = clientHello(HOST);
    const { commands } = play(setup(), [connect(), ...[...hello].map((b) => bytes(Buffer.from([b])))]);
    const start = commands.find((c) => c.type === 'start-tls');
    expect(start).toMatchObject({ chain: 'scenario', name: HOST });
    expect((start as { data: Buffer }).data.equals(hello)).toBe(true);
  });

  it('takes bytes that arrived with the CONNECT head (the head buffer) like any other, and leaves what follows the ClientHello to TLS', () => {
    const hello = clientHello(HOST);
    const changeCipherSpec = Buffer.from([20, 3, 3, 0, 1, 1]);
    const { commands } = play(setup(), [connect(), bytes(Buffer.concat([hello, changeCipherSpec]))]);
    const start = commands.find((c) => c.type === 'start-tls') as { data: Buffer };
    expect(start.data.equals(Buffer.concat([hello, changeCipherSpec]))).toBe(true);
  });

  it('stops reading at the size bound a stream of empty handshake records that never completes a ClientHello', () => {
    const m = new Connection(setup({ listener: 'tls' }));
    m.start();
    let out = m.handle(bytes(Buffer.from([22, 3, 1, 0, 4, 1, 0, 0x03, 0xe8]))); // claims 1,000 bytes
    let fed = 9;
    const empty = Buffer.alloc(5 * 64);
    for (let i = 0; i < empty.length; i += 5) empty.set([22, 3, 1, 0, 0], i);
    while (!out.some((c) => c.type === 'record') && fed < 4 * MAX_CLIENT_HELLO_BYTES) {
      out = m.handle(bytes(empty));
      fed += empty.length;
    }
    expect(out.find((c) => c.type === 'record')).toMatchObject({ verdict: { kind: 'malformed' } });
    expect(fed).toBeLessThanOrEqual(MAX_CLIENT_HELLO_BYTES + 1024 + empty.length);
  });

  it('parses CONNECT authorities as RFC 9110 authority-form', () => {
    expect(parseAuthority('api.pinprick.test:443')).toEqual({ host: 'api.pinprick.test', port: 443 });
    expect(parseAuthority('[::1]:8443')).toEqual({ host: '::1', port: 8443 });
    expect(parseAuthority('127.0.0.1:1')).toEqual({ host: '127.0.0.1', port: 1 });
    for (const bad of ['', 'host', 'host:', 'host:0', 'host:65536', 'host:-1', 'a/b:443', 'a b:443', '[::1:443', `${'a'.repeat(256)}:443`, 'h\u0000st:443']) expect(parseAuthority(bad), bad).toBeUndefined();
  });
});

describe('exactly one record per connection', () => {
  const event = fc.oneof(
    fc.constant(connect()),
    fc.constant(connect('example.org:443')),
    fc.constant(connect('bad')),
    fc.constant(bytes(clientHello(HOST))),
    fc.constant(bytes(clientHello('example.org'))),
    fc.constant(connect(`${CONFIG.host}:443`)),
    fc.constant(bytes(clientHello(CONFIG.host))),
    fc.uint8Array({ minLength: 1, maxLength: 12 }).map((b) => bytes(Buffer.from(b))),
    fc.constant<ConnectionEvent>({ type: 'http-request', requestLine: 'GET http://x/ HTTP/1.1' }),
    fc.constant<ConnectionEvent>({ type: 'bad-request', status: 400, reason: 'bad' }),
    fc.constant<ConnectionEvent>({ type: 'chain-ready', pins: ['P'] }),
    fc.constant<ConnectionEvent>({ type: 'chain-failed', reason: 'no' }),
    fc.constant(done),
    fc.constant(unknownCa),
    fc.constant<ConnectionEvent>({ type: 'app-data', requestLine: 'GET / HTTP/1.1' }),
    fc.constant<ConnectionEvent>({ type: 'upstream-open' }),
    fc.constant<ConnectionEvent>({ type: 'upstream-failed', reason: 'ECONNREFUSED' }),
    fc.constant(fin),
    fc.constant(timer(3)),
  );
  const ending = fc.oneof(fc.constant(close(false, 10, 10)), fc.constant(close(true, 10, 10)), fc.constant<ConnectionEvent>({ type: 'shutdown', bytesIn: 1, bytesOut: 1 }));

  it('whatever the events, a connection that ends has made exactly one record, and never two before it ends', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<ConnectionSetup['listener']>('proxy', 'tls'),
        fc.boolean(),
        fc.boolean(),
        fc.array(event, { maxLength: 12 }),
        ending,
        fc.boolean(),
        (listener, interceptAll, overloaded, events, end, https) => {
          const scenario = { id: 'dynamic-genuine-https', hosts: [HOST], pins: ['LEAF', 'INT'], ...(https ? { configTls: CONFIG } : {}) };
          const m = new Connection(setup({ listener, interceptAll, scenario, ...(overloaded ? { overloaded: { limit: 1 } } : {}) }));
          let records = m.start().filter((c) => c.type === 'record').length;
          for (const e of events) {
            records += m.handle(e).filter((c) => c.type === 'record').length;
            expect(records).toBeLessThanOrEqual(1);
          }
          records += m.handle(end).filter((c) => c.type === 'record').length;
          expect(records).toBe(1);
          expect(m.isRecorded).toBe(true);
          // And nothing after the end.
          expect(m.handle(close()).filter((c) => c.type === 'record')).toHaveLength(0);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('every phase a client can stall in is bounded: it arms a timer, and the timer ends it', () => {
    // From each stall point, a timer (possibly after an idle one) leads to destroy.
    const stalls: ConnectionEvent[][] = [
      [],
      [connect()],
      [connect(), bytes(clientHello(HOST))],
      [connect(), bytes(clientHello(HOST)), done],
      [connect('example.org:443')],
      [connect('example.org:443'), { type: 'upstream-open' }],
      [connect('example.org:443'), { type: 'upstream-open' }, bytes(clientHello('example.org'))],
    ];
    for (const events of stalls) {
      const { commands, machine } = play(setup(), events);
      expect(commands.some((c) => c.type === 'arm' || c.type === 'idle'), JSON.stringify(events.map((e) => e.type))).toBe(true);
      // Ended: destroyed, or (a CONNECT not yet answered) told why with a 502 and closed.
      const end = machine.handle(timer());
      expect(end.some((c) => c.type === 'destroy' || (c.type === 'send' && c.then === 'end')), JSON.stringify(events.map((e) => e.type))).toBe(true);
    }
  });
});

describe('expected verdicts (serve --profile)', () => {
  const CDN = 'cdn.pinprick.test';
  const accept = { verdict: 'accept', code: 'ok', profile: 'intermediate-only' } as const;
  const reject = { verdict: 'reject', code: 'pin-mismatch', profile: 'intermediate-only' } as const;
  /** A scenario of two hosts, the profile pinning only the second: a correct client accepts the first, rejects the second. */
  const withProfile = (over: Partial<ConnectionSetup> = {}): ConnectionSetup =>
    setup({ scenario: { id: 'attack-rogue-root', hosts: [HOST, CDN], pins: ['ROGUE'], expected: new Map<string, ExpectedVerdict>([[HOST, accept], [CDN, reject]]) }, ...over });
  const request: ConnectionEvent = { type: 'app-data', requestLine: 'GET / HTTP/1.1' };

  const rows: { situation: string; setup?: Partial<ConnectionSetup>; events: ConnectionEvent[]; expected?: typeof accept | typeof reject; mismatch?: true }[] = [
    { situation: 'CONNECT, the first host, accepted as a correct client does: expected, no mismatch', events: [connect(), bytes(clientHello(HOST)), done, request], expected: accept },
    { situation: 'CONNECT, the pinned host, accepted where a correct client rejects: mismatch', events: [connect(`${CDN}:443`), bytes(clientHello(CDN)), done, request], expected: reject, mismatch: true },
    { situation: 'CONNECT, the pinned host, rejected with an alert: as expected', events: [connect(`${CDN}:443`), bytes(clientHello(CDN)), unknownCa], expected: reject },
    { situation: 'CONNECT, the first host, rejected after the handshake where a correct client accepts: mismatch', events: [connect(), bytes(clientHello(HOST)), done, fin], expected: accept, mismatch: true },
    { situation: 'CONNECT with no SNI: the CONNECT host decides', events: [connect(`${CDN}:443`), bytes(clientHello()), done, request], expected: reject, mismatch: true },
    { situation: 'direct with no SNI: the first host (the chain is chosen for it)', setup: { listener: 'tls' }, events: [bytes(clientHello()), done, request], expected: accept },
    { situation: 'direct, SNI of a host the scenario does not name: the chain is served, but nothing is expected of it', setup: { listener: 'tls' }, events: [bytes(clientHello('other.test')), done, request] },
    { situation: 'a timeout after the handshake answers nothing: expected, no mismatch', events: [connect(`${CDN}:443`), bytes(clientHello(CDN)), done, timer(500)], expected: reject },
    { situation: 'not TLS answers nothing: expected, no mismatch', setup: { listener: 'tls' }, events: [bytes('GET / HTTP/1.1\r\nHost: x\r\n\r\n')], expected: accept },
    { situation: 'a tunnel to another host is not about the chain: nothing expected', events: [connect('example.org:443'), { type: 'upstream-open' }, bytes(clientHello('example.org')), close(false, 700, 5000)] },
    { situation: 'plain HTTP is not about the chain: nothing expected', events: [{ type: 'http-request', requestLine: 'GET http://example.org/ HTTP/1.1' }, close(false, 90, 400)] },
  ];

  it.each(rows.map((r) => [r.situation, r] as const))('%s', (_situation, row) => {
    const { records } = play(withProfile(row.setup), row.events);
    expect(records).toHaveLength(1);
    expect(records[0]!.expected).toEqual(row.expected);
    expect(records[0]!.mismatch).toBe(row.mismatch);
  });

  it('without a profile no record carries expected or mismatch', () => {
    for (const row of rows) {
      const { records } = play(setup({ scenario: { id: 'attack-rogue-root', hosts: [HOST, CDN], pins: ['ROGUE'] }, ...row.setup }), row.events);
      expect(records[0]).not.toHaveProperty('expected');
      expect(records[0]).not.toHaveProperty('mismatch');
    }
  });
});
