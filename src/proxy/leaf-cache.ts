import { isIP } from 'node:net';
import type { SecureContext } from 'node:tls';
import { hostNameProblem } from '../model/hostname.js';
import { pemOf } from '../world/pem.js';
import { issueCertificate } from '../world/recipe.js';
import { serverContext } from './server-context.js';
import type { World } from '../world/world.js';

/**
 * Which of the world's hierarchies issues a per-host leaf: `genuine` (the genuine intermediate and
 * leaf key: intercept-all, an https configuration host) or `rogue` (the rogue intermediate and the
 * attacker's leaf key: a configuration host served with the attacker's TLS, `config.tls: rogue`).
 */
export type LeafIssuer = 'genuine' | 'rogue';

/** A TLS server context and the RFC 7469 pins of the chain it presents, in order. */
export interface ChainContext {
  context: SecureContext;
  pins: string[];
}

/**
 * Default size of the intercept-all leaf cache. Measured: a SecureContext with its chain costs
 * about 90 kB of RSS (500 SNIs took +46 MB), so 256 hosts stay near 23 MB; a phone's session
 * touches a few dozen hosts.
 */
export const DEFAULT_LEAF_CACHE_SIZE = 256;

/**
 * Per-host leaves for `--intercept-all`: one certificate per host, all for the genuine leaf key
 * under the genuine intermediate (a new host costs one signature, never a key generation), kept
 * in a least-recently-used cache of bounded size so a client that sends endless SNIs cannot grow
 * the proxy's memory.
 */
export class LeafCache {
  private readonly entries = new Map<string, Promise<ChainContext>>();

  constructor(
    private readonly world: World,
    readonly capacity = DEFAULT_LEAF_CACHE_SIZE,
  ) {
    if (!(capacity >= 1)) throw new RangeError('the leaf cache needs room for at least one host');
  }

  /** The chain for `name` from `issuer`'s hierarchy, issued on first use; the least recently used is evicted past capacity. */
  get(name: string, issuer: LeafIssuer = 'genuine'): Promise<ChainContext> {
    // A space is in no host name: the two hierarchies' entries for one name never collide.
    const entry = `${issuer} ${name}`;
    const hit = this.entries.get(entry);
    if (hit) {
      // Map keeps insertion order: re-inserting marks the entry most recently used.
      this.entries.delete(entry);
      this.entries.set(entry, hit);
      return hit;
    }
    const issued = this.issue(name, issuer);
    this.entries.set(entry, issued);
    // A failed issuance is not cached: the next connection tries again.
    issued.catch(() => {
      if (this.entries.get(entry) === issued) this.entries.delete(entry);
    });
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return issued;
  }

  /** How many hosts are cached. */
  get size(): number {
    return this.entries.size;
  }

  private async issue(name: string, party: LeafIssuer): Promise<ChainContext> {
    // The connection machine refuses such names first; checked here too, so no caller can make
    // the genuine intermediate sign a name of a peer's choosing.
    const problem = hostNameProblem(name);
    if (problem) throw new RangeError(`'${name.slice(0, 255)}' is not a DNS host name (${problem}): no certificate is issued for it`);
    const world = this.world;
    const issuer = world.cert(`${party}-intermediate`);
    const leaf = world.key(`${party}-leaf`);
    const der = await issueCertificate({
      recipe: {
        // One commonName attribute holding the name, built as a value: never DN text to be parsed.
        subject: { commonName: name },
        key: `${party}-leaf`,
        issuer: `${party}-intermediate`,
        notBefore: '-1d',
        notAfter: '+397d',
        ca: false,
        keyUsage: ['digitalSignature'],
        extKeyUsage: ['serverAuth'],
        ...(isIP(name) ? { ip: [name] } : { dns: [name] }),
      },
      subjectKey: leaf.key,
      issuerKey: world.key(issuer.def.key).key,
      issuerCert: issuer.x509,
      now: new Date(),
    });
    return {
      context: serverContext(leaf.key.export({ type: 'pkcs8', format: 'pem' }), pemOf(der, 'CERTIFICATE') + pemOf(issuer.der, 'CERTIFICATE')),
      pins: [leaf.pin.sha256, issuer.pin.sha256],
    };
  }
}
