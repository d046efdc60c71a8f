/**
 * The files bench/proxy.ts's server role reads, written into a temporary folder: a world of
 * `keyType` (its private keys stay in that folder), the control-genuine scenario's leaf key and
 * chain as PEM, and pinprick's answer for it (the reference servers send the same bytes).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyType } from '../../src/world/keys.js';

export async function writeServerFiles(dir: string, keyType: KeyType): Promise<void> {
  const { openWorld } = await import('../../src/world/store.js');
  const { loadCatalog, findScenario } = await import('../../src/scenario/scenario.js');
  const { presentScenario } = await import('../../src/scenario/materialize.js');
  const { pemOf } = await import('../../src/world/pem.js');
  const { scenarioAnswer } = await import('../../src/proxy/server.js');
  const opened = await openWorld({ certsDir: join(dir, 'certs'), name: keyType, keyType });
  const presented = await presentScenario(opened, findScenario(loadCatalog(opened.world.spec), 'control-genuine'));
  writeFileSync(join(dir, `${keyType}.key.pem`), presented.leafKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
  writeFileSync(join(dir, `${keyType}.chain.pem`), presented.chain.map((c) => pemOf(c.der, 'CERTIFICATE')).join(''));
  const answer = scenarioAnswer(presented.scenario);
  writeFileSync(join(dir, 'answer.json'), JSON.stringify({ headers: answer.headers, body: answer.body.toString('utf8') }));
}
