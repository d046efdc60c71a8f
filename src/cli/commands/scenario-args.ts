import type { PresentedCert } from '../../scenario/materialize.js';
import { loadCatalog, type Scenario } from '../../scenario/scenario.js';
import { describeKey } from '../../world/keys.js';
import { defaultWorldSpec } from '../../world/spec.js';
import type { WorldArgs } from './world.js';

/** Options shared by the scenario commands. */
export interface ScenarioArgs extends WorldArgs {
  scenarios?: string[];
}

/** The catalog the options select: built-ins plus `--scenarios DIR` folders. */
export function catalogFromArgs(args: ScenarioArgs, spec = defaultWorldSpec()): Scenario[] {
  return loadCatalog(spec, { dirs: args.scenarios });
}

/** One line per certificate: position, subject, issuer, key, pin, validity. */
export function chainLines(chain: readonly PresentedCert[]): string[][] {
  return chain.map((c, i) => [
    String(i),
    c.name,
    c.x509.subject.split('\n').join(', '),
    c.x509.issuer.split('\n').join(', '),
    describeKey(c.x509.publicKey),
    c.pin.sha256,
    `${new Date(c.x509.validFrom).toISOString().slice(0, 10)}..${new Date(c.x509.validTo).toISOString().slice(0, 10)}`,
  ]);
}

