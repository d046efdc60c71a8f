/**
 * Shared by the pin-policy format tests: reading a fixture, and a small PKI whose chains are
 * evaluated by the model against a policy read from a file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluate, type PinPolicy, type Verdict } from '../../src/model/index.js';
import type { PolicyFormatModule, ReadPolicy } from '../../src/policy/format.js';
import { ders, NOW, TestPki, type TestCert } from '../helpers/pki.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** The text of a fixture of a format. */
export function fixtureText(format: string, name: string): string {
  return readFileSync(join(FIXTURES, format, name), 'utf8');
}

/** A fixture read by its module (the file name as the tests see it: `fixtures/<format>/<name>`). */
export function readFixture(module: PolicyFormatModule, name: string, replace: Record<string, string> = {}): ReadPolicy {
  let text = fixtureText(module.format, name);
  for (const [from, to] of Object.entries(replace)) {
    if (!text.includes(from)) throw new Error(`${name} does not contain ${from}`);
    text = text.replaceAll(from, to);
  }
  return module.read(`fixtures/${module.format}/${name}`, text);
}

/** A genuine hierarchy for some host names and a rogue one (a trusted CA that is not pinned: DigiNotar). */
export interface TwoChains {
  root: TestCert;
  int: TestCert;
  leaf: TestCert;
  rogueRoot: TestCert;
  rogueLeaf: TestCert;
}

/** Both chains issue leaves for every host in `hosts`, valid around `now` (the model tests' clock; real clients need the real one). */
export async function twoChains(hosts: string[], now: Date = NOW): Promise<TwoChains> {
  const pki = new TestPki(now);
  const root = await pki.root('CN=Northwind Test Root');
  const int = await pki.intermediate('CN=Northwind Test Intermediate', root);
  const leaf = await pki.leaf(hosts, int);
  const rogueRoot = await pki.root('CN=Rogue Trusted Root');
  const rogueInt = await pki.intermediate('CN=Rogue Intermediate', rogueRoot);
  const rogueLeaf = await pki.leaf(hosts, rogueInt);
  return { root, int, leaf, rogueRoot, rogueLeaf: { ...rogueLeaf, issuer: rogueInt } };
}

/** The verdict of a correct client with `policy` for `host` on the genuine or the rogue chain (both roots trusted). */
export function verdictFor(chains: TwoChains, policy: PinPolicy, host: string, which: 'genuine' | 'rogue', at: Date = NOW): Verdict {
  const presented = which === 'genuine' ? [chains.leaf, chains.int] : [chains.rogueLeaf, chains.rogueLeaf.issuer!];
  return evaluate({ presented: ders(...presented), anchors: ders(chains.root, chains.rogueRoot), host, at, policy });
}
