import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/** The `lookup` option of `net.connect` and `http.request`. */
export type LookupFunction = (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => void;

/**
 * Targets the proxy refuses to reach for its clients: pinprick's own control API. It listens on
 * 127.0.0.1 only, but with `serve --listen 0.0.0.0` any machine on the network can ask the proxy
 * to reach it (`curl -x http://HOST:8080 http://127.0.0.1:8081/status`, or a CONNECT tunnel), and
 * the proxy would connect from loopback: the classic SSRF of a forward proxy. So a CONNECT or a
 * proxy request to a forbidden port on a local address is refused (403), and a name that resolves
 * to a local address is refused when the proxy connects ({@link lookupFor}).
 *
 * Cheap on the hot path: every target costs one Set lookup of its port; only a forbidden port
 * pays for the address check.
 */
export class ForbiddenTargets {
  private readonly ports = new Map<number, string>();
  private readonly local = new BlockList();

  /** `localAddresses`: the machine's own addresses (default: every interface's, taken now). */
  constructor(localAddresses: readonly string[] = interfaceAddresses()) {
    // Loopback (RFC 1122 3.2.1.3: all of 127/8), "this host" (0.0.0.0/8: Linux connects it to
    // the local machine) and their IPv6 forms; IPv4-mapped IPv6 forms are checked as IPv4 by BlockList.
    this.local.addSubnet('127.0.0.0', 8, 'ipv4');
    this.local.addSubnet('0.0.0.0', 8, 'ipv4');
    this.local.addAddress('::1', 'ipv6');
    this.local.addAddress('::', 'ipv6');
    for (const a of localAddresses) {
      const family = isIP(a);
      if (family) this.local.addAddress(a, family === 4 ? 'ipv4' : 'ipv6');
    }
  }

  /** Refuse `port` on every local address from now on; `what` names it in the refusal. */
  add(port: number, what = "pinprick's control API"): void {
    this.ports.set(port, what);
  }

  /** How many ports are refused. */
  get size(): number {
    return this.ports.size;
  }

  /** Why a proxy request to `host:port` is refused, or undefined when it may go on. */
  refusal(host: string, port: number): string | undefined {
    const what = this.ports.get(port);
    if (what === undefined || !this.isLocal(host)) return undefined;
    return `port ${port} of this machine is ${what}, which is not reachable through the proxy`;
  }

  /** {@link refusal} for an absolute-form request target (`http://host:port/path`); origin-form targets (to the proxy itself) are never refused. */
  refusalOfUrl(target: string): string | undefined {
    if (this.ports.size === 0) return undefined;
    // The port first (one Set lookup); the full URL parse only for a forbidden port.
    const m = /^([a-z][a-z0-9+.-]*):\/\/(?:[^/?#@]*@)?(?:\[[^\]]*\]|[^/?#:]*)(?::(\d*))?/i.exec(target);
    if (!m) return undefined;
    const port = m[2] ? Number(m[2]) : m[1]!.toLowerCase() === 'https' ? 443 : 80;
    if (!this.ports.has(port)) return undefined;
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return undefined; // not a URL: the forwarder answers 400
    }
    return this.refusal(url.hostname, port);
  }

  /**
   * Whether `host` names this machine: `localhost` and names under it (RFC 6761 section 6.3), and
   * addresses in any spelling the WHATWG URL host parser reads (`127.1`, `2130706433`, `0x7f.1`,
   * `[::ffff:127.0.0.1]`: what getaddrinfo and browsers accept too).
   */
  isLocal(host: string): boolean {
    const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    let name: string;
    try {
      name = new URL(`http://${bare.includes(':') ? `[${bare}]` : bare}/`).hostname;
    } catch {
      return false;
    }
    if (name.startsWith('[')) name = name.slice(1, -1);
    if (name.endsWith('.')) name = name.slice(0, -1);
    if (name === 'localhost' || name.endsWith('.localhost')) return true;
    const family = isIP(name);
    return family !== 0 && this.local.check(name, family === 4 ? 'ipv4' : 'ipv6');
  }

  /**
   * For a connection to `port`: undefined when the port is not refused (Node's own lookup), else a
   * `lookup` that fails when the name resolves to a local address, so a name pointed at 127.0.0.1
   * (a DNS entry, /etc/hosts) cannot reach the refused port either.
   */
  lookupFor(port: number): LookupFunction | undefined {
    const what = this.ports.get(port);
    if (what === undefined) return undefined;
    return (hostname, options, callback) => {
      dnsLookup(hostname, options, (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => {
        if (err) return callback(err, address, family);
        const all = Array.isArray(address) ? address : [{ address, family: family ?? 4 }];
        const hit = all.find((a) => this.local.check(a.address, a.family === 6 ? 'ipv6' : 'ipv4'));
        if (hit) return callback(new Error(`refused: ${hostname} resolves to ${hit.address}, and port ${port} of this machine is ${what}`), address, family);
        callback(null, address, family);
      });
    };
  }
}

function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address.replace(/%.*$/, '')));
}
