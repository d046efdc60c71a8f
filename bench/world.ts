/**
 * World generation and load times. Prints figures, asserts nothing (targets: cold ECDSA world
 * < 1 s, cached load < 0.3 s on the project machine). Run: npm run bench:world
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openWorld } from '../src/world/store.js';
import type { KeyType } from '../src/world/keys.js';

const ROUNDS = 3;
const storeModule = fileURLToPath(new URL('../dist/world/store.js', import.meta.url));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Cached load in a fresh Node process, as a CLI invocation pays it: module import + open. */
function freshProcessLoad(certsDir: string): number {
  const script = `const t=performance.now();const m=await import(${JSON.stringify(storeModule)});const r=await m.openWorld({certsDir:${JSON.stringify(certsDir)}});if(r.generatedKeys.length||r.issuedCerts.length)throw new Error('generated');console.log(performance.now()-t);`;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script]).toString());
}

const rows: string[][] = [];
for (const keyType of ['ec-p256', 'ec-p384', 'rsa-2048', 'rsa-3072'] as KeyType[]) {
  const cold: number[] = [];
  const warm: number[] = [];
  const fresh: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'pinprick-bench-'));
    try {
      let t = performance.now();
      await openWorld({ certsDir: dir, keyType });
      cold.push(performance.now() - t);
      t = performance.now();
      await openWorld({ certsDir: dir });
      warm.push(performance.now() - t);
      fresh.push(freshProcessLoad(dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  rows.push([keyType, median(cold).toFixed(0), median(warm).toFixed(0), median(fresh).toFixed(0)]);
}
const seededDir = mkdtempSync(join(tmpdir(), 'pinprick-bench-'));
let t = performance.now();
await openWorld({ certsDir: seededDir, keyType: 'rsa-2048', seed: 'bench' });
const seededRsa = performance.now() - t;
rmSync(seededDir, { recursive: true, force: true });

console.log(`world generation and load, median of ${ROUNDS} (ms); 15 keys, 15 certificates per world`);
console.log(['key type', 'cold generate', 'cached load (in process)', 'cached load (fresh process)'].join(' | '));
for (const r of rows) console.log(r.join(' | '));
console.log(`seeded rsa-2048 cold generate: ${seededRsa.toFixed(0)} ms`);
console.log(`targets: cold ec-p256 < 1000 ms -> ${Number(rows[0]![1]) < 1000 ? 'met' : 'MISSED'}; cached load < 300 ms -> ${Number(rows[0]![3]) < 300 ? 'met' : 'MISSED'}`);
