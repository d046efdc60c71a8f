import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import { WorldError } from '../errors.js';
import { describeKey, generateKey, keyTypeOf, spkiDer, type KeyType } from './keys.js';
import { pinOfSpki, type Pin } from './pin.js';
import { issueCertificate, type CertRecipe } from './recipe.js';
import type { CertDef, KeyDef, WorldSpec } from './spec.js';
import { isRelative, resolveTime } from './time.js';

/** A key held by a world. */
export interface WorldKey {
  name: string;
  def: KeyDef;
  /** The private key. */
  key: KeyObject;
  pin: Pin;
}

/** A certificate held by a world. */
export interface WorldCert {
  name: string;
  def: CertDef;
  der: Buffer;
  x509: X509Certificate;
  pin: Pin;
  /** Hash of the recipe it was issued from: a changed recipe re-issues (with the same key). */
  recipeHash: string;
}

/** A world: named keys and certificates that every scenario draws from. Immutable once built. */
export class World {
  constructor(
    readonly spec: WorldSpec,
    private readonly keys: ReadonlyMap<string, WorldKey>,
    private readonly certs: ReadonlyMap<string, WorldCert>,
    /** True when generated from a seed: reproducible, and never to be trusted on a real device. */
    readonly seeded: boolean,
  ) {}

  get name(): string {
    return this.spec.name;
  }
  get hosts(): readonly string[] {
    return this.spec.hosts;
  }

  /** A key by name; the error lists the names that exist. */
  key(name: string): WorldKey {
    const k = this.keys.get(name);
    if (!k) throw new WorldError(`world '${this.name}' has no key '${name}' (keys: ${[...this.keys.keys()].join(', ')})`);
    return k;
  }

  /** A certificate by name; the error lists the names that exist. */
  cert(name: string): WorldCert {
    const c = this.certs.get(name);
    if (!c) throw new WorldError(`world '${this.name}' has no certificate '${name}' (certificates: ${[...this.certs.keys()].join(', ')})`);
    return c;
  }

  hasKey(name: string): boolean {
    return this.keys.has(name);
  }
  hasCert(name: string): boolean {
    return this.certs.has(name);
  }

  /** All keys, in spec order. */
  allKeys(): WorldKey[] {
    return [...this.keys.values()];
  }
  /** All certificates, in spec order. */
  allCerts(): WorldCert[] {
    return [...this.certs.values()];
  }

  /** The roots a test client is told to trust: what `pinprick ca` exports. */
  trustedRoots(): WorldCert[] {
    return this.allCerts().filter((c) => c.def.trusted);
  }
}

/** JSON with sorted keys, so equal recipes hash equally whatever the property order. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const RECIPE_FIELDS: readonly (keyof CertRecipe)[] = ['subject', 'key', 'issuer', 'notBefore', 'notAfter', 'ca', 'pathLen', 'keyUsage', 'extKeyUsage', 'dns', 'ip', 'hash', 'ski', 'aki', 'caIssuers', 'certificatePolicies', 'policyConstraints', 'nameConstraints'];

/** Hash of the fields that shape the certificate (not its description or role). */
export function recipeHash(recipe: CertRecipe): string {
  const fields = Object.fromEntries(RECIPE_FIELDS.map((f) => [f, recipe[f]]));
  return createHash('sha256').update(stableJson(fields)).digest('hex').slice(0, 16);
}

/**
 * Certificates in an order where every issuer comes before what it signs. Names not in the spec
 * may be resolved by a parent world (scenario material derived from a world).
 */
export function issuanceOrder(spec: WorldSpec, parent?: World): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    const st = state.get(name);
    if (st === 'done') return;
    if (st === 'visiting') throw new WorldError(`world '${spec.name}': certificate issuers form a cycle: ${[...path, name].join(' -> ')}`);
    const def = spec.certs[name];
    if (!def && parent?.hasCert(name)) return;
    if (!def) throw new WorldError(`world '${spec.name}': '${path.at(-1)}' is issued by '${name}', which is not a certificate of the world`);
    if (!spec.keys[def.key] && !parent?.hasKey(def.key)) throw new WorldError(`world '${spec.name}': certificate '${name}' certifies key '${def.key}', which is not a key of the world`);
    state.set(name, 'visiting');
    if (def.issuer !== 'self') visit(def.issuer, [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of Object.keys(spec.certs)) visit(name, []);
  return order;
}

/** What a store already holds for a world. */
export interface ExistingMaterial {
  keys: ReadonlyMap<string, KeyObject>;
  /** `x509`, when the reader already parsed `der`, saves parsing it again. */
  certs: ReadonlyMap<string, { der: Buffer; recipeHash: string; x509?: X509Certificate }>;
}

/** Options for {@link materializeWorld}. */
export interface MaterializeOptions {
  now: Date;
  seed?: string;
  existing?: ExistingMaterial;
  /** The stored world was seeded (its keys came from a seed given on an earlier run). */
  seeded?: boolean;
  /** A world whose keys and certificates this spec may name (for scenario-derived material). */
  parent?: World;
}

/** A built world and what had to be made for it (empty lists: nothing was generated). */
export interface Materialized {
  world: World;
  generatedKeys: string[];
  issuedCerts: string[];
}

/**
 * Build a world from its spec, reusing every key and certificate that already exists and still
 * fits. Keys are never replaced (a missing key is generated; a key of the wrong type is an error):
 * pins baked into clients depend on them. A certificate is re-issued, with the same key, only when
 * its recipe changed, its issuer changed key, or it was meant to be valid now and has expired.
 */
export async function materializeWorld(spec: WorldSpec, options: MaterializeOptions): Promise<Materialized> {
  const { now, seed, existing, parent } = options;
  const keys = new Map<string, WorldKey>();
  const generatedKeys: string[] = [];
  const entries = await Promise.all(
    Object.entries(spec.keys).map(async ([name, def]) => {
      let key = existing?.keys.get(name);
      if (key) {
        const actual = keyTypeOf(key);
        if (actual !== def.type) {
          throw new WorldError(
            `world '${spec.name}': key '${name}' on disk is ${actual ?? describeKey(key)}, but the world asks for ${def.type}; use --force to regenerate the world (all pins change) or another --world name`,
          );
        }
        return { name, def, key, generated: false };
      }
      key = await generateKey(def.type, seed === undefined ? undefined : { seed, name });
      return { name, def, key, generated: true };
    }),
  );
  // Each key's SPKI is derived once: for its pin and for comparing with the certificates that name it.
  const spkis = new Map<string, Buffer>();
  for (const { name, def, key, generated } of entries) {
    if (generated) generatedKeys.push(name);
    const spki = spkiDer(key);
    spkis.set(name, spki);
    keys.set(name, { name, def, key, pin: pinOfSpki(spki) });
  }

  const certs = new Map<string, WorldCert>();
  const issuedCerts: string[] = [];
  const keyOf = (name: string): WorldKey => keys.get(name) ?? parent!.key(name);
  const spkiOf = (name: string): Buffer => spkis.get(name) ?? spkiDer(keyOf(name).key);
  for (const name of issuanceOrder(spec, parent)) {
    const def = spec.certs[name]!;
    const subjectKey = keyOf(def.key);
    const issuer = def.issuer === 'self' ? undefined : (certs.get(def.issuer) ?? parent!.cert(def.issuer));
    const issuerKey = issuer ? keyOf(issuer.def.key) : subjectKey;
    const hash = recipeHash(def);
    const old = existing?.certs.get(name);
    let kept: { der: Buffer; x509: X509Certificate; spki: Buffer } | undefined;
    if (old && old.recipeHash === hash) {
      const x = old.x509 ?? new X509Certificate(old.der);
      const spki = spkiDer(x.publicKey);
      const sameKey = spki.equals(spkiOf(def.key));
      const signed = x.verify(issuer ? issuer.x509.publicKey : x.publicKey);
      if (sameKey && signed && !expiredButMeantValid(def, x, now)) kept = { der: old.der, x509: x, spki };
    }
    if (kept) {
      certs.set(name, { name, def, der: kept.der, x509: kept.x509, pin: pinOfSpki(kept.spki), recipeHash: hash });
      continue;
    }
    const der = await issueCertificate({ recipe: def, subjectKey: subjectKey.key, issuerKey: issuerKey.key, issuerCert: issuer?.x509, now });
    issuedCerts.push(name);
    const x509 = new X509Certificate(der);
    certs.set(name, { name, def, der, x509, pin: pinOfSpki(spkiDer(x509.publicKey)), recipeHash: hash });
  }
  // Keep the spec's order for listing, whatever order issuance needed.
  const ordered = new Map(Object.keys(spec.certs).map((n) => [n, certs.get(n)!]));
  return { world: new World(spec, keys, ordered, seed !== undefined || options.seeded === true), generatedKeys, issuedCerts };
}

function expiredButMeantValid(def: CertDef, cert: X509Certificate, now: Date): boolean {
  if (!isRelative(def.notBefore) || !isRelative(def.notAfter)) return false;
  const meantValid = resolveTime(def.notBefore, now) <= now && now < resolveTime(def.notAfter, now);
  const valid = new Date(cert.validFrom) <= now && now < new Date(cert.validTo);
  return meantValid && !valid;
}

/** Re-exported for callers that only need the type. */
export type { KeyType };
