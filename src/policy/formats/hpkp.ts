/**
 * HTTP Public Key Pinning (RFC 7469): `Public-Key-Pins` and `Public-Key-Pins-Report-Only` header
 * values (`pin-sha256="B64"; max-age=N; includeSubDomains; report-uri="…"`), read where servers
 * and frameworks write them:
 *
 * - a bare header line (`Public-Key-Pins: …`, also Apache's `Header set Public-Key-Pins "…"`) or
 *   value;
 * - nginx: `add_header Public-Key-Pins '…' always;` (and headers-more's `more_set_headers`);
 * - h2o: `header.add: "Public-Key-Pins: …"` (also `header.set`, `header.setifempty`, …);
 * - helmet 3 for Express: `helmet.hpkp({ maxAge, sha256s, includeSubDomains, reportUri, reportOnly })`
 *   (github.com/helmetjs/hpkp; maxAge in seconds since helmet 3);
 * - secure_headers for Rails: `config.hpkp = { max_age:, include_subdomains:, report_uri:,
 *   report_only:, pins: [{ sha256: '…' }] }` (github.com/github/secure_headers).
 *
 * Hosts: a header pins the host that sends it (RFC 7469 section 2.1), and the header names none.
 * Where the file says which host sends it, that is the rule's domain: nginx's `server_name` of the
 * enclosing `server` (`*.example.com` there matches any depth, `.example.com` the name and every
 * subdomain: nginx.org/en/docs/http/server_names.html), h2o's `hosts:` key. Otherwise (a bare
 * header, helmet, secure_headers, a catch-all server) the rule's domain is UNNAMED_HOST and the
 * read policy is `hostless`: `--host` says which host serves it (format.ts bindHost).
 * `includeSubDomains` covers the host's subdomains too. Report-only headers are `enforce: false`.
 *
 * A header without max-age is kept as a rule with a note: RFC 7469 section 2.1.2 requires the
 * directive in Public-Key-Pins, and user agents refused such a header (Chromium's
 * ParseHPKPHeader required it; its report-only parser did not), so lint must say so, while the
 * pins stay testable. RFC 7469 also requires a backup pin; lint checks that, the reader does not.
 */
import { isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import { InputError } from '../../errors.js';
import type { PinDomain, PinPolicy, PinRule } from '../../model/policy.js';
import { PolicyFileError, UNNAMED_HOST, spotOf, type PolicyFormatModule, type PolicyNote, type ReadPolicy, type RuleSource, type WriteOptions } from '../format.js';
import { locatedAt, offsetOf, slice, type Located } from './located.js';
import { policyPin, readPin } from './pins.js';
import { lex, type SourceLanguage } from './source-lexer.js';
import { SourceValues, entryOf, type Value } from './source-values.js';

const HEADER = /^public-key-pins(-report-only)?$/i;
/** What pinprick writes when asked for no max-age: 60 days, as `pinprick pins --format hpkp`. */
const DEFAULT_MAX_AGE = 5184000;

/** The hosts a header is sent for, as the configuration names them. */
interface HostSpec {
  pattern: string;
  /** The name pattern itself covers every depth below (nginx `*.example.com`). */
  anyDepth?: boolean;
}

/** The directives of one PKP header, wherever they were written. */
interface Directives {
  pins: { text: string; at: number; algorithm: string }[];
  maxAge?: { seconds: number | undefined; at: number; text: string };
  includeSubDomains: boolean;
  reportUri?: string;
  notes: { at: number; detail: string }[];
}

/** One header as a configuration sets it. */
interface Found {
  reportOnly: boolean;
  /** Where the header (the directive or option that sets it) is written. */
  at: number;
  directives: Directives;
  /** Undefined: the file does not say which host sends it. */
  hosts: HostSpec[] | undefined;
  /** Why the hosts are unknown, when the file suggests them (a regex server_name). */
  hostNote?: { at: number; detail: string };
}

/**
 * The directives of a header value (RFC 7469 section 2.1: `;`-separated, names case-insensitive,
 * values a token or a quoted-string). Unknown directives are ignored, as user agents must.
 */
function parseHeaderValue(value: Located): Directives {
  const d: Directives = { pins: [], includeSubDomains: false, notes: [] };
  const parts: [number, number][] = [];
  let from = 0;
  let quoted = false;
  for (let i = 0; i < value.text.length; i++) {
    const c = value.text[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === ';' && !quoted) {
      parts.push([from, i]);
      from = i + 1;
    }
  }
  parts.push([from, value.text.length]);
  for (const [s, e] of parts) {
    const raw = value.text.slice(s, e);
    const lead = raw.length - raw.trimStart().length;
    const body = raw.trim();
    if (!body) continue;
    const at = offsetOf(value, s + lead);
    const eq = body.indexOf('=');
    const name = (eq === -1 ? body : body.slice(0, eq)).trim().toLowerCase();
    let v = eq === -1 ? '' : body.slice(eq + 1).trim();
    let vAt = eq === -1 ? at : offsetOf(value, s + lead + eq + 1 + (body.slice(eq + 1).length - body.slice(eq + 1).trimStart().length));
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) {
      v = v.slice(1, -1).replace(/\\(.)/g, '$1');
      vAt = vAt + 1;
    }
    if (name.startsWith('pin-')) d.pins.push({ text: v, at: vAt, algorithm: name.slice(4) });
    else if (name === 'max-age') {
      if (d.maxAge) d.notes.push({ at, detail: 'max-age is given twice: RFC 7469 section 2.1 allows each directive but the pins once, and user agents refused such a header' });
      d.maxAge = { seconds: /^[0-9]+$/.test(v) ? Number(v) : undefined, at: vAt, text: v };
    } else if (name === 'includesubdomains') d.includeSubDomains = true;
    else if (name === 'report-uri') d.reportUri = v;
    else d.notes.push({ at, detail: `unknown directive '${name}' (user agents ignore it)` });
  }
  return d;
}

// ---------------------------------------------------------------- nginx

/** One nginx directive: `name args…;` or `name args… { … }`. */
interface NginxDirective {
  name: string;
  args: (Located & { start: number })[];
  start: number;
  block?: NginxDirective[];
}

/**
 * nginx configuration syntax (nginx.org/en/docs/beginners_guide.html "Configuration File's
 * Structure"): words, `'…'` and `"…"` with backslash escapes, `#` comments, directives ending in
 * `;`, blocks in braces. Errors are worded as nginx -t words them.
 */
function parseNginx(file: string, text: string): NginxDirective[] {
  const fail = (at: number, detail: string): never => {
    const { line, column } = spotOf(text, at);
    throw new PolicyFileError(file, line, column, detail);
  };
  const root: NginxDirective[] = [];
  const stack: { list: NginxDirective[]; open: number }[] = [{ list: root, open: -1 }];
  let words: (Located & { start: number })[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '#') {
      const nl = text.indexOf('\n', i);
      i = nl === -1 ? text.length : nl;
      continue;
    }
    if (c === ';' || c === '{') {
      if (!words.length) fail(i, `unexpected "${c}"`);
      const [name, ...args] = words;
      const directive: NginxDirective = { name: name!.text, args, start: name!.start };
      stack[stack.length - 1]!.list.push(directive);
      if (c === '{') {
        directive.block = [];
        stack.push({ list: directive.block, open: i });
      }
      words = [];
      i++;
      continue;
    }
    if (c === '}') {
      if (words.length) fail(i, 'unexpected "}"');
      if (stack.length === 1) fail(i, 'unexpected "}"');
      stack.pop();
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const word: Located & { start: number } = { text: '', offsets: [], start: i };
      let j = i + 1;
      for (;;) {
        if (j >= text.length) fail(i, `unterminated quoted string (no closing ${c})`);
        const d = text[j]!;
        if (d === c) break;
        if (d === '\\' && j + 1 < text.length) {
          const e = text[j + 1]!;
          const decoded = e === c || e === '\\' ? e : e === 't' ? '\t' : e === 'r' ? '\r' : e === 'n' ? '\n' : undefined;
          if (decoded !== undefined) {
            word.text += decoded;
            word.offsets.push(j + 1);
            j += 2;
            continue;
          }
        }
        word.text += d;
        word.offsets.push(j);
        j++;
      }
      words.push(word);
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < text.length && !/[\s;{}"']/.test(text[j]!)) j++;
    words.push({ ...locatedAt(text.slice(i, j), i), start: i });
    i = j;
  }
  if (words.length) fail(text.length, 'unexpected end of file, expecting ";" or "}"');
  if (stack.length > 1) {
    const open = spotOf(text, stack[stack.length - 1]!.open);
    fail(text.length, `unexpected end of file, expecting "}" (the block opened at line ${open.line} is never closed)`);
  }
  return root;
}

/** nginx server_name values as host patterns (nginx.org/en/docs/http/server_names.html). */
function serverNames(d: NginxDirective): { hosts: HostSpec[]; note?: { at: number; detail: string } } {
  const hosts: HostSpec[] = [];
  let note: { at: number; detail: string } | undefined;
  for (const a of d.args) {
    const name = a.text.toLowerCase();
    if (!name) continue;
    if (name.startsWith('~') || name.endsWith('.*') || name === '_' || /^\$/.test(name)) {
      note ??= { at: a.start, detail: `server_name '${a.text}' is ${name.startsWith('~') ? 'a regular expression' : name === '_' ? 'the catch-all placeholder' : 'a pattern pinprick cannot turn into hosts'}: give the host that serves this header with --host` };
      continue;
    }
    // "An asterisk can match several name parts" (*.example.org matches www.sub.example.org); ".example.org" is example.org and *.example.org.
    if (name.startsWith('*.')) hosts.push({ pattern: name, anyDepth: true });
    else if (name.startsWith('.')) hosts.push({ pattern: `**${name}` });
    else hosts.push({ pattern: name });
  }
  return { hosts, ...(note ? { note } : {}) };
}

/** `Name: value` of a `more_set_headers` argument. */
function splitHeaderLine(l: Located): { name: string; value: Located } | undefined {
  const colon = l.text.indexOf(':');
  if (colon === -1) return undefined;
  const rest = slice(l, colon + 1);
  const lead = rest.text.length - rest.text.trimStart().length;
  return { name: l.text.slice(0, colon).trim(), value: slice(rest, lead, rest.text.trimEnd().length) };
}

function nginxHeaders(file: string, text: string): Found[] {
  const found: Found[] = [];
  const outside: Found[] = [];
  const servers: { hosts: HostSpec[]; ownAddHeader: boolean }[] = [];
  const headerOf = (d: NginxDirective): { name: string; value: Located; at: number }[] => {
    if (d.name === 'add_header' && d.args.length >= 2) return [{ name: d.args[0]!.text, value: d.args[1]!, at: d.start }];
    if (d.name === 'more_set_headers') {
      return d.args.flatMap((a, k) => {
        if (a.text.startsWith('-') || d.args[k - 1]?.text === '-s' || d.args[k - 1]?.text === '-t') return [];
        const h = splitHeaderLine(a);
        return h ? [{ ...h, at: d.start }] : [];
      });
    }
    return [];
  };
  const walk = (list: NginxDirective[], server: { hosts: HostSpec[]; note?: { at: number; detail: string } } | undefined) => {
    for (const d of list) {
      if (d.name === 'server' && d.block) {
        const names = d.block.filter((x) => x.name === 'server_name').map(serverNames);
        const info = { hosts: names.flatMap((n) => n.hosts), ...(names.find((n) => n.note)?.note ? { note: names.find((n) => n.note)!.note! } : {}) };
        servers.push({ hosts: info.hosts, ownAddHeader: d.block.some((x) => x.name === 'add_header') });
        walk(d.block, info);
        continue;
      }
      for (const h of headerOf(d)) {
        const m = HEADER.exec(h.name);
        if (!m) continue;
        const f: Found = { reportOnly: m[1] !== undefined, at: h.at, directives: parseHeaderValue(h.value), hosts: server?.hosts.length ? server.hosts : undefined };
        if (server && !server.hosts.length && server.note) f.hostNote = server.note;
        (server ? found : outside).push(f);
      }
      if (d.block) walk(d.block, server);
    }
  };
  walk(parseNginx(file, text), undefined);
  // add_header outside a server: "inherited from the previous configuration level if and only if there are no add_header directives defined on the current level" (ngx_http_headers_module).
  const inheriting = servers.filter((s) => !s.ownAddHeader).flatMap((s) => s.hosts);
  for (const f of outside) found.push({ ...f, hosts: inheriting.length ? inheriting : undefined });
  return found.sort((a, b) => a.at - b.at);
}

// ---------------------------------------------------------------- h2o

/** A YAML scalar's text with the offsets of its characters (escapes of double-quoted scalars followed; folded ones approximated). */
function yamlLocated(text: string, node: YamlNode): Located {
  const value = String((node as { value: unknown }).value);
  const [s, e] = node.range ?? [0, 0];
  const src = text.slice(s, e);
  const offsets: number[] = [];
  if (src.startsWith('"')) {
    let out = '';
    for (let i = 1; i < src.length - 1; i++) {
      if (src[i] === '\\') {
        const esc = src[i + 1];
        const len = esc === 'x' ? 4 : esc === 'u' ? 6 : esc === 'U' ? 10 : 2;
        if (esc !== '\n') {
          out += '?';
          offsets.push(s + i);
        }
        i += len - 1;
      } else {
        out += src[i];
        offsets.push(s + i);
      }
    }
    if (out.length === value.length) return { text: value, offsets };
  } else if (src.startsWith("'")) {
    for (let i = 1; i < src.length - 1; i++) {
      offsets.push(s + i);
      if (src[i] === "'" && src[i + 1] === "'") i++;
    }
    if (offsets.length === value.length) return { text: value, offsets };
  } else if (src === value) return locatedAt(value, s);
  // Block and folded scalars: positions approximated from the first character.
  const first = /[|>]/.test(src[0] ?? '') ? text.indexOf('\n', s) + 1 : s;
  return { text: value, offsets: Array.from({ length: value.length }, (_, i) => Math.min(first + i, Math.max(first, e - 1))) };
}

function h2oHeaders(file: string, text: string): Found[] {
  const doc = parseDocument(text, { uniqueKeys: false });
  const error = doc.errors[0];
  if (error) {
    const message = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    // The parser recurses per level and reports where its stack ran out, which depends on the machine: the file as a whole is the spot.
    if (/call stack/i.test(message)) throw new PolicyFileError(file, 1, 1, 'YAML nested too deeply for a server configuration');
    const { line, column } = spotOf(text, error.pos[0]);
    throw new PolicyFileError(file, line, column, message);
  }
  const found: Found[] = [];
  const global: Found[] = [];
  const allHosts: HostSpec[] = [];
  const walk = (node: unknown, host: HostSpec | undefined) => {
    if (isSeq(node)) for (const item of node.items) walk(item, host);
    if (!isMap(node)) return;
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (key === 'hosts' && isMap(pair.value)) {
        for (const h of pair.value.items) {
          // "map of host[:port] -> map of per-host configs" (h2o --help).
          const name = isScalar(h.key) ? String(h.key.value).replace(/:[0-9]+$/, '').toLowerCase() : '';
          const spec = name ? { pattern: name } : undefined;
          if (spec) allHosts.push(spec);
          walk(h.value, spec);
        }
        continue;
      }
      if (/^header\.(?:add|set|setifempty|merge|append)$/.test(key)) {
        const items = isSeq(pair.value) ? pair.value.items : [pair.value];
        for (const item of items) {
          if (!isScalar(item) || typeof item.value !== 'string') continue;
          const h = splitHeaderLine(yamlLocated(text, item as YamlNode));
          const m = h ? HEADER.exec(h.name) : null;
          if (!h || !m) continue;
          const f: Found = { reportOnly: m[1] !== undefined, at: (item as YamlNode).range?.[0] ?? 0, directives: parseHeaderValue(h.value), hosts: host ? [host] : undefined };
          (host ? found : global).push(f);
        }
        continue;
      }
      walk(pair.value, host);
    }
  };
  walk(doc.contents, undefined);
  // Global-level directives apply to every host of the file.
  for (const f of global) found.push({ ...f, hosts: allHosts.length ? allHosts : undefined });
  return found.sort((a, b) => a.at - b.at);
}

// ---------------------------------------------------------------- helmet, secure_headers

/** A string option's value, or a note that it is not written in the file. */
function optionText(v: Value | undefined, what: string, notes: Directives['notes']): string | undefined {
  if (!v) return undefined;
  if (v.kind === 'string') return v.value;
  notes.push({ at: v.start, detail: `${what} is ${v.kind === 'unknown' ? `'${v.text}', which is not written in this file` : `not a string`}` });
  return undefined;
}

function optionFlag(v: Value | undefined): boolean {
  return v?.kind === 'boolean' && v.value;
}

/** The options objects given to a key (`hpkp(`, `hpkp:`, `hpkp =`, `hpkp =>`) in JavaScript or Ruby source. */
function optionObjects(file: string, text: string, language: SourceLanguage): { at: number; value: Value }[] {
  const lexed = lex(file, text, language);
  const values = new SourceValues(text, lexed, language);
  const t = values.tokens;
  const out: { at: number; value: Value }[] = [];
  for (let i = 0; i < t.length; i++) {
    const k = t[i]!;
    const key = (k.kind === 'ident' && k.text === 'hpkp') || (k.kind === 'symbol' && k.text === 'hpkp');
    if (!key) continue;
    const next = t[i + 1]?.text;
    if (next === '(' || next === ':' || next === '=' || next === '=>') out.push({ at: k.start, value: values.expression(i + 2).value });
  }
  return out;
}

function helmetHeaders(file: string, text: string): Found[] {
  return optionObjects(file, text, 'js').flatMap(({ at, value }) => {
    if (value.kind !== 'object') return [];
    const notes: Directives['notes'] = [];
    const d: Directives = { pins: [], includeSubDomains: optionFlag(entryOf(value, 'includeSubDomains', 'includeSubdomains')?.value), notes };
    const sha256s = entryOf(value, 'sha256s')?.value;
    for (const item of sha256s?.kind === 'array' ? sha256s.items : []) {
      if (item.kind === 'string') d.pins.push({ text: item.value, at: item.start + 1, algorithm: 'sha256' });
      else notes.push({ at: item.start, detail: `a pin comes from '${item.kind === 'unknown' ? item.text : item.kind}', which is not written in this file: pinprick cannot check it` });
    }
    const maxAge = entryOf(value, 'maxAge', 'maxage')?.value;
    if (maxAge) d.maxAge = { seconds: maxAge.kind === 'number' ? maxAge.value : undefined, at: maxAge.start, text: maxAge.kind === 'number' ? String(maxAge.value) : maxAge.kind === 'unknown' ? maxAge.text : maxAge.kind };
    const reportUri = optionText(entryOf(value, 'reportUri')?.value, 'reportUri', notes);
    if (reportUri) d.reportUri = reportUri;
    const reportOnly = optionFlag(entryOf(value, 'reportOnly')?.value);
    // helmetjs/hpkp parseOptions: no maxAge, fewer than two sha256s, or reportOnly without reportUri throw when the app starts.
    if (!maxAge || (sha256s?.kind === 'array' && sha256s.items.length < 2) || (reportOnly && !reportUri)) {
      notes.push({ at, detail: "helmet's hpkp throws when the app starts: it needs a maxAge, at least two sha256s, and a reportUri when reportOnly is set" });
    }
    const setIf = entryOf(value, 'setIf');
    if (setIf) notes.push({ at: setIf.keyStart, detail: 'the header is sent only to the requests setIf accepts' });
    return [{ reportOnly, at, directives: d, hosts: undefined }];
  });
}

function secureHeadersHeaders(file: string, text: string): Found[] {
  return optionObjects(file, text, 'ruby').flatMap(({ at, value }) => {
    if (value.kind !== 'object') return [];
    const notes: Directives['notes'] = [];
    const d: Directives = { pins: [], includeSubDomains: optionFlag(entryOf(value, 'include_subdomains')?.value), notes };
    const pins = entryOf(value, 'pins')?.value;
    for (const item of pins?.kind === 'array' ? pins.items : []) {
      // secure_headers writes each {algorithm: hash} as pin-algorithm="hash", whatever they are.
      for (const e of item.kind === 'object' ? item.entries : []) {
        if (e.value.kind === 'string') d.pins.push({ text: e.value.value, at: e.value.start + 1, algorithm: e.key ?? '?' });
      }
    }
    const maxAge = entryOf(value, 'max_age')?.value;
    if (maxAge) d.maxAge = { seconds: maxAge.kind === 'number' ? maxAge.value : undefined, at: maxAge.start, text: maxAge.kind === 'number' ? String(maxAge.value) : maxAge.kind === 'unknown' ? maxAge.text : maxAge.kind };
    const reportUri = optionText(entryOf(value, 'report_uri')?.value, 'report_uri', notes);
    if (reportUri) d.reportUri = reportUri;
    return [{ reportOnly: optionFlag(entryOf(value, 'report_only')?.value), at, directives: d, hosts: undefined }];
  });
}

// ---------------------------------------------------------------- bare headers

/** `Public-Key-Pins: …` lines (a response dump, a headers file), Apache `Header set Public-Key-Pins "…"`, or a bare value. */
function bareHeaders(text: string): Found[] {
  const found: Found[] = [];
  const apache = /\bHeader\s+(?:always\s+)?(?:set|add|append)\s+(Public-Key-Pins(?:-Report-Only)?)\s+"((?:[^"\\\n]|\\.)*)"/gi;
  for (const m of text.matchAll(apache)) {
    const start = m.index! + m[0].length - m[2]!.length - 1;
    const value: Located = { text: '', offsets: [] };
    for (let i = 0; i < m[2]!.length; i++) {
      if (m[2]![i] === '\\') i++;
      value.text += m[2]![i];
      value.offsets.push(start + i);
    }
    found.push({ reportOnly: /report-only$/i.test(m[1]!), at: m.index!, directives: parseHeaderValue(value), hosts: undefined });
  }
  if (found.length) return found;
  const line = /^[ \t]*(Public-Key-Pins(?:-Report-Only)?)[ \t]*:[ \t]*(.*?)[ \t\r]*$/gim;
  for (const m of text.matchAll(line)) {
    const start = m.index! + m[0].indexOf(m[2]!, m[0].indexOf(':') + 1);
    found.push({ reportOnly: /report-only$/i.test(m[1]!), at: m.index! + m[0].indexOf(m[1]!), directives: parseHeaderValue(locatedAt(m[2]!, start)), hosts: undefined });
  }
  if (found.length) return found;
  const bare = text.trim();
  if (/^pin-sha256\s*=/i.test(bare) || /;\s*pin-sha256\s*=/i.test(bare)) {
    const start = text.indexOf(bare);
    found.push({ reportOnly: false, at: start, directives: parseHeaderValue(locatedAt(bare, start)), hosts: undefined });
  }
  return found;
}

/** Which way the file sets the header. */
function dialectOf(file: string, text: string): 'h2o' | 'nginx' | 'helmet' | 'secure_headers' | 'bare' {
  if (/^\s*-?\s*["']?header\.(?:add|set|setifempty|merge|append)["']?\s*:/m.test(text) && !/\badd_header\b/.test(text)) return 'h2o';
  if (/\b(?:add_header|more_set_headers)\s/.test(text) && /public-key-pins/i.test(text)) return 'nginx';
  if (/\bsha256s\b/.test(text) && /\bhpkp\b/.test(text)) return 'helmet';
  if (/\bhpkp\b/.test(text) && /\bpins\b/.test(text) && (/\.rb$/i.test(file) || /\b(?:max_age|SecureHeaders)\b/.test(text))) return 'secure_headers';
  return 'bare';
}

function read(file: string, text: string): ReadPolicy {
  const dialect = dialectOf(file, text);
  const found =
    dialect === 'h2o' ? h2oHeaders(file, text) : dialect === 'nginx' ? nginxHeaders(file, text) : dialect === 'helmet' ? helmetHeaders(file, text) : dialect === 'secure_headers' ? secureHeadersHeaders(file, text) : bareHeaders(text);
  if (!found.length) throw new PolicyFileError(file, 1, 1, 'no Public-Key-Pins header in this file (nor helmet hpkp or secure_headers hpkp options)');
  const spot = (offset: number) => spotOf(text, offset);
  const rules: PinRule[] = [];
  const sources: RuleSource[] = [];
  const notes: PolicyNote[] = [];
  const reportUris: string[] = [];
  for (const f of found) {
    const d = f.directives;
    const ruleIndex = rules.length;
    for (const n of d.notes) notes.push({ kind: 'other', at: spot(n.at), detail: n.detail });
    if (f.hostNote) notes.push({ kind: 'other', at: spot(f.hostNote.at), detail: f.hostNote.detail });
    const domains: PinDomain[] = (f.hosts ?? [{ pattern: UNNAMED_HOST }]).map((h) => ({ pattern: h.pattern, ...(h.anyDepth || d.includeSubDomains ? { includeSubdomains: true } : {}) }));
    const rule: PinRule = { domains, pins: [], enforce: !f.reportOnly };
    const source: RuleSource = { at: spot(f.at), pins: [], ...(f.reportOnly ? { enforce: spot(f.at) } : {}) };
    for (const p of d.pins) {
      const reading = p.algorithm.toLowerCase() === 'sha256' ? readPin(p.text, ['sha256']) : { problem: `'pin-${p.algorithm}': RFC 7469 defines pin-sha256 only, and user agents ignore other pin directives` };
      if ('problem' in reading) notes.push({ kind: 'malformed-pin', at: spot(p.at), detail: reading.problem, text: p.text, ruleIndex });
      else {
        rule.pins.push(policyPin(reading.pin));
        source.pins.push(spot(p.at));
      }
    }
    if (!d.maxAge && !f.reportOnly) {
      notes.push({ kind: 'other', at: spot(f.at), detail: 'no max-age: RFC 7469 section 2.1.2 requires it in Public-Key-Pins, and user agents refused the header without it (Chromium did), so no browser noted these pins' });
    } else if (d.maxAge && d.maxAge.seconds === undefined) {
      notes.push({ kind: 'other', at: spot(d.maxAge.at), detail: `max-age '${d.maxAge.text}' is not a number of seconds (RFC 7469 section 2.1.2): user agents refuse the header` });
    } else if (d.maxAge?.seconds === 0 && !f.reportOnly) {
      notes.push({ kind: 'other', at: spot(d.maxAge.at), detail: 'max-age=0 tells user agents to forget the pins of this host (RFC 7469 section 2.1.2), not to enforce them' });
    }
    if (d.reportUri && !reportUris.includes(d.reportUri)) reportUris.push(d.reportUri);
    rules.push(rule);
    sources.push(source);
  }
  return {
    file,
    format: 'hpkp',
    policy: { rules },
    sources,
    notes,
    ...(reportUris.length ? { reportUris } : {}),
    ...(rules.some((r) => r.domains.some((x) => x.pattern === UNNAMED_HOST)) ? { hostless: true as const } : {}),
  };
}

/** The header value of a rule (what the header can carry; the rest is an InputError). */
function headerValue(rule: PinRule, includeSubDomains: boolean, options: WriteOptions): string {
  if (rule.expiration) throw new InputError('HPKP: pins last max-age seconds from each response; a rule with a fixed expiration cannot be written');
  for (const pin of rule.pins) {
    if (pin.hash !== 'sha256') throw new InputError('HPKP: RFC 7469 defines pin-sha256 only; a rule has a SHA-1 pin');
    if (pin.on) throw new InputError('HPKP: a pin matches anywhere on the validated chain; a pin restricted to the leaf or to CAs cannot be written');
  }
  const parts = rule.pins.map((p) => `pin-sha256="${p.value}"`);
  parts.push(`max-age=${options.maxAge ?? DEFAULT_MAX_AGE}`);
  if (includeSubDomains) parts.push('includeSubDomains');
  if (options.reportUri) parts.push(`report-uri="${options.reportUri}"`);
  return parts.join('; ');
}

/**
 * Header lines when no rule names a host. Otherwise nginx (the header names no host, and
 * server_name is where configurations say which host sends it): a `server` block per rule with
 * hosts, and a rule without one as an `add_header` outside every server (a snippet to include).
 */
function write(policy: PinPolicy, options: WriteOptions = {}): string {
  const out: string[] = [];
  const nginx = policy.rules.some((r) => r.domains.some((d) => d.pattern !== UNNAMED_HOST));
  for (const rule of policy.rules) {
    const name = rule.enforce ? 'Public-Key-Pins' : 'Public-Key-Pins-Report-Only';
    const named = rule.domains.filter((d) => d.pattern !== UNNAMED_HOST);
    if (!named.length) {
      const value = headerValue(rule, rule.domains.some((d) => d.includeSubdomains), options);
      out.push(nginx ? `add_header ${name} '${value}' always;` : `${name}: ${value}`);
      continue;
    }
    if (named.length !== rule.domains.length) throw new InputError('HPKP: a rule mixes named hosts and the unnamed one');
    // nginx `*.x` already covers every depth; HPKP's includeSubDomains is one flag for the header.
    const flags = new Set(named.filter((d) => !d.pattern.startsWith('*.')).map((d) => d.includeSubdomains === true));
    if (flags.size > 1) throw new InputError('HPKP: includeSubDomains is one flag per header; a rule has hosts with and without subdomains');
    const names = named.map((d) => {
      if (d.pattern.startsWith('*.') && !d.includeSubdomains) throw new InputError(`HPKP in nginx: server_name '${d.pattern}' matches every depth below, not one label`);
      return d.pattern.startsWith('**.') ? d.pattern.slice(2) : d.pattern;
    });
    const include = flags.has(true) || (flags.size === 0 && named.some((d) => d.includeSubdomains));
    out.push('server {', '    listen 443 ssl;', `    server_name ${names.join(' ')};`, `    add_header ${name} '${headerValue(rule, include, options)}' always;`, '}');
  }
  return `${out.join('\n')}\n`;
}

/** The `hpkp` format. */
export const hpkpFormat: PolicyFormatModule = {
  format: 'hpkp',
  title: 'HTTP Public Key Pinning header (RFC 7469; nginx, h2o, helmet, secure_headers)',
  detect(file, text) {
    if (/public-key-pins/i.test(text)) return 0.9;
    if (/\bhpkp\b/.test(text) && (/\bsha256s\b/.test(text) || /\bpins\b/.test(text))) return 0.85;
    if (/(?:^|;)\s*pin-sha256\s*=\s*"/im.test(text)) return 0.8;
    return /hpkp/i.test(file) ? 0.3 : 0;
  },
  read,
  write,
};
