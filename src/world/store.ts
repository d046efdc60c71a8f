import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorldError } from '../errors.js';
import { signatureAlgorithmName } from './der.js';
import { describeKey, privateKeyFromPem, type KeyType } from './keys.js';
import { pemOf } from './pem.js';
import { MANIFEST_FORMAT, type Manifest } from './manifest.js';
import { defaultWorldSpec, hostProblem, type WorldSpec } from './spec.js';
import { materializeWorld, type ExistingMaterial, type World } from './world.js';

/**
 * Where worlds live when nobody says: `certs/` at the top of the pinprick package, so every
 * invocation (npm start, the CLI from any directory, tests of a clone) shares one world and the
 * pins baked into a client keep matching. `PINPRICK_CERTS` or `--certs-dir` override it.
 */
export function defaultCertsDir(): string {
  if (process.env.PINPRICK_CERTS) return resolve(process.env.PINPRICK_CERTS);
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'certs');
}

/** Options for {@link openWorld}. */
export interface OpenWorldOptions {
  /** Folder that holds one sub-folder per world (default {@link defaultCertsDir}). */
  certsDir?: string;
  /** World name (default `default`). */
  name?: string;
  /** Hosts for the genuine leaf; default: what the world was made with, else `api.pinprick.test`. */
  hosts?: string[];
  /** Key type of every key; default: what the world was made with, else ec-p256. */
  keyType?: KeyType;
  /** Deterministic generation: same seed, same keys and pins on any machine. */
  seed?: string;
  /** Throw away the world on disk and generate a new one (every pin changes). */
  force?: boolean;
  /** Fail instead of generating anything (for read-only commands). */
  mustExist?: boolean;
  /** Injected clock. */
  now?: Date;
}

/** A world opened from disk, with what had to be generated for it. */
export interface OpenedWorld {
  world: World;
  dir: string;
  manifest: Manifest;
  /** True when nothing existed and the whole world was generated. */
  created: boolean;
  generatedKeys: string[];
  issuedCerts: string[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Folder of one world. */
export function worldDir(certsDir: string, name: string): string {
  if (!NAME.test(name)) throw new WorldError(`bad world name '${name}': use letters, digits, '.', '_' or '-' (at most 64)`);
  return join(certsDir, name);
}

/**
 * Open a world, generating only what is missing. Loading a complete world generates nothing;
 * concurrent openers (parallel tests, harness workers) are serialised by a lock folder.
 */
export async function openWorld(options: OpenWorldOptions = {}): Promise<OpenedWorld> {
  const certsDir = resolve(options.certsDir ?? defaultCertsDir());
  const name = options.name ?? 'default';
  const dir = worldDir(certsDir, name);
  const now = options.now ?? new Date();
  const manifestPath = join(dir, 'manifest.json');

  // Before anything is written: a host that is not a DNS name or IP address never reaches a manifest.
  const badHost = hostsProblem(options.hosts);
  if (badHost) throw new WorldError(`hosts${badHost}`);
  if (options.mustExist && !existsSync(manifestPath)) {
    throw new WorldError(`world '${name}' does not exist in ${certsDir}; create it with: pinprick world init --world ${name}`);
  }
  mkdirSync(certsDir, { recursive: true });
  return withLock(join(certsDir, `.${name}.lock`), async () => {
    if (options.force) rmSync(dir, { recursive: true, force: true });
    const stored = existsSync(manifestPath) ? readManifest(manifestPath) : undefined;
    const seedDigest = options.seed === undefined ? undefined : createHash('sha256').update(options.seed).digest('hex');
    if (stored && options.seed !== undefined && stored.seedDigest !== seedDigest) {
      throw new WorldError(
        `world '${name}' in ${certsDir} was generated ${stored.seeded ? 'with another seed' : 'without a seed'}; use --force to regenerate it from this seed, or another --world name`,
      );
    }
    // A manifest edited by hand is checked as --hosts is (given hosts replace its own).
    const storedProblem = options.hosts?.length ? undefined : hostsProblem(stored?.hosts);
    if (storedProblem) throw new WorldError(`${manifestPath}: hosts${storedProblem}; fix it there, or give the hosts again with pinprick world init --hosts`);
    const spec = defaultWorldSpec({ name, hosts: options.hosts ?? stored?.hosts, keyType: options.keyType ?? stored?.keyType });
    const existing = stored ? readMaterial(dir, stored) : undefined;
    if (stored?.seeded && options.seed === undefined && missingKeys(spec, existing)) {
      throw new WorldError(`world '${name}' is seeded and lacks keys of this version's layout; pass the same --seed to complete it, or --force`);
    }
    const built = await materializeWorld(spec, { now, seed: options.seed, existing, seeded: stored?.seeded });
    const changed = built.generatedKeys.length + built.issuedCerts.length > 0;
    const manifest = changed || !stored ? writeWorld(dir, built.world, stored, seedDigest ?? stored?.seedDigest, now) : stored;
    return { world: built.world, dir, manifest, created: !stored, generatedKeys: built.generatedKeys, issuedCerts: built.issuedCerts };
  });
}

/** `[i] "bad host": why`, for the first host that is not a DNS name or IP address (see hostProblem); undefined when all are fine. */
function hostsProblem(hosts: unknown): string | undefined {
  if (hosts === undefined) return undefined;
  if (!Array.isArray(hosts)) return ': expected a list of host names';
  for (const [i, host] of hosts.entries()) {
    const problem = typeof host === 'string' ? hostProblem(host) : `${JSON.stringify(host)}: not a string`;
    if (problem) return `[${i}] ${problem}`;
  }
  return undefined;
}

function missingKeys(spec: WorldSpec, existing: ExistingMaterial | undefined): boolean {
  return Object.keys(spec.keys).some((k) => !existing?.keys.has(k));
}

function readManifest(path: string): Manifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new WorldError(`${path}: not valid JSON (${(err as Error).message}); delete the world folder or use --force`);
  }
  const m = parsed as Partial<Manifest>;
  if (m?.format !== MANIFEST_FORMAT || typeof m.keys !== 'object' || typeof m.certificates !== 'object') {
    throw new WorldError(`${path}: not a ${MANIFEST_FORMAT} manifest; use --force to regenerate the world`);
  }
  return m as Manifest;
}

function readMaterial(dir: string, manifest: Manifest): ExistingMaterial {
  const keys = new Map<string, KeyObject>();
  for (const [name, entry] of Object.entries(manifest.keys)) {
    const file = join(dir, entry.file);
    if (!existsSync(file)) continue;
    try {
      keys.set(name, privateKeyFromPem(readFileSync(file)));
    } catch (err) {
      throw new WorldError(`${file}: not a private key (${(err as Error).message}); restore it or use --force`);
    }
  }
  const certs = new Map<string, { der: Buffer; recipeHash: string; x509: X509Certificate }>();
  for (const [name, entry] of Object.entries(manifest.certificates)) {
    const file = join(dir, entry.file);
    if (!existsSync(file)) continue;
    try {
      const x509 = new X509Certificate(readFileSync(file));
      certs.set(name, { der: Buffer.from(x509.raw), recipeHash: entry.recipeHash, x509 });
    } catch (err) {
      throw new WorldError(`${file}: not a certificate (${(err as Error).message}); restore it or use --force`);
    }
  }
  return { keys, certs };
}

/** Write atomically (temp file + rename) so a crash or a parallel reader never sees half a file. */
function writeAtomic(path: string, data: string | Buffer, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode });
  chmodSync(tmp, mode); // the umask may have narrowed or the file may have existed
  renameSync(tmp, path);
}

function writeWorld(dir: string, world: World, stored: Manifest | undefined, seedDigest: string | undefined, now: Date): Manifest {
  mkdirSync(join(dir, 'keys'), { recursive: true, mode: 0o700 });
  chmodSync(join(dir, 'keys'), 0o700);
  mkdirSync(join(dir, 'certs'), { recursive: true });
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    name: world.name,
    hosts: [...world.hosts],
    keyType: world.spec.keyType,
    seeded: seedDigest !== undefined,
    ...(seedDigest ? { seedDigest } : {}),
    createdAt: stored?.createdAt ?? now.toISOString(),
    updatedAt: now.toISOString(),
    keys: {},
    certificates: {},
  };
  for (const k of world.allKeys()) {
    const file = `keys/${k.name}.key.pem`;
    const path = join(dir, file);
    const pem = k.key.export({ type: 'pkcs8', format: 'pem' }) as string;
    if (!existsSync(path) || readFileSync(path, 'utf8') !== pem) writeAtomic(path, pem, 0o600);
    else if ((statSync(path).mode & 0o777) !== 0o600) chmodSync(path, 0o600);
    manifest.keys[k.name] = { ...k.def, file, algorithm: describeKey(k.key), pin: k.pin };
  }
  for (const c of world.allCerts()) {
    const file = `certs/${c.name}.pem`;
    const path = join(dir, file);
    const pem = pemOf(c.der, 'CERTIFICATE');
    if (!existsSync(path) || readFileSync(path, 'utf8') !== pem) writeAtomic(path, pem, 0o644);
    manifest.certificates[c.name] = {
      file,
      key: c.def.key,
      issuer: c.def.issuer,
      party: c.def.party,
      position: c.def.position,
      trusted: c.def.trusted,
      description: c.def.description,
      subjectName: c.x509.subject.split('\n').join(', '),
      issuerName: c.x509.issuer.split('\n').join(', '),
      serialNumber: c.x509.serialNumber,
      notBefore: new Date(c.x509.validFrom).toISOString(),
      notAfter: new Date(c.x509.validTo).toISOString(),
      signatureAlgorithm: signatureAlgorithmName(c.der),
      pin: c.pin,
      fingerprint: {
        sha256: createHash('sha256').update(c.der).digest('hex'),
        sha1: createHash('sha1').update(c.der).digest('hex'),
      },
      recipeHash: c.recipeHash,
    };
  }
  writeAtomic(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n', 0o644);
  return manifest;
}

/** Serialise world generation across processes with an atomic mkdir; a lock older than 2 min is stale. */
async function withLock<T>(lockDir: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(lockDir).mtimeMs > 120_000) rmSync(lockDir, { recursive: true, force: true });
      } catch {
        // The holder released it between our two calls: just retry.
      }
      if (Date.now() > deadline) throw new WorldError(`timed out waiting for ${lockDir}; remove it if no pinprick is running`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    return await fn();
  } finally {
    releaseLock(lockDir);
  }
}

/** Remove a lock folder. It is empty (mkdir made it), so rmdir does; a recursive rm costs ~1.5 ms on first use. */
function releaseLock(lockDir: string): void {
  try {
    rmdirSync(lockDir);
  } catch {
    // Not empty, or gone already (taken over as stale): as before.
    rmSync(lockDir, { recursive: true, force: true });
  }
}

/** Material derived from a world (a scenario's own certificates and keys), stored beside it. */
export interface OpenedDerived {
  world: World;
  dir: string;
  generatedKeys: string[];
  issuedCerts: string[];
}

/**
 * Open (or create) material derived from a world under `certs/<world>/derived/<scope>/`, in the
 * world's own format. Derived certificates may name the parent's keys and certificates; like the
 * world, what exists and still fits is reused, so a scenario presents the same chain every run.
 */
export async function openDerived(parent: OpenedWorld, scope: string, spec: WorldSpec, now: Date = new Date()): Promise<OpenedDerived> {
  const dir = worldDir(join(parent.dir, 'derived'), scope);
  mkdirSync(join(parent.dir, 'derived'), { recursive: true });
  return withLock(join(parent.dir, 'derived', `.${scope}.lock`), async () => {
    const manifestPath = join(dir, 'manifest.json');
    const stored = existsSync(manifestPath) ? readManifest(manifestPath) : undefined;
    const existing = stored ? readMaterial(dir, stored) : undefined;
    const built = await materializeWorld(spec, { now, existing, parent: parent.world, seed: undefined });
    if (built.generatedKeys.length + built.issuedCerts.length > 0 || !stored) writeWorld(dir, built.world, stored, undefined, now);
    return { world: built.world, dir, generatedKeys: built.generatedKeys, issuedCerts: built.issuedCerts };
  });
}
