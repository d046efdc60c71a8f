import { X509Certificate } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/world/keys.js';
import { issueCertificate } from '../../src/world/recipe.js';
import { resolveTime } from '../../src/world/time.js';

/*
 * Found by the openssl cross-check: an ISO date-time without a zone is read as UTC (as a
 * date-only one is), so a recipe that replays a dated incident gives the same certificate in
 * every time zone.
 */
const NOW = new Date('2026-03-01T12:00:00Z');
const ORIGINAL_TZ = process.env.TZ;

afterEach(() => {
  if (ORIGINAL_TZ === undefined) delete process.env.TZ;
  else process.env.TZ = ORIGINAL_TZ;
});

describe('a zone-less ISO date-time in a recipe', () => {
  it.each(['UTC', 'America/New_York', 'Asia/Tokyo'])('resolves to the same instant (UTC, like a date-only spec) when the machine runs in %s', (tz) => {
    process.env.TZ = tz; // Node re-reads TZ when it changes, inside the running process.
    expect(resolveTime('2021-09-30', NOW).toISOString()).toBe('2021-09-30T00:00:00.000Z');
    expect(resolveTime('2021-09-30T14:01:15', NOW).toISOString()).toBe('2021-09-30T14:01:15.000Z');
  });

  it('issues the same notAfter on a machine in Tokyo as on a machine in UTC', async () => {
    process.env.TZ = 'Asia/Tokyo';
    const key = await generateKey('ec-p256');
    const der = await issueCertificate({
      recipe: { subject: 'CN=DST Root CA X3 replay', key: 'k', issuer: 'self', notBefore: '2000-09-30T21:12:19', notAfter: '2021-09-30T14:01:15', ca: true },
      subjectKey: key,
      issuerKey: key,
      now: NOW,
    });
    expect(new Date(new X509Certificate(der).validTo).toISOString()).toBe('2021-09-30T14:01:15.000Z');
  });
});
