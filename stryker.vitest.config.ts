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
    include: ['test/model/*.test.ts', 'test/harness/classify.test.ts', 'test/harness/diagnosis.test.ts'],
  },
});
