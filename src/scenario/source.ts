import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { ScenarioError } from '../errors.js';

/** A parsed YAML (or JSON) document that can point at any of its paths as file:line:col. */
export class SourceDocument {
  private constructor(
    readonly file: string,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
    /** The plain JavaScript value of the document. */
    readonly value: unknown,
  ) {}

  /** Parse text; YAML errors become a {@link ScenarioError} at their position. */
  static parse(file: string, text: string): SourceDocument {
    const lines = new LineCounter();
    // JSON is YAML; uniqueKeys rejects duplicate keys; the alias cap stops "billion laughs" documents.
    // logLevel 'error': the loader reports through errors only, never through process warnings.
    const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, strict: true, logLevel: 'error' });
    const first = doc.errors[0];
    if (first) {
      const pos = lines.linePos(first.pos[0]);
      const message = first.code === 'MULTIPLE_DOCS' ? "a file holds one document: remove the second '---'" : first.message.split('\n')[0];
      throw new ScenarioError(file, pos.line, pos.col, `invalid YAML: ${message}`);
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      throw new ScenarioError(file, 1, 1, `invalid YAML: ${(err as Error).message.split('\n')[0]}`);
    }
    return new SourceDocument(file, doc, lines, value);
  }

  /** A ScenarioError located at `path` (or at the key of its last segment when `atKey`). */
  error(path: readonly (string | number)[], detail: string, atKey = false): ScenarioError {
    const { line, col } = this.position(path, atKey);
    const where = path.length ? `${formatPath(path)}: ` : '';
    return new ScenarioError(this.file, line, col, oneLine(`${where}${detail}`));
  }

  /** Line and column of the node at `path`, walking up to the closest existing node. */
  position(path: readonly (string | number)[], atKey = false): { line: number; col: number } {
    let node: unknown = this.doc.contents;
    let keyNode: Node | undefined;
    let best: unknown = node;
    for (const segment of path) {
      keyNode = undefined;
      if (isMap(node)) {
        const pair =
          node.items.find((p) => isPair(p) && keyString(p.key) === String(segment)) ??
          // A collection key: toJS names it by its YAML flow form, so compare without punctuation.
          node.items.find((p) => isPair(p) && !isScalar(p.key) && p.key !== null && bare(String(p.key)) === bare(String(segment)));
        if (!pair) break;
        keyNode = pair.key as Node;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment];
      } else break;
      if (!node) break;
      best = node;
    }
    const target = (atKey && keyNode ? keyNode : best) as Node | undefined;
    const offset = target?.range?.[0] ?? 0;
    const pos = this.lines.linePos(offset);
    return { line: pos.line, col: pos.col };
  }
}

/** The key as toJS names it in the plain object: null becomes '', a collection its string form. */
function keyString(key: unknown): string {
  if (key === null || key === undefined) return '';
  if (isScalar(key)) return key.value === null ? '' : String(key.value);
  return String(key);
}

function bare(text: string): string {
  return text.replace(/[\s"'[\]{},:]/g, '');
}

/** Control characters (a newline in a value or key) are escaped: an error is always one line. */
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `chain[2]`, `certificates.expired-leaf.notAfter`. */
export function formatPath(path: readonly (string | number)[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : s === '' ? `${i ? '.' : ''}(empty key)` : i === 0 ? s : `.${s}`)).join('');
}

const schemaDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// verbose: errors carry their parentSchema, so messages can list the keys and descriptions expected.
const ajv = new Ajv({ allErrors: false, strict: false, verbose: true });
const compiled = new Map<string, ValidateFunction>();

/** The JSON Schema shipped at `relativePath` from the package root, compiled once. */
function validator(relativePath: string): ValidateFunction {
  let v = compiled.get(relativePath);
  if (!v) {
    v = ajv.compile(JSON.parse(readFileSync(join(schemaDir, relativePath), 'utf8')));
    compiled.set(relativePath, v);
  }
  return v;
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `'${v.length > 40 ? v.slice(0, 40) + '…' : v}'`;
  return `${typeof v} ${String(v)}`;
}

/**
 * Check a document against a shipped JSON Schema; the first violation becomes one line that says
 * where, what was expected and what was found.
 */
export function checkSchema(source: SourceDocument, schemaPath: string): void {
  const validate = validator(schemaPath);
  if (validate(source.value)) return;
  const errors = validate.errors!;
  throw schemaError(source, pickError(source, errors));
}

/** For an anyOf, the error of the branch whose type fits the value beats the first branch's type error. */
function pickError(source: SourceDocument, errors: ErrorObject[]): ErrorObject {
  const anyOf = errors.find((e) => e.keyword === 'anyOf');
  if (anyOf) {
    const value = valueAt(source, pathOf(anyOf.instancePath));
    const fitting = errors.find((e) => e !== anyOf && e.instancePath.startsWith(anyOf.instancePath) && e.keyword !== 'type' && typeof value === 'object');
    return fitting ?? anyOf;
  }
  return errors[0]!;
}

function pathOf(instancePath: string): (string | number)[] {
  return instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function valueAt(source: SourceDocument, path: (string | number)[]): unknown {
  return path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], source.value);
}

function schemaError(source: SourceDocument, err: ErrorObject): ScenarioError {
  if (err.propertyName !== undefined) {
    return source.error([...pathOf(err.instancePath), err.propertyName], `bad name '${err.propertyName}': use lower-case letters, digits and '-'`, true);
  }
  const path = pathOf(err.instancePath);
  const actual = valueAt(source, path);
  const params = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'additionalProperties': {
      const parent = err.parentSchema as { properties?: Record<string, unknown> } | undefined;
      const known = Object.keys(parent?.properties ?? {});
      const key = String(params.additionalProperty);
      return source.error([...path, key], `unknown key '${key}'${known.length ? ` (expected one of: ${known.join(', ')})` : ''}`, true);
    }
    case 'required':
      return source.error(path, `missing required key '${String(params.missingProperty)}'`);
    case 'type':
      return source.error(path, `expected ${params.type === 'object' ? 'a mapping' : params.type === 'array' ? 'a list' : `a ${String(params.type)}`}, got ${describeValue(actual)}`);
    case 'enum':
      return source.error(path, `expected one of: ${(params.allowedValues as unknown[]).join(', ')}; got ${describeValue(actual)}`);
    case 'pattern': {
      const desc = (err.parentSchema as { description?: string } | undefined)?.description;
      return source.error(path, `${describeValue(actual)} is not valid here${desc ? ` (${desc})` : ''}; expected to match ${String(params.pattern)}`);
    }
    case 'minItems':
      return source.error(path, `expected at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}, got ${Array.isArray(actual) ? actual.length : 0}`);
    case 'maxItems':
      return source.error(path, `expected at most ${String(params.limit)} items`);
    case 'minLength':
      return source.error(path, 'expected a non-empty string');
    case 'minimum':
    case 'maximum':
      return source.error(path, `expected a number ${err.keyword === 'minimum' ? '>=' : '<='} ${String(params.limit)}, got ${describeValue(actual)}`);
    case 'propertyNames':
      return source.error(path, `bad name '${String(params.propertyName)}': use lower-case letters, digits and '-'`);
    case 'anyOf':
      return source.error(path, `expected a host name or {pattern, includeSubdomains}, got ${describeValue(actual)}`);
    default:
      return source.error(path, err.message ?? 'invalid value');
  }
}
