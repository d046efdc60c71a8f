/**
 * The vitest config `npm run mutate` runs (stryker.config.json): vitest.config.ts narrowed to the
 * focused, socket-free tests of the verdict logic, so no mutant starts a proxy or a real client.
 */
import { defineConfig } from 'vitest/config';
import base from './vitest.config';

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    // Row-against-openssl checks cannot kill a mutant (test/helpers/openssl-verify.ts).
    env: { ...base.test?.env, PINPRICK_MUTATE: '1' },
    // Each file in a fresh process, as when the mutation score was measured (npm test shares one).
    isolate: true,
    // Full row names: vitest shortens $what to 40 characters with an ellipsis, and Stryker's
    // per-test filter then matches no test, so those rows never ran against a mutant.
    chaiConfig: { ...base.test?.chaiConfig, truncateThreshold: 0 },
    // The tests that run evaluate(), matchHost() or classify() row by row: name-constraints and
    // certificate-policies too, whose rows are the only ones that reach validate.ts's platform
    // relaxations of those checks. Left out, though they reach the same code: catalog-verdicts,
    // public-roots and world (they load whole worlds or root stores per run, and every mutant of
    // validate.ts would reload them), certificate and policy (they test the parser and the pin
    // policy), and diagnosis (it imports only classify's types).
    include: [
      'test/model/{verdict,validate,hostname,path,platforms,name-constraints,certificate-policies}.test.ts',
      'test/harness/classify.test.ts',
    ],
  },
});
