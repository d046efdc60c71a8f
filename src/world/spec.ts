import { isIPv4, isIPv6 } from 'node:net';
import type { AnyKeyType, KeyType } from './keys.js';
import type { CertRecipe } from './recipe.js';

/** Who a piece of key material belongs to in the story a world tells. */
/** `scenario`: made by one scenario from the world's material (a forged or re-issued certificate). */
export type Party = 'genuine' | 'rogue' | 'legacy' | 'vendor' | 'untrusted' | 'scenario';
/**
 * Where it sits in a hierarchy. `backup` keys have no certificate until a scenario issues one.
 * `config-signing` keys sign pin configurations delivered at run time (issue 19) and are never in
 * a certificate: an app holds the public key itself.
 */
export type Position = 'root' | 'intermediate' | 'leaf' | 'backup' | 'config-signing';

/** A key the world holds. */
export interface KeyDef {
  type: AnyKeyType;
  party: Party;
  position: Position;
  description: string;
}

/** A certificate the world holds: a recipe plus its place in the story. */
export interface CertDef extends CertRecipe {
  party: Party;
  position: Position;
  /** In the trust store a test client is told to use (exported by `pinprick ca`). */
  trusted: boolean;
  description: string;
}

/**
 * The world's keys a certificate may hold, by name: every key but the config-signing ones, which
 * sign pin configurations (Ed25519 cannot even be in the certificates clients under test read).
 * What profiles may pin by name and scenario certificates may certify.
 */
export function certificateKeys(spec: Pick<WorldSpec, 'keys'>): Record<string, KeyDef> {
  return Object.fromEntries(Object.entries(spec.keys).filter(([, def]) => def.position !== 'config-signing'));
}

/** Everything needed to (re)build a world: pure data, stored in its manifest. */
export interface WorldSpec {
  name: string;
  hosts: string[];
  keyType: KeyType;
  keys: Record<string, KeyDef>;
  certs: Record<string, CertDef>;
}

/** Options for the built-in world layout. */
export interface DefaultWorldOptions {
  name?: string;
  /** Hosts the genuine (and rogue) leaves are issued for. */
  hosts?: string[];
  /** Key type of every key in the world. */
  keyType?: KeyType;
}

/**
 * `net.isIP(host) !== 0`, without running Node's IPv6 pattern on names that hold no ':' (none can be
 * IPv6): its first runs cost ~15 ms of regexp compilation, a tenth of a cold `serve`.
 */
export function isIpLiteral(host: string): boolean {
  return host.includes(':') ? isIPv6(host) : isIPv4(host);
}

/**
 * What a host may be, in a world (`--hosts`, the manifest's `hosts`) and in a scenario (`hosts:`):
 * a DNS name, a wildcard name or an IP address. The one definition: scenarios/scenario.schema.json
 * holds the same pattern for `hosts:` (JSON cannot import it; test/world/hosts.test.ts checks the
 * two are equal). Besides being what certificates and SNI can carry, it keeps hosts free of
 * anything a shell reads: `{host}` and PINPRICK_HOST reach a client command line (issue 15,
 * finding 6).
 */
export const HOST_PATTERN = '^[A-Za-z0-9*._:-]+$';
/** {@link HOST_PATTERN} in words, for messages. */
export const HOST_WORDS = 'a host name or IP address (letters, digits, . - : and a leading *. for a wildcard)';
const HOST_RE = new RegExp(HOST_PATTERN);

/** What is wrong with a host (quoted as JSON, so the message stays one line), or undefined when it matches {@link HOST_PATTERN}. */
export function hostProblem(host: string): string | undefined {
  return HOST_RE.test(host) ? undefined : `${JSON.stringify(host)}: not ${HOST_WORDS}`;
}

/** The host a fresh world serves when none is configured. */
export const DEFAULT_HOSTS = ['api.pinprick.test'];
/** ECDSA P-256 by default: what modern CAs issue, and a cold world generates in well under a second. */
export const DEFAULT_KEY_TYPE: KeyType = 'ec-p256';

const ROOT_KU: CertRecipe['keyUsage'] = ['keyCertSign', 'cRLSign'];
// Intermediates as Let's Encrypt's R10/E5 carry them: digitalSignature too, EKU serverAuth+clientAuth.
const INTERMEDIATE_KU: CertRecipe['keyUsage'] = ['digitalSignature', 'keyCertSign', 'cRLSign'];
const INTERMEDIATE_EKU = ['serverAuth', 'clientAuth'];
const LEAF_KU: CertRecipe['keyUsage'] = ['digitalSignature'];
const RSA_LEAF_KU: CertRecipe['keyUsage'] = ['digitalSignature', 'keyEncipherment'];
/**
 * 397 days: the CA/Browser Forum ceiling for TLS leaves since 2020 (ballot SC31); a world's leaves
 * are renewed with the same key when they expire, so pins survive.
 */
const LEAF_LIFETIME = '+397d';

/**
 * The built-in world: a genuine hierarchy with keys ready for rotation and backup keys, a rogue CA
 * the client trusts (DigiNotar), a legacy root that cross-signs the genuine one (DST Root CA X3 /
 * ISRG Root X1) with an expired variant, another commercial CA (vendor switch) and an untrusted
 * root. Scenarios derive everything else from these keys.
 */
export function defaultWorldSpec(options: DefaultWorldOptions = {}): WorldSpec {
  const name = options.name ?? 'default';
  const hosts = options.hosts?.length ? [...options.hosts] : [...DEFAULT_HOSTS];
  const keyType = options.keyType ?? DEFAULT_KEY_TYPE;
  const org = `O=pinprick test PKI, OU=world ${name}`;
  const leafKu = keyType.startsWith('rsa') ? RSA_LEAF_KU : LEAF_KU;

  const key = (party: Party, position: Position, description: string): KeyDef => ({ type: keyType, party, position, description });
  const root = (subject: string, keyName: string, party: Party, trusted: boolean, description: string, window: [string, string] = ['-1y', '+20y']): CertDef => ({
    subject: `CN=${subject}, ${org}`,
    key: keyName,
    issuer: 'self',
    notBefore: window[0],
    notAfter: window[1],
    ca: true,
    keyUsage: ROOT_KU,
    party,
    position: 'root',
    trusted,
    description,
  });
  const intermediate = (subject: string, keyName: string, issuer: string, party: Party, description: string): CertDef => ({
    subject: `CN=${subject}, ${org}`,
    key: keyName,
    issuer,
    notBefore: '-90d',
    notAfter: '+3y',
    ca: true,
    pathLen: 0,
    keyUsage: INTERMEDIATE_KU,
    extKeyUsage: INTERMEDIATE_EKU,
    party,
    position: 'intermediate',
    trusted: false,
    description,
  });
  const leaf = (keyName: string, issuer: string, party: Party, description: string): CertDef => ({
    subject: `CN=${hosts[0]}`,
    key: keyName,
    issuer,
    notBefore: '-1d',
    notAfter: LEAF_LIFETIME,
    ca: false,
    keyUsage: leafKu,
    extKeyUsage: ['serverAuth'],
    // IP literals go in iPAddress entries: RFC 6125 clients never match an IP against a dNSName.
    dns: hosts.filter((h) => !isIpLiteral(h)),
    ...(hosts.some((h) => isIpLiteral(h)) ? { ip: hosts.filter((h) => isIpLiteral(h)) } : {}),
    party,
    position: 'leaf',
    trusted: false,
    description,
  });

  return {
    name,
    hosts,
    keyType,
    keys: {
      'genuine-root': key('genuine', 'root', 'The genuine root CA key (ISRG Root X1 role).'),
      'genuine-root-2': key('genuine', 'root', 'A second genuine root key, ready for a root migration.'),
      'genuine-intermediate': key('genuine', 'intermediate', 'The genuine issuing intermediate key (Let\'s Encrypt R3 role).'),
      'genuine-intermediate-2': key('genuine', 'intermediate', 'A second intermediate key, ready for rotation (R10/R11 role).'),
      'genuine-leaf': key('genuine', 'leaf', 'The server key the genuine leaf certifies.'),
      'genuine-leaf-2': key('genuine', 'leaf', 'The next server key, for a leaf key rotation.'),
      'backup-1': key('genuine', 'backup', 'Offline backup key (RFC 7469 backup pin): no served certificate uses it until a scenario does.'),
      'backup-2': key('genuine', 'backup', 'Second offline backup key.'),
      'rogue-root': key('rogue', 'root', 'A rogue CA that the client trusts (DigiNotar 2011 role).'),
      'rogue-intermediate': key('rogue', 'intermediate', 'A rogue intermediate (TURKTRUST / ANSSI 2013 role).'),
      'rogue-leaf': key('rogue', 'leaf', 'The attacker\'s server key.'),
      'legacy-root': key('legacy', 'root', 'An older trusted root that cross-signs the genuine hierarchy (DST Root CA X3 role).'),
      'vendor-root': key('vendor', 'root', 'Another commercial CA the server may move to (Symantec -> DigiCert, CDN CA switch).'),
      'vendor-intermediate': key('vendor', 'intermediate', 'The other CA\'s issuing intermediate.'),
      'untrusted-root': key('untrusted', 'root', 'A CA that no client trusts.'),
      // Fixed types whatever the world's key type: JWS ES256 is ECDSA on P-256 only (RFC 7518
      // section 3.4) and EdDSA here is Ed25519 (RFC 8037), so an RSA world signs its pin
      // configurations with these all the same.
      'config-signing': { type: 'ec-p256', party: 'genuine', position: 'config-signing', description: 'Signs the pin configurations the service delivers (JWS ES256); the app holds its public key.' },
      'config-signing-ed25519': { type: 'ed25519', party: 'genuine', position: 'config-signing', description: 'Signs pin configurations with JWS EdDSA (Ed25519); the app holds its public key.' },
      'config-signing-rogue': { type: 'ec-p256', party: 'rogue', position: 'config-signing', description: "An attacker's ES256 key: pin configurations signed with it must be refused." },
      'config-signing-rogue-ed25519': { type: 'ed25519', party: 'rogue', position: 'config-signing', description: "An attacker's Ed25519 key: pin configurations signed with it must be refused." },
    },
    certs: {
      'genuine-root': root('pinprick Genuine Root CA', 'genuine-root', 'genuine', true, 'Self-signed genuine root, trusted.'),
      'genuine-root-2': root('pinprick Genuine Root CA 2', 'genuine-root-2', 'genuine', true, 'Self-signed second genuine root, already trusted (as ISRG Root X2 was before use).'),
      'genuine-intermediate': intermediate('pinprick Genuine Intermediate R1', 'genuine-intermediate', 'genuine-root', 'genuine', 'The issuing intermediate, signed by the genuine root.'),
      'genuine-intermediate-2': intermediate('pinprick Genuine Intermediate R2', 'genuine-intermediate-2', 'genuine-root', 'genuine', 'The rotation intermediate, signed by the genuine root.'),
      'genuine-leaf': leaf('genuine-leaf', 'genuine-intermediate', 'genuine', `The genuine server certificate for ${hosts.join(', ')}.`),
      'legacy-root': root('pinprick Legacy Root CA X3', 'legacy-root', 'legacy', true, 'The legacy root, trusted and valid.', ['-15y', '+5y']),
      'legacy-root-expired': root(
        'pinprick Legacy Root CA X3',
        'legacy-root',
        'legacy',
        false,
        'The same legacy root (same name, same key) past its end of life, as DST Root CA X3 after 30 September 2021. Not in the default trust bundle: scenarios put it in a client\'s store.',
        ['-20y', '-30d'],
      ),
      'genuine-root-cross': {
        ...root('pinprick Genuine Root CA', 'genuine-root', 'genuine', false, 'The genuine root (same name and key) cross-signed by the legacy root: ISRG Root X1 signed by DST Root CA X3.'),
        issuer: 'legacy-root',
        notBefore: '-1y',
        notAfter: '+3y',
        aki: true,
      },
      'genuine-intermediate-cross': {
        ...intermediate('pinprick Genuine Intermediate R1', 'genuine-intermediate', 'legacy-root', 'genuine', 'The genuine intermediate (same name and key) cross-signed by the legacy root.'),
      },
      'rogue-root': root('pinprick Rogue Root CA', 'rogue-root', 'rogue', true, 'A trusted but rogue root: valid certificates for any host, from a CA that is not pinned.'),
      'rogue-intermediate': intermediate('pinprick Rogue Intermediate', 'rogue-intermediate', 'rogue-root', 'rogue', 'An intermediate under the rogue root.'),
      'rogue-leaf': leaf('rogue-leaf', 'rogue-intermediate', 'rogue', `A rogue certificate for ${hosts.join(', ')}: valid, trusted, not pinned.`),
      'vendor-root': root('pinprick Vendor Root CA', 'vendor-root', 'vendor', true, 'Another trusted commercial CA.'),
      'vendor-intermediate': intermediate('pinprick Vendor Intermediate', 'vendor-intermediate', 'vendor-root', 'vendor', 'The other CA\'s issuing intermediate.'),
      'untrusted-root': root('pinprick Untrusted Root CA', 'untrusted-root', 'untrusted', false, 'A root that is in no trust store.'),
    },
  };
}
