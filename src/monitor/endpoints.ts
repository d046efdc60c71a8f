/**
 * What `pinprick monitor` probes: endpoints from `--endpoint HOST:PORT [--sni NAME]` and from an
 * endpoints file. Pure: text in, endpoints or one located error out.
 *
 * The endpoints file, one endpoint per line:
 *
 *     # production API, behind the load balancer
 *     api.example.com:443
 *     10.0.0.5:8443 sni=api.example.com    # one node, by address
 *     [2001:db8::5]:8443 sni=api.example.com
 *
 * `HOST`, `HOST:PORT` or `[IPv6]:PORT` (port 443 when absent), then optionally `sni=NAME`; `#`
 * starts a comment; blank lines are skipped.
 */
import { isIP } from 'node:net';
import { InputError } from '../errors.js';
import { hostNameProblem } from '../model/hostname.js';
import { parseTarget } from '../proxy/served-chain.js';

/** One endpoint to probe. */
export interface Endpoint {
  host: string;
  port: number;
  /** Server name to send (and the host the chain must be for); default: `host` unless it is an IP address. */
  sni?: string;
}

/** Largest endpoints file read: a line per endpoint is ~50 bytes, so 1 MiB is ~20,000 endpoints. */
export const MAX_ENDPOINTS_FILE_BYTES = 1 << 20;

/** How an endpoint is named in lines, webhook bodies and the state file: `host:port`, `[v6]:port`, then ` sni=NAME` when one is set. Unique per endpoint. */
export function endpointLabel(e: Endpoint): string {
  const authority = `${isIP(e.host) === 6 ? `[${e.host}]` : e.host}:${e.port}`;
  return e.sni === undefined ? authority : `${authority} sni=${e.sni}`;
}

/** The host name the client connects to, which the chain must be for and the pin policy is looked up by: the SNI, else the host. */
export function endpointHost(e: Endpoint): string {
  return e.sni ?? e.host;
}

/** What is wrong with a server name to send, or undefined. */
export function sniProblem(name: string): string | undefined {
  // RFC 6066 section 3: "Literal IPv4 and IPv6 addresses are not permitted in HostName".
  if (isIP(name)) return 'an IP address cannot be sent as a server name (RFC 6066 section 3)';
  const problem = hostNameProblem(name);
  return problem && `not a host name: ${problem}`;
}

/** One `--endpoint` value with the `--sni` that goes with it; `where` and `sniWhere` start the one-line errors. */
export function parseEndpoint(text: string, sni: string | undefined, where: string, sniWhere = '--sni'): Endpoint {
  const target = parseTarget(text.trim());
  if (!target) throw new InputError(`${where} '${text}': expected HOST:PORT, HOST (port 443) or [IPv6]:PORT`);
  if (sni !== undefined) {
    const problem = sniProblem(sni);
    if (problem) throw new InputError(`${sniWhere} '${sni}': ${problem}`);
  }
  return { ...target, ...(sni === undefined ? {} : { sni }) };
}

/** The endpoints of an endpoints file (see the module comment); errors are `file:line: what`. */
export function parseEndpointsFile(file: string, text: string): Endpoint[] {
  const endpoints: Endpoint[] = [];
  const lineOf = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const where = `${file}:${line}:`;
    const content = raw.replace(/#.*$/, '').trim();
    if (!content) return;
    const [target, ...options] = content.split(/\s+/);
    let sni: string | undefined;
    for (const option of options) {
      const m = /^sni=(.*)$/.exec(option);
      if (!m) throw new InputError(`${where} unknown '${option.slice(0, 80)}': after the endpoint only sni=NAME may follow`);
      if (sni !== undefined) throw new InputError(`${where} sni= given twice`);
      sni = m[1]!;
    }
    const endpoint = parseEndpoint(target!, sni, `${where} endpoint`, `${where} sni=`);
    const label = endpointLabel(endpoint);
    const first = lineOf.get(label);
    if (first !== undefined) throw new InputError(`${where} ${label} is already on line ${first}`);
    lineOf.set(label, line);
    endpoints.push(endpoint);
  });
  if (!endpoints.length) throw new InputError(`${file}: no endpoint (one HOST:PORT [sni=NAME] per line; # comments)`);
  return endpoints;
}
