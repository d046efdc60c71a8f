/**
 * The values of the expressions pin configurations are written with in program source: string
 * literals and their concatenations and templates, numbers and their products (`90 * 24 * 3600`,
 * Ruby's `60.days`), booleans, arrays (`listOf`, `arrayOf`, `List.of`, `[…]`, Java `{…}`), object
 * and hash literals, and constants declared in the same file (`val`, `const`, `final String`,
 * Ruby constants). Anything else (a call, a field of another file) is an `unknown` value carrying
 * its text, so a reader can say what it could not see instead of guessing.
 */
import { closing, type SourceLanguage, type Token, type Lexed } from './source-lexer.js';

/** A value and where it is written (offsets in the file). */
export type Value =
  | { kind: 'string'; value: string; start: number; end: number }
  | { kind: 'number'; value: number; start: number; end: number }
  | { kind: 'boolean'; value: boolean; start: number; end: number }
  | { kind: 'null'; start: number; end: number }
  | { kind: 'array'; items: Value[]; start: number; end: number }
  | { kind: 'object'; entries: Entry[]; start: number; end: number }
  | { kind: 'unknown'; text: string; start: number; end: number };

/** One entry of an object or hash literal. */
export interface Entry {
  /** The key's text, or undefined when it is computed from something not in the file. */
  key: string | undefined;
  keyStart: number;
  value: Value;
}

/** Kotlin and Java collection factories: their arguments are the elements. */
const COLLECTIONS = new Set(['arrayOf', 'listOf', 'setOf', 'mutableListOf', 'arrayListOf', 'mutableSetOf', 'hashSetOf', 'linkedSetOf', 'listOfNotNull', 'List.of', 'Set.of', 'Arrays.asList', 'Stream.of', 'ImmutableList.of', 'ImmutableSet.of']);
/** Calls that give back their receiver's value unchanged, as far as pins are concerned. */
const SAME_VALUE = new Set(['toTypedArray', 'toList', 'toSet', 'toMutableList', 'trimIndent', 'trim', 'freeze', 'to_i', 'to_s', 'to_a', 'toString', 'intern']);
/** ActiveSupport durations (Ruby on Rails): `60.days` is 5184000 seconds; a month and a year are the Gregorian averages ActiveSupport uses. */
const DURATIONS: Record<string, number> = { second: 1, seconds: 1, minute: 60, minutes: 60, hour: 3600, hours: 3600, day: 86400, days: 86400, week: 604800, weeks: 604800, fortnight: 1209600, fortnights: 1209600, month: 2629746, months: 2629746, year: 31556952, years: 31556952 };
/** Deeper than this, a literal is not a configuration (and recursion stays bounded). */
const MAX_DEPTH = 64;

/** Expressions of one lexed file, with its constants. */
export class SourceValues {
  readonly tokens: readonly Token[];
  private readonly declarations = new Map<string, number>();
  private readonly cache = new Map<string, Value>();
  private readonly resolving = new Set<string>();

  constructor(
    private readonly text: string,
    lexed: Lexed,
    private readonly language: SourceLanguage,
  ) {
    this.tokens = lexed.tokens;
    this.collectDeclarations();
  }

  /**
   * `NAME = expr` where NAME is not a member (`a.NAME = …`) and `=` is an assignment: Kotlin `val`
   * and `const val`, Java `static final String[] NAME`, JavaScript `const`, Ruby `NAME = …`. A type
   * annotation between (`val PINS: List<String> = …`, `const config: PinningOptions = …`) is
   * skipped. The first declaration of a name wins (scopes are not modelled).
   */
  private collectDeclarations(): void {
    const t = this.tokens;
    for (let i = 1; i < t.length; i++) {
      if (t[i]!.kind !== 'punct' || t[i]!.text !== '=') continue;
      let name: Token | undefined;
      const prev = t[i - 1]!;
      if (prev.kind === 'ident' && t[i - 2]?.text !== '.' && t[i - 2]?.text !== '?.') name = prev;
      else {
        // Walk back over a type annotation to `NAME :` after val/var/let/const.
        for (let j = i - 1; j > 0 && i - j < 24; j--) {
          const k = t[j]!;
          if (k.text === ':' && t[j - 1]?.kind === 'ident' && ['val', 'var', 'let', 'const'].includes(t[j - 2]?.text ?? '')) {
            name = t[j - 1];
            break;
          }
          if (k.kind === 'punct' && [';', '{', '}', '(', ')', ','].includes(k.text)) break;
        }
      }
      if (name && !this.declarations.has(name.text)) this.declarations.set(name.text, i + 1);
    }
  }

  /** The value of a constant declared in the file, or undefined. */
  constant(name: string): Value | undefined {
    const cached = this.cache.get(name);
    if (cached) return cached;
    const at = this.declarations.get(name);
    // A constant defined through more than MAX_DEPTH others is not a pin configuration: unknown (and the stack stays bounded).
    if (at === undefined || this.resolving.has(name) || this.resolving.size > MAX_DEPTH) return undefined;
    this.resolving.add(name);
    try {
      const v = this.expression(at).value;
      this.cache.set(name, v);
      return v;
    } finally {
      this.resolving.delete(name);
    }
  }

  /** The expression starting at token `i`, and the index of the first token after it. */
  expression(i: number, depth = 0): { value: Value; next: number } {
    return this.additive(i, depth);
  }

  /** Comma-separated expressions between the bracket at `open` and its closing one (spreads expanded when known). */
  list(open: number, depth = 0): { items: Value[]; spreads: boolean[]; close: number } {
    const close = closing(this.tokens, open);
    const items: Value[] = [];
    const spreads: boolean[] = [];
    let i = open + 1;
    while (i < close) {
      const t = this.tokens[i]!;
      if (t.text === ',') {
        i++;
        continue;
      }
      const spread = t.kind === 'punct' && (t.text === '...' || t.text === '*');
      const { value, next } = this.expression(spread ? i + 1 : i, depth + 1);
      if (spread && value.kind === 'array') {
        items.push(...value.items);
        spreads.push(...value.items.map(() => true));
      } else {
        items.push(value);
        spreads.push(spread);
      }
      i = this.skipTo(next, close);
    }
    return { items, spreads, close };
  }

  /** The next `,` or `close` at this level from `i` (what an expression did not consume, such as a type). */
  private skipTo(i: number, close: number): number {
    let j = i;
    while (j < close) {
      const t = this.tokens[j]!;
      if (t.text === ',') return j;
      if (t.kind === 'punct' && (t.text === '(' || t.text === '[' || t.text === '{')) j = closing(this.tokens, j) + 1;
      else j++;
    }
    return close;
  }

  private unknown(from: number, next: number): { value: Value; next: number } {
    const start = this.tokens[from]?.start ?? this.text.length;
    const end = this.tokens[Math.max(from, next - 1)]?.end ?? start;
    return { value: { kind: 'unknown', text: this.text.slice(start, end).replace(/\s+/g, ' ').slice(0, 80), start, end }, next };
  }

  private additive(i: number, depth: number): { value: Value; next: number } {
    let left = this.multiplicative(i, depth);
    while (this.tokens[left.next]?.kind === 'punct' && (this.tokens[left.next]!.text === '+' || this.tokens[left.next]!.text === '-')) {
      const op = this.tokens[left.next]!.text;
      const right = this.multiplicative(left.next + 1, depth);
      const a = left.value;
      const b = right.value;
      if (op === '+' && a.kind === 'string' && (b.kind === 'string' || b.kind === 'number')) left = { value: { kind: 'string', value: a.value + String(b.value), start: a.start, end: b.end }, next: right.next };
      else if (op === '+' && a.kind === 'number' && b.kind === 'string') left = { value: { kind: 'string', value: String(a.value) + b.value, start: a.start, end: b.end }, next: right.next };
      else if (a.kind === 'number' && b.kind === 'number') left = { value: { kind: 'number', value: op === '+' ? a.value + b.value : a.value - b.value, start: a.start, end: b.end }, next: right.next };
      else left = this.unknown(i, right.next);
    }
    return left;
  }

  private multiplicative(i: number, depth: number): { value: Value; next: number } {
    let left = this.unary(i, depth);
    while (this.tokens[left.next]?.kind === 'punct' && (this.tokens[left.next]!.text === '*' || this.tokens[left.next]!.text === '/')) {
      const op = this.tokens[left.next]!.text;
      const right = this.unary(left.next + 1, depth);
      const a = left.value;
      const b = right.value;
      if (a.kind === 'number' && b.kind === 'number') left = { value: { kind: 'number', value: op === '*' ? a.value * b.value : a.value / b.value, start: a.start, end: b.end }, next: right.next };
      else left = this.unknown(i, right.next);
    }
    return left;
  }

  private unary(i: number, depth: number): { value: Value; next: number } {
    const t = this.tokens[i];
    if (t?.kind === 'punct' && t.text === '-' && depth <= MAX_DEPTH) {
      const r = this.unary(i + 1, depth + 1);
      return r.value.kind === 'number' ? { value: { ...r.value, value: -r.value.value, start: t.start }, next: r.next } : this.unknown(i, r.next);
    }
    if (t?.kind === 'ident' && (t.text === 'await' || t.text === 'new') && this.tokens[i + 1]?.kind === 'ident') return this.postfix(i + 1, depth, t.text === 'new');
    return this.postfix(i, depth, false);
  }

  private postfix(i: number, depth: number, constructed: boolean): { value: Value; next: number } {
    const t = this.tokens;
    let { value, next, path } = this.primary(i, depth, constructed);
    for (;;) {
      const k = t[next];
      if (!k || k.kind !== 'punct') {
        // TypeScript `as const`, `as Type`, `satisfies Type`: the value is unchanged.
        if (k?.kind === 'ident' && (k.text === 'as' || k.text === 'satisfies') && this.language === 'js') {
          next = this.skipType(next + 1);
          continue;
        }
        break;
      }
      if ((k.text === '.' || k.text === '?.') && t[next + 1]?.kind === 'ident') {
        const member = t[next + 1]!.text;
        const call = t[next + 2]?.text === '(';
        const after = call ? closing(t, next + 2) + 1 : next + 2;
        const field = !call ? entryOf(value, member) : undefined;
        if (field) {
          value = field.value;
          path = undefined;
          next = after;
          continue;
        }
        if (path !== undefined && !call) {
          path = `${path}.${member}`;
          const own = this.constant(member);
          value = own ?? { kind: 'unknown', text: path, start: value.start, end: t[next + 1]!.end };
          next = after;
          continue;
        }
        path = undefined;
        if (SAME_VALUE.has(member) && (call ? closing(t, next + 2) === next + 3 : true) && value.kind !== 'unknown') {
          next = after;
          continue;
        }
        if (this.language === 'ruby' && value.kind === 'number' && DURATIONS[member] !== undefined && !call) {
          value = { kind: 'number', value: value.value * DURATIONS[member]!, start: value.start, end: t[next + 1]!.end };
          next = after;
          continue;
        }
        return this.unknown(i, after);
      }
      if (k.text === '!!') {
        next++;
        continue;
      }
      if (k.text === '(' || k.text === '[') return this.unknown(i, closing(t, next) + 1);
      break;
    }
    return { value, next };
  }

  /** Tokens of a TypeScript type after `as` / `satisfies`: an identifier path with type arguments, or `const`. */
  private skipType(i: number): number {
    let j = i;
    while (this.tokens[j]?.kind === 'ident' || this.tokens[j]?.text === '.') j++;
    if (this.tokens[j]?.text === '<') {
      let depth = 0;
      for (; j < this.tokens.length; j++) {
        const x = this.tokens[j]!.text;
        if (x === '<') depth++;
        else if (x === '>') depth--;
        else if (x === '>>') depth -= 2;
        if (depth <= 0) return j + 1;
      }
    }
    return j;
  }

  private primary(i: number, depth: number, constructed: boolean): { value: Value; next: number; path?: string } {
    const t = this.tokens[i];
    if (!t || depth > MAX_DEPTH) return this.unknown(i, i + 1);
    if (t.kind === 'string') return { value: this.stringValue(t), next: i + 1 };
    if (t.kind === 'number') {
      const n = Number(t.text.replace(/_/g, '').replace(/[lLfFdDuU]+$/, ''));
      return Number.isFinite(n) ? { value: { kind: 'number', value: n, start: t.start, end: t.end }, next: i + 1 } : this.unknown(i, i + 1);
    }
    if (t.kind === 'symbol') return { value: { kind: 'string', value: t.text, start: t.start, end: t.end }, next: i + 1 };
    if (t.kind === 'ident') {
      if (t.text === 'true' || t.text === 'false') return { value: { kind: 'boolean', value: t.text === 'true', start: t.start, end: t.end }, next: i + 1 };
      if (t.text === 'null' || t.text === 'nil' || t.text === 'undefined') return { value: { kind: 'null', start: t.start, end: t.end }, next: i + 1 };
      // A call: a collection factory (possibly qualified: `List.of`), Object.freeze, or something unknown.
      let name = t.text;
      let j = i + 1;
      while (this.tokens[j]?.text === '.' && this.tokens[j + 1]?.kind === 'ident' && this.tokens[j + 2]?.text === '(' && !name.includes('.')) {
        name = `${name}.${this.tokens[j + 1]!.text}`;
        j += 2;
      }
      if (this.tokens[j]?.text === '<') j = this.skipType(j);
      if (this.tokens[j]?.text === '(') {
        const { items, close } = this.list(j, depth);
        if (COLLECTIONS.has(name)) return { value: { kind: 'array', items, start: t.start, end: this.tokens[close]!.end }, next: close + 1 };
        if (name === 'Object.freeze' && items[0]) return { value: items[0], next: close + 1 };
        return this.unknown(i, close + 1);
      }
      // Java `new String[] { … }`.
      if (constructed && this.tokens[i + 1]?.text === '[') {
        const afterBrackets = closing(this.tokens, i + 1) + 1;
        if (this.tokens[afterBrackets]?.text === '{') return this.arrayLiteral(afterBrackets, depth);
      }
      if (t.text === 'this' || t.text === 'self' || t.text === 'Companion') return { value: { kind: 'unknown', text: t.text, start: t.start, end: t.end }, next: i + 1, path: t.text };
      const own = this.constant(t.text);
      return { value: own ?? { kind: 'unknown', text: t.text, start: t.start, end: t.end }, next: i + 1, path: t.text };
    }
    if (t.text === '(') {
      const close = closing(this.tokens, i);
      const inner = this.expression(i + 1, depth + 1);
      return inner.next === close ? { value: inner.value, next: close + 1 } : this.unknown(i, close + 1);
    }
    if (t.text === '[') return this.arrayLiteral(i, depth);
    if (t.text === '{') {
      if (this.language === 'java') return this.arrayLiteral(i, depth);
      if (this.language === 'js' || this.language === 'ruby') return this.objectLiteral(i, depth);
      return this.unknown(i, closing(this.tokens, i) + 1);
    }
    return this.unknown(i, i + 1);
  }

  private arrayLiteral(open: number, depth: number): { value: Value; next: number } {
    const { items, close } = this.list(open, depth);
    return { value: { kind: 'array', items, start: this.tokens[open]!.start, end: this.tokens[close]!.end }, next: close + 1 };
  }

  /** `{ key: v, 'key': v, [CONST]: v, ...spread, shorthand }` (JavaScript) and `{ key: v, :key => v, 'key' => v }` (Ruby). */
  private objectLiteral(open: number, depth: number): { value: Value; next: number } {
    const t = this.tokens;
    const close = closing(t, open);
    const entries: Entry[] = [];
    let i = open + 1;
    while (i < close) {
      const k = t[i]!;
      if (k.text === ',') {
        i++;
        continue;
      }
      if (k.kind === 'punct' && k.text === '...') {
        const { value, next } = this.expression(i + 1, depth + 1);
        if (value.kind === 'object') entries.push(...value.entries);
        else entries.push({ key: undefined, keyStart: k.start, value });
        i = this.skipTo(next, close);
        continue;
      }
      let key: string | undefined;
      let valueAt: number;
      if (k.kind === 'punct' && k.text === '[') {
        const end = closing(t, i);
        const computed = this.expression(i + 1, depth + 1).value;
        key = computed.kind === 'string' ? computed.value : undefined;
        valueAt = end + 1;
      } else if (k.kind === 'string') {
        const s = this.stringValue(k);
        key = s.kind === 'string' ? s.value : undefined;
        valueAt = i + 1;
      } else {
        key = k.text;
        valueAt = i + 1;
      }
      const sep = t[valueAt];
      if (sep && (sep.text === ':' || sep.text === '=>')) {
        const { value, next } = this.expression(valueAt + 1, depth + 1);
        entries.push({ key, keyStart: k.start, value });
        i = this.skipTo(next, close);
      } else if (k.kind === 'ident' && (sep?.text === ',' || valueAt === close)) {
        // Shorthand `{ PINS }`.
        entries.push({ key, keyStart: k.start, value: this.constant(k.text) ?? { kind: 'unknown', text: k.text, start: k.start, end: k.end } });
        i = valueAt;
      } else {
        // A method or getter: not configuration.
        i = this.skipTo(valueAt, close);
      }
    }
    return { value: { kind: 'object', entries, start: t[open]!.start, end: t[close]!.end }, next: close + 1 };
  }

  /** A string token's value: its text, or its template with every part resolved (else unknown). */
  private stringValue(t: Token): Value {
    if (!t.parts) return { kind: 'string', value: t.text, start: t.start, end: t.end };
    let out = '';
    for (const p of t.parts) {
      if (p.kind === 'text') out += p.value;
      else {
        const ref = p.text.trim();
        const path = /^[A-Za-z_$@][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/.test(ref) ? ref.split('.') : undefined;
        const v = path ? this.constant(path[path.length - 1]!) : undefined;
        if (!v || (v.kind !== 'string' && v.kind !== 'number')) return { kind: 'unknown', text: t.text.replace(/\s+/g, ' ').slice(0, 80), start: t.start, end: t.end };
        out += String(v.value);
      }
    }
    return { kind: 'string', value: out, start: t.start, end: t.end };
  }
}

/** The entry of an object value under `key` (the first when written twice, as the engines read it: the last). */
export function entryOf(value: Value | undefined, ...keys: string[]): Entry | undefined {
  if (value?.kind !== 'object') return undefined;
  const found = value.entries.filter((e) => e.key !== undefined && keys.includes(e.key));
  // JavaScript and Ruby both keep the last of duplicate keys.
  return found[found.length - 1];
}
