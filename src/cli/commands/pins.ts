import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { InputError } from '../../errors.js';
import { readBounded, TooLargeError, tooLargeMessage } from '../../input-files.js';
import { fetchServedChain, parseHostPort } from '../../proxy/served-chain.js';
import { CONFIG_SHAPES, type ConfigShape } from '../../dynamic/adapters.js';
import { JWS_ALGS, jwsAlgOf, type JwsAlg, type JwsSerialization } from '../../dynamic/jws.js';
import { entriesFromCertificates, entryFromKey, formatPins, formatSignedConfig, PIN_FORMATS, type PinEntry, type PinFormat } from '../../report/pin-formats.js';
import { MAX_CERTIFICATE_FILE_BYTES, NotCertificatesError, parseCertificates } from '../../world/pem.js';
import type { World } from '../../world/world.js';
import { out, warn } from '../output.js';
import { openFromArgs, type WorldArgs } from './world.js';

interface PinsArgs extends WorldArgs {
  source: string[];
  format: PinFormat;
  sha1?: boolean;
  sni?: string;
  proxy?: string;
  host?: string[];
  'include-subdomains'?: boolean;
  'max-age'?: number;
  'report-uri'?: string;
  'report-only'?: boolean;
  expiration?: string;
  timeout: number;
  'config-version'?: number;
  'config-expires'?: string;
  alg: JwsAlg;
  serialization: JwsSerialization;
  shape: ConfigShape;
  device?: string;
  unpin?: string[];
  'signing-key'?: string;
}

/** The world key that signs by default for each algorithm (src/world/spec.ts). */
const SIGNING_KEYS: Record<JwsAlg, string> = { ES256: 'config-signing', EdDSA: 'config-signing-ed25519' };

/** Pins from a file: certificates (PEM bundle or DER), else a PEM private or public key; and the certificates read. */
function entriesFromFile(path: string): { entries: PinEntry[]; certs: X509Certificate[] } {
  if (statSync(path).isDirectory()) throw new InputError(`${path}: is a folder, expected a PEM or DER file`);
  let data: Buffer;
  try {
    data = readBounded(path, MAX_CERTIFICATE_FILE_BYTES);
  } catch (err) {
    if (err instanceof TooLargeError) throw new InputError(tooLargeMessage(path, 'a certificate or key file', err));
    throw new InputError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    const certs = parseCertificates(data);
    return { entries: entriesFromCertificates(certs, path), certs };
  } catch (err) {
    if (!(err instanceof NotCertificatesError)) throw err;
    const key = readKey(data);
    if (key) return { entries: [entryFromKey(key, path, path)], certs: [] };
    throw new InputError(`${path}: not a certificate or key (${err.message}); expected PEM or DER`);
  }
}

function readKey(data: Buffer): KeyObject | undefined {
  for (const read of [() => createPublicKey(data), () => createPrivateKey(data), () => createPublicKey({ key: data, format: 'der', type: 'spki' })]) {
    try {
      return read();
    } catch {
      // try the next encoding
    }
  }
  return undefined;
}

function entriesFromWorld(world: World, name: string): PinEntry[] {
  const source = `world:${name}`;
  if (world.hasCert(name)) {
    const [entry] = entriesFromCertificates([world.cert(name).x509], source);
    return [{ ...entry!, index: undefined, name }];
  }
  if (world.hasKey(name)) return [entryFromKey(world.key(name).key, name, source)];
  const names = [...new Set([...world.allCerts().map((c) => c.name), ...world.allKeys().map((k) => k.name)])];
  throw new InputError(`'${name}' is not a certificate or key of world '${world.name}' (names: ${names.join(', ')})`);
}

function firstDnsName(entries: PinEntry[], certs: Map<PinEntry, X509Certificate>): string | undefined {
  for (const e of entries) {
    const san = certs.get(e)?.subjectAltName;
    const dns = san && /DNS:([^,\s]+)/.exec(san)?.[1];
    if (dns) return dns;
  }
  return undefined;
}

const pins: CommandModule<WorldArgs, PinsArgs> = {
  command: 'pins <source..>',
  describe: 'Compute RFC 7469 pins (base64 SHA-256 of the SubjectPublicKeyInfo) and print them for a client',
  builder: (y) =>
    y
      .positional('source', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'A PEM/DER file (certificate, chain or key), a live TLS endpoint host:port, or a world certificate/key name (world:NAME or NAME)',
      })
      .option('format', { alias: 'f', choices: PIN_FORMATS, default: 'plain' as PinFormat, describe: 'Output format' })
      .option('sha1', { type: 'boolean', describe: 'Add legacy SHA-1 pins where the format has a place for them' })
      .option('sni', { type: 'string', describe: 'Server name to send to a live endpoint (default: its host)' })
      .option('proxy', { type: 'string', describe: 'Reach the live endpoint through this HTTP proxy (host:port, CONNECT)' })
      .option('host', { type: 'string', array: true, describe: 'Host(s) the snippet pins (default: the endpoint, the world hosts, or the leaf SAN)' })
      .option('include-subdomains', { type: 'boolean', describe: 'HPKP includeSubDomains, Android includeSubdomains, TrustKit TSKIncludeSubdomains' })
      .option('max-age', { type: 'number', describe: 'HPKP max-age in seconds (default 5184000 = 60 days)' })
      .option('report-uri', { type: 'string', describe: 'HPKP report-uri / TrustKit TSKReportUris' })
      .option('report-only', { type: 'boolean', describe: 'HPKP Public-Key-Pins-Report-Only / TrustKit TSKEnforcePinning=false' })
      .option('expiration', { type: 'string', describe: 'Pin-set expiration YYYY-MM-DD for the formats that have one (android, trustkit, react-native, pinprick; default: one year from today)' })
      .option('timeout', { type: 'number', default: 10000, describe: 'Live endpoint timeout in ms' })
      .option('config-version', { type: 'number', describe: 'signed-config: the version, a whole number that only grows (default: the issue time in seconds)' })
      .option('config-expires', { type: 'string', describe: 'signed-config: expiry, YYYY-MM-DD or an ISO 8601 instant (default: 30 days from now)' })
      .option('alg', { choices: JWS_ALGS, default: 'ES256' as JwsAlg, describe: 'signed-config: ES256 (world key config-signing) or EdDSA (config-signing-ed25519)' })
      .option('serialization', { choices: ['compact', 'json'] as const, default: 'compact' as JwsSerialization, describe: 'signed-config, shape jws: JWS compact or flattened JSON serialisation' })
      .option('shape', { choices: CONFIG_SHAPES, default: 'jws' as ConfigShape, describe: 'signed-config: pinprick JWS, an Approov map with a detached signature, or a dynapins answer' })
      .option('device', { type: 'string', describe: 'signed-config: restrict the configuration to this device id (per-device pentest override)' })
      .option('unpin', { type: 'string', array: true, describe: 'signed-config: host(s) written as explicitly not pinned (pinning: false)' })
      .option('signing-key', { type: 'string', describe: 'signed-config: the world key that signs (default by --alg; config-signing-rogue makes an attacker\'s configuration)' })
      .example('$0 pins chain.pem', 'Pins of every certificate in a PEM bundle, in file order')
      .example('$0 pins example.com:443 --format okhttp', 'The chain as served, as an OkHttp CertificatePinner')
      .example('$0 pins 127.0.0.1:8443 --sni api.pinprick.test --format curl', 'curl --pinnedpubkey for a local endpoint')
      .example('$0 pins api.pinprick.test:443 --proxy 127.0.0.1:8080', 'Through an HTTP CONNECT proxy')
      .example('$0 pins genuine-intermediate backup-1 --format android', 'World pins as a Network Security Config pin-set')
      .example('$0 pins genuine-intermediate backup-1 --format trustkit', 'TrustKit Info.plist (TSKConfiguration) with the hashes')
      .example('$0 pins genuine-intermediate backup-1 --format signed-config --config-version 7', 'A pin configuration signed with the world key config-signing (JWS ES256)')
      .example('$0 pins world:config-signing --format public-key', 'The public key an app embeds to verify signed configurations (PEM, pin, kid)'),
  handler: async (args) => {
    const entries: PinEntry[] = [];
    const certOf = new Map<PinEntry, X509Certificate>();
    let world: World | undefined;
    const hosts: string[] = [];
    for (const source of args.source) {
      const explicitWorld = source.startsWith('world:');
      const endpoint = !explicitWorld && !existsSync(source) ? parseHostPort(source) : undefined;
      if (!explicitWorld && existsSync(source)) {
        const { entries: found, certs } = entriesFromFile(source);
        found.forEach((e, i) => certs[i] && certOf.set(e, certs[i]!));
        entries.push(...found);
      } else if (endpoint) {
        const proxy = args.proxy === undefined ? undefined : parseHostPort(args.proxy);
        if (args.proxy !== undefined && !proxy) throw new InputError(`--proxy '${args.proxy}': expected host:port`);
        const served = await fetchServedChain({ ...endpoint, sni: args.sni, proxy, timeoutMs: args.timeout });
        const certs = served.certificates.map((der) => new X509Certificate(der));
        const found = entriesFromCertificates(certs, source);
        if (args.format === 'plain') {
          out(`# ${source} served ${certs.length} certificate${certs.length === 1 ? '' : 's'} (${served.protocol}, ${served.cipher}${served.servername ? `, SNI ${served.servername}` : ''}), in the order sent:`);
        }
        entries.push(...found);
        hosts.push(args.sni ?? endpoint.host);
      } else if (explicitWorld || /^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(source)) {
        world ??= (await openFromArgs(args)).world;
        entries.push(...entriesFromWorld(world, explicitWorld ? source.slice('world:'.length) : source));
        hosts.push(...world.hosts);
      } else {
        throw new InputError(`${source}: no such file (and not a host:port or a world name)`);
      }
    }
    const chosenHosts = args.host?.length ? args.host : hosts.length ? [...new Set(hosts)] : [firstDnsName(entries, certOf) ?? 'example.com'];
    if (args.format === 'signed-config') {
      world ??= (await openFromArgs(args)).world;
      out(signedConfig(args, world, entries, chosenHosts).text);
      return;
    }
    const expiration = args.expiration ?? new Date(Date.now() + 365 * 86400e3).toISOString().slice(0, 10);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(expiration)) throw new InputError(`--expiration '${args.expiration}': expected YYYY-MM-DD`);
    const result = formatPins(args.format, entries, {
      hosts: chosenHosts,
      sha1: args.sha1,
      includeSubdomains: args['include-subdomains'],
      maxAge: args['max-age'],
      reportUri: args['report-uri'],
      reportOnly: args['report-only'],
      expiration,
    });
    out(result.text);
    for (const w of result.warnings) warn(w);
  },
};

/** `--format signed-config`: the pins signed with a world config-signing key; warnings printed here. */
function signedConfig(args: PinsArgs, world: World, entries: PinEntry[], hosts: string[]): { text: string } {
  const now = new Date();
  const keyName = args['signing-key'] ?? SIGNING_KEYS[args.alg];
  if (!world.hasKey(keyName)) throw new InputError(`--signing-key '${keyName}': not a key of world '${world.name}'`);
  const signer = world.key(keyName).key;
  const alg = jwsAlgOf(signer);
  if (alg !== args.alg) throw new InputError(`--signing-key '${keyName}' is ${world.key(keyName).def.type}, which signs ${alg ?? 'no JWS algorithm pinprick uses'}, not --alg ${args.alg}`);
  const expires = args['config-expires'];
  const expiresAt = expires === undefined ? new Date(now.getTime() + 30 * 86400e3) : new Date(/^\d{4}-\d{2}-\d{2}$/.test(expires) ? `${expires}T00:00:00Z` : expires);
  if (Number.isNaN(expiresAt.getTime())) throw new InputError(`--config-expires '${expires}': expected YYYY-MM-DD or an ISO 8601 instant`);
  if (expiresAt <= now) throw new InputError(`--config-expires '${expires}' is not in the future`);
  const issuedAt = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const version = args['config-version'] ?? Math.floor(now.getTime() / 1000);
  if (!Number.isSafeInteger(version) || version < 0) throw new InputError(`--config-version '${args['config-version']}': expected a whole number, 0 or more`);
  const result = formatSignedConfig(entries, {
    hosts: hosts.filter((h) => !(args.unpin ?? []).includes(h)),
    includeSubdomains: args['include-subdomains'],
    reportOnly: args['report-only'],
    unpin: args.unpin,
    version,
    issuedAt,
    expiresAt,
    ...(args.device !== undefined ? { device: args.device } : {}),
    shape: args.shape,
    serialization: args.serialization,
    signer,
  });
  for (const w of result.warnings) warn(w);
  return result;
}

/** `pinprick pins`. */
export const pinsCommand = pins;
