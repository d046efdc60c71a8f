/**
 * Path building, as a specification: which candidate paths exist, in which order, which one is
 * chosen. Outcomes are cross-checked with openssl verify where OpenSSL builds the same path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, MAX_CANDIDATE_PATHS, MAX_PATH_LENGTH, type ModelInput, type Verdict } from '../../src/model/index.js';
import { generateKey } from '../../src/world/keys.js';
import { name } from '../helpers/der-builder.js';
import { PemFolder } from '../helpers/openssl-verify.js';
import { caExtensions, ders, leafExtensions, NOW, opensslOutcome, rawIssue, TestPki, type TestCert } from '../helpers/pki.js';
import { tempDir } from '../helpers/tmp.js';

const tmp = tempDir();
const files = new PemFolder(tmp.path);
afterAll(() => tmp.cleanup());
const pki = new TestPki();
const HOST = 'api.example';

let root: TestCert;
let int: TestCert;
let leaf: TestCert;
let stranger: TestCert;

beforeAll(async () => {
  root = await pki.root('CN=Path Root');
  int = await pki.intermediate('CN=Path Intermediate', root);
  leaf = await pki.leaf(HOST, int);
  stranger = await pki.root('CN=Unrelated Root');
});

function input(presented: TestCert[], anchors: TestCert[], more: Partial<ModelInput> = {}): ModelInput {
  return { presented: ders(...presented), anchors: ders(...anchors), host: HOST, at: NOW, ...more };
}

/** Each path as `subject(source)` strings, leaf first: `p0` presented index 0, `a1` anchor index 1. */
function shape(v: Verdict): string[][] {
  return v.paths.map((p) =>
    p.certificates.map((c) => `${c.subject.replace(/^CN=/, '')}(${c.source === 'anchor' ? `a${c.anchorIndex}` : c.anchorIndex !== undefined ? `p${c.presentedIndex}=a${c.anchorIndex}` : `p${c.presentedIndex}`})`),
  );
}

/** The model's validation outcome must be openssl's. */
function agreesWithOpenssl(inp: ModelInput): void {
  const v = evaluate(inp);
  const o = opensslOutcome(files, inp);
  expect(o.code, o.output).toBe(v.validation.code);
}

describe('the presented list: order, duplicates and extras', () => {
  it.each([
    ['in order', () => [leaf, int]],
    ['reversed, with the root appended', () => [leaf, root, int]],
    ['with duplicates of every certificate', () => [leaf, int, int, leaf, int]],
    ['with unrelated extras around the intermediate', () => [leaf, stranger, int, stranger]],
  ])('%s: one path, leaf -> intermediate -> anchor', (_what, presented) => {
    const inp = input(presented(), [root]);
    const v = evaluate(inp);
    expect(v.paths).toHaveLength(1);
    expect(v.paths[0]!.certificates.map((c) => c.subject)).toEqual([`CN=${HOST}`, 'CN=Path Intermediate', 'CN=Path Root']);
    expect(v.paths[0]!.certificates.map((c) => c.source)).toEqual(['presented', 'presented', 'anchor']);
    expect(v.code).toBe('ok');
    agreesWithOpenssl(inp);
  });

  it('a presented copy of a trusted root ends the path at that anchor (trusted first): the anchor\'s own certificate is used', () => {
    const v = evaluate(input([leaf, int, root], [root]));
    expect(shape(v)).toEqual([[`${HOST}(p0)`, 'Path Intermediate(p1)', 'Path Root(a0)']]);
  });

  it('the leaf itself in the anchors: a path of one', async () => {
    const self = await pki.issue(`CN=${HOST}`, 'self', { dns: [HOST], keyUsage: ['digitalSignature'] });
    const v = evaluate(input([self, stranger], [root, self]));
    expect(shape(v)).toEqual([[`${HOST}(p0=a1)`]]);
    expect(v.code).toBe('ok');
  });
});

describe('cross-signed intermediates: same name and key, two issuers', () => {
  let oldRoot: TestCert;
  let newRoot: TestCert;
  let viaNew: TestCert;
  let viaOld: TestCert;
  let crossLeaf: TestCert;
  beforeAll(async () => {
    oldRoot = await pki.root('CN=Old Root');
    newRoot = await pki.root('CN=New Root');
    viaNew = await pki.intermediate('CN=Cross Intermediate', newRoot);
    viaOld = await pki.intermediate('CN=Cross Intermediate', oldRoot, { subjectKey: viaNew.key });
    crossLeaf = await pki.leaf(HOST, viaNew);
  });

  it('the store holds only the old root: the path goes through the cross-signed copy; the dead end is listed after it', () => {
    const inp = input([crossLeaf, viaNew, viaOld], [oldRoot]);
    const v = evaluate(inp);
    expect(shape(v)).toEqual([
      [`${HOST}(p0)`, 'Cross Intermediate(p2)', 'Old Root(a0)'],
      [`${HOST}(p0)`, 'Cross Intermediate(p1)'],
    ]);
    expect(v.paths.map((p) => p.result.code)).toEqual(['ok', 'untrusted']);
    // A client that does not backtrack (OpenSSL) takes the first presented issuer, p1, and is stuck
    // there: untrusted, as openssl verify says; one that backtracks (Go, the JVM) finds p2: either.
    expect(v).toMatchObject({ expected: 'either', code: 'untrusted', chosenPath: 1, either: { divergence: 'backtracking', lenient: { code: 'ok' } } });
    agreesWithOpenssl(inp);
    // Sent the other way round, the first choice is the one that works: every client accepts.
    const reordered = input([crossLeaf, viaOld, viaNew], [oldRoot]);
    expect(evaluate(reordered)).toMatchObject({ expected: 'accept', code: 'ok', chosenPath: 0 });
    agreesWithOpenssl(reordered);
  });

  it('the store holds only the new root: the path goes through the new copy', () => {
    const inp = input([crossLeaf, viaNew, viaOld], [newRoot]);
    const v = evaluate(inp);
    expect(shape(v)[0]).toEqual([`${HOST}(p0)`, 'Cross Intermediate(p1)', 'New Root(a0)']);
    expect(v.code).toBe('ok');
    agreesWithOpenssl(inp);
  });

  it('the store holds both: two complete paths in presented order, both valid, the first chosen', () => {
    const v = evaluate(input([crossLeaf, viaNew, viaOld], [oldRoot, newRoot]));
    expect(shape(v)).toEqual([
      [`${HOST}(p0)`, 'Cross Intermediate(p1)', 'New Root(a1)'],
      [`${HOST}(p0)`, 'Cross Intermediate(p2)', 'Old Root(a0)'],
    ]);
    expect(v.paths.every((p) => p.result.ok)).toBe(true);
    expect(v.chosenPath).toBe(0);
  });
});

describe('a root cross-signed by an older root (ISRG Root X1 by DST Root CA X3, 2021)', () => {
  let isrg: TestCert;
  let isrgCross: TestCert;
  let dst: TestCert;
  let dstExpired: TestCert;
  let r3: TestCert;
  let leLeaf: TestCert;
  beforeAll(async () => {
    const dstKey = await generateKey('ec-p256');
    dst = await pki.root('CN=DST Root CA X3', { subjectKey: dstKey, notBefore: '-15y', notAfter: '+5y' });
    dstExpired = await pki.root('CN=DST Root CA X3', { subjectKey: dstKey, notBefore: '-20y', notAfter: '-30d' });
    isrg = await pki.root('CN=ISRG Root X1');
    isrgCross = await pki.issue('CN=ISRG Root X1', dst, { subjectKey: isrg.key, ca: true, keyUsage: ['keyCertSign', 'cRLSign'], notBefore: '-1y', notAfter: '+3y' });
    r3 = await pki.intermediate('CN=R3', isrg);
    leLeaf = await pki.leaf(HOST, r3);
  });
  const served = () => [leLeaf, r3, isrgCross];

  it('a client that trusts only a valid DST root builds leaf -> R3 -> ISRG (cross) -> DST', () => {
    const inp = input(served(), [dst]);
    const v = evaluate(inp);
    expect(shape(v)).toEqual([[`${HOST}(p0)`, 'R3(p1)', 'ISRG Root X1(p2)', 'DST Root CA X3(a0)']]);
    expect(v.code).toBe('ok');
    agreesWithOpenssl(inp);
  });

  it('once DST has expired, a client that trusts only DST rejects: the anchor itself expired', () => {
    const inp = input(served(), [dstExpired]);
    const v = evaluate(inp);
    expect(v).toMatchObject({ code: 'expired', validation: { depth: 3 } });
    agreesWithOpenssl(inp);
  });

  it('a client that also trusts ISRG Root X1 stops at it (trusted first): the expired DST path is never built', () => {
    for (const anchors of [[dstExpired, isrg], [isrg, dstExpired]]) {
      const inp = input(served(), anchors);
      const v = evaluate(inp);
      expect(shape(v)).toEqual([[`${HOST}(p0)`, 'R3(p1)', `ISRG Root X1(a${anchors.indexOf(isrg)})`]]);
      expect(v.code).toBe('ok');
      agreesWithOpenssl(inp);
    }
  });
});

describe('issuer matching: names compared canonically, key identifiers when both exist', () => {
  it('an issuer Name that differs from the CA\'s subject only in case, spacing and string type still chains (RFC 5280 7.1)', async () => {
    const ca = await rawIssue({ subject: 'CN=Model Intermediate, O=pinprick tests', issuer: root, extensions: caExtensions([], 0) });
    const l = await rawIssue({
      subject: `CN=${HOST}`,
      issuer: ca,
      issuerName: name([['CN', '  model   INTERMEDIATE '], ['O', 'PINPRICK tests']], { string: 'printable' }),
      extensions: leafExtensions({ dns: [HOST] }),
    });
    const inp = input([l, ca], [root]);
    expect(evaluate(inp).code).toBe('ok');
    agreesWithOpenssl(inp);
  });

  it('a Name that differs in a real character does not chain', async () => {
    const l = await rawIssue({ subject: `CN=${HOST}`, issuer: int, issuerName: name([['CN', 'Path Intermediate 2']]), extensions: leafExtensions({ dns: [HOST] }) });
    const v = evaluate(input([l, int], [root]));
    expect(v).toMatchObject({ code: 'untrusted', paths: [{ complete: false }] });
  });

  it('two intermediates share a name: the authority key identifier picks the right one, the other is not even tried', async () => {
    const other = await pki.intermediate('CN=Path Intermediate', root);
    const inp = input([leaf, other, int], [root]);
    const v = evaluate(inp);
    expect(shape(v)).toEqual([[`${HOST}(p0)`, 'Path Intermediate(p2)', 'Path Root(a0)']]);
    agreesWithOpenssl(inp);
  });

  it('without key identifiers both are candidates: the first fails its signature; only a backtracking client goes on to the right one', async () => {
    const other = await pki.intermediate('CN=Path Intermediate', root);
    const noAki = await pki.leaf(HOST, int, { aki: false });
    const inp = input([noAki, other, int], [root]);
    const v = evaluate(inp);
    expect(v.paths.map((p) => p.result.code)).toEqual(['bad-signature', 'ok']);
    // OpenSSL matches issuers by name (and key identifiers when present), never by signature, so it
    // takes the first and fails: certificate signature failure (7), as openssl verify says.
    expect(v).toMatchObject({ expected: 'either', code: 'bad-signature', chosenPath: 0, either: { divergence: 'backtracking', lenient: { code: 'ok' } } });
    // (-x509_strict also reports the missing authority key identifier, 85, first.)
    expect(opensslOutcome(files, inp).output).toMatch(/error 7 at 0 depth lookup: certificate signature failure/);
    expect(evaluate({ ...inp, platform: 'go' })).toMatchObject({ expected: 'accept', code: 'ok', chosenPath: 1 });
    expect(evaluate({ ...inp, platform: 'openssl' })).toMatchObject({ expected: 'reject', code: 'bad-signature', chosenPath: 0 });
  });
});

describe('bounds: loops, length, number of paths', () => {
  it('two CAs that certify each other make no loop: the search ends at a dead end', async () => {
    const aKey = await generateKey('ec-p256');
    const bKey = await generateKey('ec-p256');
    const aSelf = await pki.root('CN=Loop A', { subjectKey: aKey });
    const b = await pki.intermediate('CN=Loop B', aSelf, { subjectKey: bKey, pathLen: undefined });
    const a = await pki.intermediate('CN=Loop A', b, { subjectKey: aKey, pathLen: undefined });
    const l = await pki.leaf(HOST, a);
    const v = evaluate(input([l, a, b], [root]));
    expect(shape(v)).toEqual([[`${HOST}(p0)`, 'Loop A(p1)', 'Loop B(p2)']]);
    expect(v.code).toBe('untrusted');
  });

  it(`a path longer than ${MAX_PATH_LENGTH} certificates is not followed`, async () => {
    let issuer = root;
    const chain: TestCert[] = [];
    for (let n = 1; n <= MAX_PATH_LENGTH - 1; n++) {
      issuer = await pki.intermediate(`CN=Level ${n}`, issuer, { pathLen: undefined });
      chain.unshift(issuer);
    }
    const v = evaluate(input([await pki.leaf(HOST, issuer), ...chain], [root]));
    // The depth at fault is the last certificate followed (mutation testing).
    expect(v).toMatchObject({ code: 'untrusted', paths: [{ complete: false }], validation: { depth: MAX_PATH_LENGTH - 1 } });
    expect(v.reason).toBe(`No trust anchor within ${MAX_PATH_LENGTH} certificates of the leaf.`);
    // One level less fits: leaf + 8 intermediates + root = 10.
    const fits = evaluate(input([await pki.leaf(HOST, chain[1]!), ...chain.slice(1)], [root]));
    expect(fits.code).toBe('ok');
  });

  it(`at most ${MAX_CANDIDATE_PATHS} candidate paths are enumerated`, async () => {
    const copies: TestCert[] = [];
    for (let n = 0; n < MAX_CANDIDATE_PATHS + 6; n++) copies.push(await rawIssue({ subject: 'CN=Path Intermediate', issuer: root, subjectKey: int.key, extensions: caExtensions([], 0) }));
    const v = evaluate(input([leaf, ...copies], [root]));
    expect(v.paths).toHaveLength(MAX_CANDIDATE_PATHS);
    expect(v.code).toBe('ok');
  });
});
