/**
 * Which proxy targets reach pinprick's own control API (issue 15, finding 4), by table: the port
 * first, then whether the host names this machine in any spelling; and the lookup that refuses a
 * name resolving to this machine.
 */
import { describe, expect, it } from 'vitest';
import { ForbiddenTargets } from '../../src/proxy/forbidden.js';

/** This machine: loopback plus one LAN address, fixed so the table does not depend on the host running it. */
const targets = new ForbiddenTargets(['127.0.0.1', '::1', '192.0.2.7', 'fe80::1']);
targets.add(8081);

describe('ForbiddenTargets.refusal, by table', () => {
  const rows: [situation: string, host: string, port: number, refused: boolean][] = [
    ['loopback', '127.0.0.1', 8081, true],
    ['anywhere in 127/8 (RFC 1122)', '127.53.0.9', 8081, true],
    ['the shorthand getaddrinfo and browsers read as 127.0.0.1', '127.1', 8081, true],
    ['a decimal IPv4', '2130706433', 8081, true],
    ['a hex IPv4', '0x7f.0.0.1', 8081, true],
    ['an octal IPv4', '0177.0.0.1', 8081, true],
    ['"this host" 0.0.0.0 (Linux connects it locally)', '0.0.0.0', 8081, true],
    ['IPv6 loopback, bracketed', '[::1]', 8081, true],
    ['IPv6 loopback, bare', '::1', 8081, true],
    ['IPv6 unspecified', '::', 8081, true],
    ['IPv4-mapped loopback', '[::ffff:127.0.0.1]', 8081, true],
    ['localhost, any case, with a trailing dot', 'LocalHost.', 8081, true],
    ['a name under localhost (RFC 6761 6.3)', 'api.localhost', 8081, true],
    ["this machine's LAN address", '192.0.2.7', 8081, true],
    ["this machine's link-local IPv6 address", '[fe80::1]', 8081, true],
    ['another port on loopback', '127.0.0.1', 8080, false],
    ['another machine', '192.0.2.8', 8081, false],
    ['a remote name (its lookup is vetted when connecting)', 'example.org', 8081, false],
    ['a name that only looks local', 'localhost.example', 8081, false],
    ['not a host at all', 'a b', 8081, false],
  ];
  it.each(rows)('%s: %s:%i', (_situation, host, port, refused) => {
    const why = targets.refusal(host, port);
    if (refused) expect(why).toMatch(/^port 8081 of this machine is pinprick's control API, which is not reachable through the proxy$/);
    else expect(why).toBeUndefined();
  });

  it('refuses nothing until a port is added', () => {
    expect(new ForbiddenTargets(['127.0.0.1']).refusal('127.0.0.1', 8081)).toBeUndefined();
  });
});

describe('ForbiddenTargets.refusalOfUrl (plain-HTTP proxy requests), by table', () => {
  const rows: [target: string, refused: boolean][] = [
    ['http://127.0.0.1:8081/status', true],
    ['http://user:pw@127.0.0.1:8081/verdicts', true],
    ['http://127.1:8081/', true],
    ['HTTP://LOCALHOST:8081/reports', true],
    ['http://[::1]:8081/', true],
    ['http://127.0.0.1:8080/', false],
    ['http://127.0.0.1/', false],
    ['http://example.org:8081/', false],
    ['/pinprick/report', false],
    ['not a url', false],
  ];
  it.each(rows)('%s', (target, refused) => {
    expect(targets.refusalOfUrl(target) !== undefined).toBe(refused);
  });
});

describe('ForbiddenTargets.lookupFor', () => {
  it('is Node\'s own lookup (undefined) for other ports', () => {
    expect(targets.lookupFor(443)).toBeUndefined();
  });

  it('refuses a name that resolves to this machine, on the refused port', async () => {
    const lookup = targets.lookupFor(8081)!;
    const err = await new Promise<Error | null>((resolve) => lookup('localhost', { all: true }, (e) => resolve(e)));
    expect(err?.message).toMatch(/^refused: localhost resolves to (127\.0\.0\.1|::1), and port 8081 of this machine is pinprick's control API$/);
  });
});
