/**
 * PEM scanning (issue 15, finding 8): block finding and line numbers are linear in the text, and
 * find exactly the blocks the former regular expression found. No timing here: the scans are
 * checked by their results on inputs that took minutes before (bench/inputs.ts has the numbers).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/world/keys.js';
import { MAX_CERTIFICATE_FILE_BYTES, NotCertificatesError, parseCertificates, pemBlocks, pemOf } from '../../src/world/pem.js';
import { issueCertificate } from '../../src/world/recipe.js';

/** The scan as it was before issue 15: one lazy regular expression, the line recounted from the start for every block. */
function regexBlocks(text: string): { label: string; der: Buffer; line: number }[] {
  const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  return [...text.matchAll(BLOCK)].map((m) => ({ label: m[1]!, der: Buffer.from(m[2]!.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64'), line: text.slice(0, m.index).split('\n').length }));
}

let der: Uint8Array;
beforeAll(async () => {
  const key = await generateKey('ec-p256');
  der = await issueCertificate({ recipe: { subject: 'CN=pem', key: 'k', issuer: 'self', notBefore: '-1d', notAfter: '+1d', ca: true }, subjectKey: key, issuerKey: key, now: new Date() });
});

describe('pemBlocks', () => {
  it('4,000 certificates (15 s before the fix): every block found, each with the line its BEGIN is on', () => {
    const parts: string[] = [];
    let line = 1;
    const expected: number[] = [];
    for (let i = 0; i < 4000; i++) {
      const comment = i % 3 === 0 ? `# certificate ${i}\n\n` : '';
      line += comment.split('\n').length - 1;
      expected.push(line);
      const block = pemOf(der, 'CERTIFICATE');
      parts.push(comment, block);
      line += block.split('\n').length - 1;
    }
    const blocks = pemBlocks(parts.join(''));
    expect(blocks.map((b) => b.line)).toEqual(expected);
    expect(blocks.every((b) => b.label === 'CERTIFICATE' && b.der.equals(der))).toBe(true);
    expect(parseCertificates(Buffer.from(parts.join('')))).toHaveLength(4000);
  });

  it('a text of a size near the limit made of BEGIN lines that never end (quadratic for the regular expression) holds no block', () => {
    // Distinct labels, so no END search can be shared between them.
    const lines: string[] = [];
    let size = 0;
    for (let i = 0; size < MAX_CERTIFICATE_FILE_BYTES - 64; i++) {
      const l = `-----BEGIN X${i.toString(36).toUpperCase()}-----\n`;
      lines.push(l);
      size += l.length;
    }
    const text = lines.join('') + pemOf(der, 'CERTIFICATE');
    const blocks = pemBlocks(text);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]!.line).toBe(lines.length + 1);
  });

  it('property: finds exactly the blocks, labels, bytes and lines the regular expression found, on texts built of PEM fragments', () => {
    const fragment = fc.constantFrom('-----BEGIN ', '-----END ', 'CERTIFICATE', 'CERT', 'A', ' ', '-----', '------', '\n', '\r\n', 'MIIB', 'AAAA', '=', 'x', '-', 'BEGIN ', 'END ');
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 60 }), (parts) => {
        const text = parts.join('');
        expect(pemBlocks(text)).toEqual(regexBlocks(text));
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        expect(pemBlocks(text)).toEqual(regexBlocks(text));
      }),
    );
  });

  it('blocks around other blocks, nested BEGINs and labels that are prefixes of each other, as before', () => {
    const b64 = Buffer.from(der).toString('base64');
    const texts = [
      `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE REQUEST-----\n-----END CERTIFICATE-----\n`,
      `-----BEGIN A-----\n-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n-----END A-----\n-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----`,
      `-----BEGIN CERTIFICATE-----${b64}-----END CERTIFICATE-----BEGIN CERTIFICATE-----${b64}-----END CERTIFICATE-----`,
      `------BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----`,
      `-----BEGIN CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----`,
    ];
    for (const text of texts) expect(pemBlocks(text)).toEqual(regexBlocks(text));
  });
});

describe('parseCertificates', () => {
  it('names the line of a block that does not parse', () => {
    const text = `# one\n${pemOf(der, 'CERTIFICATE')}\n${pemOf(Buffer.from(der).subarray(0, 40), 'CERTIFICATE')}`;
    expect(() => parseCertificates(Buffer.from(text))).toThrow(NotCertificatesError);
    const line = text.slice(0, text.lastIndexOf('-----BEGIN')).split('\n').length;
    expect(line).toBeGreaterThan(3);
    expect(() => parseCertificates(Buffer.from(text))).toThrow(new RegExp(`^the CERTIFICATE block at line ${line} does not parse`));
  });
});
