/**
 * A reader of XML property lists (Apple's PropertyList-1.0 DTD: Info.plist) that keeps where every
 * value is written, for policy readers that point lint at a line. Built on saxes, a strict XML
 * parser: malformed XML, an element the DTD does not have, or a value that is not what its element
 * says (an <integer> that is no integer, a <date> that is no ISO 8601 date) are PolicyFileErrors at
 * file:line:col. Writing a plist is src/world/mobileconfig.ts's `plistXml`, the one writer.
 */
import { SaxesParser } from 'saxes';
import { LineIndex, PolicyFileError, type SourceSpot } from './format.js';

/** Where a value is written: the `<` of its element. */
type Spot = Required<SourceSpot>;

/** A dictionary, its keys in the order written. */
export interface PlistDict {
  kind: 'dict';
  at: Spot;
  entries: PlistEntry[];
}
/** One `<key>` and its value. */
export interface PlistEntry {
  key: string;
  keyAt: Spot;
  value: PlistValue;
}
/** A string; `comment` is an XML comment written after it on the same line (`<string>…</string> <!-- backup -->`). */
export interface PlistString {
  kind: 'string';
  at: Spot;
  value: string;
  comment?: string;
}
/** One value of a property list. */
export type PlistValue =
  | PlistDict
  | { kind: 'array'; at: Spot; items: PlistValue[] }
  | PlistString
  | { kind: 'integer'; at: Spot; value: bigint }
  | { kind: 'real'; at: Spot; value: number }
  | { kind: 'boolean'; at: Spot; value: boolean }
  | { kind: 'date'; at: Spot; value: Date }
  | { kind: 'data'; at: Spot; value: Uint8Array };

/**
 * How deep values may nest. An Info.plist nests about five levels (root, NSAppTransportSecurity,
 * NSPinnedDomains, a domain, an identity list, an identity); the bound keeps a hostile file from
 * costing more than its size.
 */
export const PLIST_MAX_DEPTH = 32;

/** The value elements of the DTD. */
const VALUE_ELEMENTS = new Set(['dict', 'array', 'string', 'integer', 'real', 'true', 'false', 'date', 'data']);

/** `<integer>`: decimal, or hexadecimal as CFPropertyList also reads it. */
const INTEGER = /^[+-]?(?:\d+|0[xX][0-9a-fA-F]+)$/;
/** `<real>`: a decimal number, or what CFPropertyList writes for the IEEE specials. */
const REAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$|^[+-]?(?:inf|infinity|nan)$/i;
/** `<date>`: ISO 8601 in UTC, as CFPropertyList writes it (`2027-12-01T00:00:00Z`). */
const DATE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

/** An element being read: its name, where it starts, and what it has gathered. */
interface Frame {
  name: string;
  at: Spot;
  text: string;
  /** dict: entries so far (and their keys, for the repeated-key check) and a key waiting for its value; array and plist: values so far. */
  entries?: PlistEntry[];
  keys?: Map<string, Spot>;
  pendingKey?: { key: string; at: Spot };
  items?: PlistValue[];
}

/**
 * Read an XML property list: the value inside `<plist>` (or a root value element without the
 * `<plist>` wrapper, as plistlib also accepts). Keys repeated in one dictionary are an error: a
 * property list editor never writes them, and readers disagree on which one counts.
 */
export function readPlist(file: string, text: string): PlistValue {
  const failAt = (s: Spot, detail: string): never => {
    throw new PolicyFileError(file, s.line, s.column, detail);
  };
  const lines = new LineIndex(text);
  const fail = (offset: number, detail: string): never => failAt(lines.spot(offset), detail);
  const parser = new SaxesParser({ position: true });
  const stack: Frame[] = [];
  let root: PlistValue | undefined;
  /** The last string value closed and where it ends: a comment after it on the same line names it. */
  let lastString: { value: PlistString; end: number } | undefined;
  let tagStart = 0;

  const place = (value: PlistValue) => {
    const parent = stack[stack.length - 1];
    if (!parent) {
      root = value;
      return;
    }
    if (parent.name === 'plist' || parent.name === 'array') {
      if (parent.name === 'plist' && parent.items!.length) failAt(value.at, '<plist> holds one value; this is a second one');
      parent.items!.push(value);
      return;
    }
    // parent is a dict (only dict, array and plist take children)
    if (!parent.pendingKey) failAt(value.at, `a value in a <dict> must follow a <key>`);
    parent.entries!.push({ key: parent.pendingKey!.key, keyAt: parent.pendingKey!.at, value });
    delete parent.pendingKey;
  };

  parser.on('error', (err) => {
    const detail = err.message.replace(/^\d+:\d+: /, '').replace(/\.$/, '');
    const open = stack[stack.length - 1];
    if (/^unclosed tag/.test(detail) && open) failAt(open.at, `<${open.name}> is never closed`);
    if (/root element/.test(detail)) fail(0, 'no property list in this file');
    // saxes reports where it stopped reading; a tag it refuses is clearer at its `<`.
    const at = /close tag/.test(detail) ? text.lastIndexOf('<', parser.position - 1) : parser.position - 1;
    fail(Math.max(0, at), `malformed XML: ${detail}`);
  });
  parser.on('opentagstart', () => {
    tagStart = text.lastIndexOf('<', parser.position - 1);
  });
  parser.on('opentag', (tag) => {
    const at = lines.spot(tagStart);
    const parent = stack[stack.length - 1];
    const name = tag.name;
    if (!parent) {
      if (root !== undefined) fail(tagStart, `a property list has one root element; <${name}> is a second one`);
      if (name !== 'plist' && !VALUE_ELEMENTS.has(name)) fail(tagStart, `<${name}> is not a property list element (expected <plist>)`);
    } else if (parent.name === 'dict') {
      if (name === 'key') {
        if (parent.pendingKey) fail(tagStart, `<key>${parent.pendingKey.key}</key> has no value before this <key>`);
      } else if (!VALUE_ELEMENTS.has(name)) fail(tagStart, `<${name}> is not a property list element`);
    } else if (parent.name === 'plist' || parent.name === 'array') {
      if (!VALUE_ELEMENTS.has(name)) fail(tagStart, name === 'key' ? `<key> belongs in a <dict>, not in <${parent.name}>` : `<${name}> is not a property list element`);
    } else {
      fail(tagStart, `<${parent.name}> holds text, not <${name}>`);
    }
    if (stack.length >= PLIST_MAX_DEPTH) fail(tagStart, `values nest deeper than ${PLIST_MAX_DEPTH} levels`);
    stack.push({ name, at, text: '', ...(name === 'dict' ? { entries: [], keys: new Map() } : name === 'array' || name === 'plist' ? { items: [] } : {}) });
  });
  const addText = (t: string) => {
    const frame = stack[stack.length - 1];
    if (frame && (frame.name === 'string' || frame.name === 'key' || frame.name === 'integer' || frame.name === 'real' || frame.name === 'date' || frame.name === 'data')) {
      frame.text += t;
    } else if (t.trim()) {
      const what = !frame ? 'text outside the root element' : frame.name === 'true' || frame.name === 'false' ? `<${frame.name}/> holds nothing` : `<${frame.name}> holds elements, not text ('${t.trim().slice(0, 20)}')`;
      // The text began after the last tag's `>`; point at its first visible character.
      const start = text.lastIndexOf('>', parser.position - 2) + 1;
      fail(start + (/^\s*/.exec(text.slice(start))?.[0].length ?? 0), what);
    }
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  parser.on('comment', (comment) => {
    // `<string>…</string> <!-- label -->`: a comment on the same line as a string names it. Only
    // the first comment after a string is looked at, so the scan for a newline stays linear.
    if (lastString) {
      const start = text.lastIndexOf('<!--', parser.position - 1);
      const c = comment.trim();
      if (c && !text.slice(lastString.end, start).includes('\n')) lastString.value.comment = c;
      lastString = undefined;
    }
  });
  parser.on('closetag', () => {
    const frame = stack.pop()!;
    const end = parser.position;
    const offset = text.lastIndexOf('<', end - 1);
    let value: PlistValue | undefined;
    switch (frame.name) {
      case 'plist':
        if (!frame.items!.length) fail(offset, '<plist> holds no value');
        root = frame.items![0]!;
        return;
      case 'key': {
        const parent = stack[stack.length - 1]!;
        const first = parent.keys!.get(frame.text);
        if (first) failAt(frame.at, `the key '${frame.text}' is written twice in this <dict> (first at ${first.line}:${first.column})`);
        parent.keys!.set(frame.text, frame.at);
        parent.pendingKey = { key: frame.text, at: frame.at };
        return;
      }
      case 'dict':
        if (frame.pendingKey) fail(offset, `<key>${frame.pendingKey.key}</key> has no value`);
        value = { kind: 'dict', at: frame.at, entries: frame.entries! };
        break;
      case 'array':
        value = { kind: 'array', at: frame.at, items: frame.items! };
        break;
      case 'string': {
        const s: PlistString = { kind: 'string', at: frame.at, value: frame.text };
        lastString = { value: s, end };
        value = s;
        break;
      }
      case 'integer': {
        const t = frame.text.trim();
        if (!INTEGER.test(t)) failAt(frame.at, `<integer>${t}</integer> is not an integer`);
        const magnitude = BigInt(t.replace(/^[+-]/, '').replace(/^0X/, '0x'));
        value = { kind: 'integer', at: frame.at, value: t.startsWith('-') ? -magnitude : magnitude };
        break;
      }
      case 'real': {
        const t = frame.text.trim();
        if (!REAL.test(t)) failAt(frame.at, `<real>${t}</real> is not a number`);
        value = { kind: 'real', at: frame.at, value: /nan/i.test(t) ? NaN : /inf/i.test(t) ? (t.startsWith('-') ? -Infinity : Infinity) : Number(t) };
        break;
      }
      case 'true':
      case 'false':
        if (frame.text.trim()) failAt(frame.at, `<${frame.name}/> holds nothing`);
        value = { kind: 'boolean', at: frame.at, value: frame.name === 'true' };
        break;
      case 'date': {
        const t = frame.text.trim();
        const m = DATE.exec(t);
        const d = m ? new Date(t) : undefined;
        if (!m || !d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 19) !== t.slice(0, 19)) failAt(frame.at, `<date>${t}</date> is not a date (yyyy-MM-ddTHH:mm:ssZ)`);
        value = { kind: 'date', at: frame.at, value: d! };
        break;
      }
      case 'data': {
        const t = frame.text.replace(/\s+/g, '');
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.length % 4 === 1) failAt(frame.at, `<data> is not base64`);
        value = { kind: 'data', at: frame.at, value: new Uint8Array(Buffer.from(t, 'base64')) };
        break;
      }
    }
    place(value!);
  });
  parser.write(text).close();
  if (root === undefined) fail(text.length, 'no property list in this file');
  return root!;
}

/** The value of `key` in a dictionary. */
export function plistGet(dict: PlistDict, key: string): PlistEntry | undefined {
  return dict.entries.find((e) => e.key === key);
}

/** The name of a value's kind as a plist writes it: `<dict>`, `<true/>`. */
export function plistKindName(value: PlistValue): string {
  return value.kind === 'boolean' ? `<${value.value}/>` : `<${value.kind}>`;
}
