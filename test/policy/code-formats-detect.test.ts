/**
 * Every fixture of the code and server formats is recognised as its own format by the registry,
 * and no other format claims it (detection decides `pinprick lint FILE` without --format).
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FORMAT_MODULES, detectFormat } from '../../src/policy/registry.js';
import { fixtureText } from './helpers.js';

const FORMATS = ['okhttp', 'hpkp', 'curl', 'react-native', 'approov'] as const;
const rows = FORMATS.flatMap((format) => readdirSync(new URL(`./fixtures/${format}/`, import.meta.url)).map((name) => [format, name] as const));

describe('detecting the format of each fixture', () => {
  it.each(rows)('%s/%s', (format, name) => {
    const text = fixtureText(format, name);
    expect(detectFormat(`app/${name}`, text)).toBe(format);
    const others = FORMAT_MODULES.filter((m) => m.format !== format && m.detect(`app/${name}`, text) >= 0.5).map((m) => m.format);
    expect(others).toEqual([]);
  });
});
