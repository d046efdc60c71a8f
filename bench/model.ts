/**
 * Reference-model throughput: full evaluations (parse, path building, signatures, host, pins) of a
 * three-certificate chain per second on one core. Prints figures, asserts nothing (target: >= 3,000/s
 * for ECDSA P-256 on the project machine). Run: npx tsx bench/model.ts
 */
import { createPublicKey, sign, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { clearParseCache, evaluate, parseCertificate, type ModelInput } from '../src/model/index.js';
import { generateKey, type KeyType } from '../src/world/keys.js';
import { pinOfKey } from '../src/world/pin.js';
import { issueCertificate, type CertRecipe } from '../src/world/recipe.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const SECONDS = 2;

async function chain(keyType: KeyType): Promise<ModelInput> {
  const [rootKey, intKey, leafKey] = await Promise.all([generateKey(keyType), generateKey(keyType), generateKey(keyType)]);
  const issue = async (recipe: Partial<CertRecipe> & { subject: string }, key: KeyObject, issuerKey: KeyObject, issuer?: Buffer) =>
    issueCertificate({
      recipe: { key: 'k', issuer: issuer ? 'i' : 'self', notBefore: '-1y', notAfter: '+1y', ...recipe },
      subjectKey: key,
      issuerKey,
      ...(issuer ? { issuerCert: new X509Certificate(issuer) } : {}),
      now: NOW,
    });
  const root = await issue({ subject: 'CN=Bench Root, O=pinprick', ca: true, keyUsage: ['keyCertSign', 'cRLSign'] }, rootKey, rootKey);
  const int = await issue({ subject: 'CN=Bench Intermediate, O=pinprick', ca: true, pathLen: 0, keyUsage: ['keyCertSign'], extKeyUsage: ['serverAuth'] }, intKey, rootKey, root);
  const leaf = await issue({ subject: 'CN=api.bench.test', ca: false, dns: ['api.bench.test'], keyUsage: ['digitalSignature'], extKeyUsage: ['serverAuth'] }, leafKey, intKey, int);
  return {
    presented: [leaf, int],
    anchors: [root],
    host: 'api.bench.test',
    at: NOW,
    policy: { rules: [{ domains: [{ pattern: '**.bench.test' }], pins: [{ hash: 'sha256', value: pinOfKey(intKey).sha256, label: 'intermediate' }], enforce: true }] },
  };
}

type Mode = 'warm' | 'anchors-cached' | 'cold';

/**
 * Evaluations per second. warm: the same bytes again (parses and signature checks come from the
 * model's cache, as when one chain is replayed at many instants or against many policies);
 * anchors-cached: a chain never seen before against a known trust store (the harness case);
 * cold: nothing cached at all.
 */
function rate(input: ModelInput, mode: Mode): number {
  const once = () => {
    if (mode !== 'warm') {
      clearParseCache();
      if (mode === 'anchors-cached') input.anchors.forEach((a) => parseCertificate(a).publicKey);
    }
    const t = performance.now();
    const code = evaluate(input).code;
    const dt = performance.now() - t;
    if (code !== 'ok') throw new Error('benchmark chain does not validate');
    return dt;
  };
  for (let i = 0; i < 200; i++) once();
  let n = 0;
  let busy = 0;
  const end = performance.now() + SECONDS * 1000;
  while (performance.now() < end) {
    busy += once();
    n++;
  }
  return n / (busy / 1000);
}

console.log(`reference model: evaluations/second of a 3-certificate chain (leaf + intermediate presented, root anchored, host + pin), ${SECONDS} s per figure`);
console.log('key type  | warm (cached) | new chain, anchors cached | cold (nothing cached)');
for (const type of ['ec-p256', 'ec-p384', 'rsa-2048'] as KeyType[]) {
  const input = await chain(type);
  const figures = (['warm', 'anchors-cached', 'cold'] as Mode[]).map((m) => rate(input, m));
  console.log(`${type.padEnd(9)} | ${figures.map((r) => `${r.toFixed(0).padStart(6)}/s ${`(${(1e6 / r).toFixed(0)} µs)`.padEnd(9)}`).join(' | ')}`);
}

// The crypto floor of a new ECDSA P-256 chain on this machine: two signature checks and one key import
// (the anchor's key is cached), whatever the model does around them.
{
  const key = await generateKey('ec-p256');
  const data = Buffer.alloc(600, 7);
  const sig = sign('sha256', data, key);
  const pub = createPublicKey(key);
  const jwk = pub.export({ format: 'jwk' });
  const time = (f: () => void, n = 300) => {
    for (let i = 0; i < 30; i++) f();
    const t = performance.now();
    for (let i = 0; i < n; i++) f();
    return ((performance.now() - t) / n) * 1000;
  };
  const verifyUs = time(() => verify('sha256', data, pub, sig));
  const importUs = time(() => createPublicKey({ key: jwk, format: 'jwk' }));
  const floor = 2 * verifyUs + importUs;
  console.log(`crypto floor here: P-256 verify ${verifyUs.toFixed(0)} µs, P-256 key import ${importUs.toFixed(0)} µs -> a new ECDSA chain costs >= ${floor.toFixed(0)} µs (<= ${(1e6 / floor).toFixed(0)}/s)`);
}
console.log('target: >= 3000 ECDSA chains/s on one core, for whole batches as users run them: see bench/verify.ts');
