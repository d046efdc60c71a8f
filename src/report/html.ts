import type { ChainPicture, PathCertificate, SentCertificate } from '../harness/chain-picture.js';
import type { Outcome } from '../harness/classify.js';
import { diagnose } from '../harness/diagnosis.js';
import type { ScenarioResult } from '../harness/run.js';
import { printable } from '../printable.js';
import type { PinReport } from '../proxy/pin-reports.js';
import { summary, type RunMeta } from './run-report.js';

// The HTML report: one self-contained file (inline CSS, no script, no external resource), so it
// can be attached to a CI run, mailed or opened offline and still show everything. Expand and
// collapse use <details>; every string that comes from a run (ids, commands, client output,
// certificate names, report bodies) goes through esc(), because a hostile server or client
// chooses those bytes.

const OUTCOMES: readonly Outcome[] = ['PASS', 'VULNERABLE', 'BRICKED', 'POLICY-RISK', 'INCONCLUSIVE'];

/**
 * Escape text for HTML content and double-quoted attributes. First the project's one escaper of
 * peer text (src/printable.ts): controls and bidi characters, which can make a subject read as
 * something else (Trojan Source), are shown as `\xHH` / `\u{HHHH}`; newlines and tabs of client
 * output stay, uncut.
 */
function esc(text: string): string {
  return printable(text.replace(/\r\n/g, '\n'), { keep: '\n\t', max: Infinity })
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** CSS class of an outcome: `o-pass`, `o-policy-risk`… */
function outcomeClass(outcome: Outcome): string {
  return `o-${outcome.toLowerCase()}`;
}

function badge(outcome: Outcome): string {
  return `<span class="badge ${outcomeClass(outcome)}">${esc(outcome)}</span>`;
}

/** The CN of a distinguished name (`CN=x, O=y`), else the whole name: boxes are narrow, the full name goes in a title. */
function commonName(dn: string): string {
  const m = /(?:^|,\s*)CN=((?:[^,\\]|\\.)*)/.exec(dn);
  return m?.[1] ?? dn;
}

/** A pin, shortened to fit a box, with the full value in the title (and data-pin, for tools and tests). */
function pinCode(pin: string): string {
  const short = pin.length > 14 ? `${pin.slice(0, 12)}…` : pin;
  return `<code class="pin" title="${esc(pin)}" data-pin="${esc(pin)}">${esc(short)}</code>`;
}

function tag(kind: string, text: string, title?: string): string {
  return `<span class="tag tag-${kind}"${title ? ` title="${esc(title)}"` : ''}>${esc(text)}</span>`;
}

/** One HTML id per result; a scenario run twice in one report (two clients) gets `-2`, `-3`… */
function anchorIds(results: readonly ScenarioResult[]): string[] {
  const seen = new Map<string, number>();
  return results.map((r) => {
    const base = `scenario-${r.id.replace(/[^A-Za-z0-9_-]/g, '-')}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}-${n}`;
  });
}

/** What the wire showed: the verdict kind and the alert the client sent, if any. */
function wireText(r: ScenarioResult): string {
  if (!r.wire) return 'no connection';
  return r.wire.alert ? `${r.wire.kind} (${r.wire.alert.name})` : r.wire.kind;
}

function exitText(r: ScenarioResult): string {
  if (r.exitCode === undefined) return '–';
  return r.exitCode === null ? 'killed (timeout)' : String(r.exitCode);
}

// ---------------------------------------------------------------------------------------------
// Header: what was run, and the counts.

/** The client-level diagnosis, above everything per scenario. */
function diagnosisList(results: readonly ScenarioResult[]): string {
  const items = diagnose(results).map((d) => `<li class="diagnosis-${esc(d.code)}" data-diagnosis="${esc(d.code)}">${esc(d.text)}${d.scenarios.length ? ` <span class="scenarios">(${d.scenarios.map((id) => `<code>${esc(id)}</code>`).join(', ')})</span>` : ''}</li>`);
  return `<section class="diagnosis"><h2>Diagnosis</h2><ul>${items.join('')}</ul></section>`;
}

function header(results: readonly ScenarioResult[], meta: RunMeta): string {
  const counts = summary(results);
  const failures = counts.VULNERABLE + counts.BRICKED;
  const banner =
    failures === 0
      ? `<p class="banner banner-ok">✔ nothing VULNERABLE or BRICKED <span>(${results.length} scenario run${results.length === 1 ? '' : 's'})</span></p>`
      : `<p class="banner banner-fail">✘ ${failures} failure${failures === 1 ? '' : 's'}: ${counts.VULNERABLE} VULNERABLE, ${counts.BRICKED} BRICKED <span>(of ${results.length} scenario runs)</span></p>`;
  const chips = OUTCOMES.map((o) => `<li class="count ${outcomeClass(o)}${counts[o] === 0 ? ' zero' : ''}" data-outcome="${o}"><span class="n">${counts[o]}</span> ${esc(o)}</li>`).join('');
  return `<header>
<h1>pinprick report <span class="profile">profile <b>${esc(meta.profile)}</b></span></h1>
${banner}
<ul class="counts">${chips}</ul>
${diagnosisList(results)}
<dl class="meta">
<dt>profile</dt><dd>${esc(meta.profile)}</dd>
<dt>client</dt><dd><code>${esc(meta.client)}</code></dd>
<dt>world</dt><dd>${esc(meta.world)}</dd>
<dt>started</dt><dd>${esc(meta.startedAt)}</dd>
<dt>finished</dt><dd>${esc(meta.finishedAt)}</dd>
</dl>
</header>`;
}

// ---------------------------------------------------------------------------------------------
// The verdict matrix: one row per scenario run, each linking to its detail section.

function matrixRow(r: ScenarioResult, id: string): string {
  const c = r.classification;
  const fix = c.fix ? `<div class="fix"><b>Fix:</b> ${esc(c.fix)}</div>` : '';
  const reports = r.reports.length ? `<a href="#${id}-reports">${r.reports.length}</a>` : '0';
  return `<tr class="row ${outcomeClass(c.outcome)}" data-scenario="${esc(r.id)}">
<td class="id"><a href="#${id}">${esc(r.id)}</a></td>
<td>${esc(r.category)}</td>
<td><b>${esc(r.expected.verdict)}</b><br><small>${esc(r.expected.code)}</small></td>
<td>${esc(wireText(r))}</td>
<td class="num">${esc(exitText(r))}</td>
<td>${badge(c.outcome)}</td>
<td class="why">${esc(c.reason)}${fix}</td>
<td class="num">${reports}</td>
</tr>`;
}

function matrix(results: readonly ScenarioResult[], ids: readonly string[]): string {
  const rows = results.map((r, i) => matrixRow(r, ids[i]!)).join('\n');
  return `<section id="matrix">
<h2>Verdict matrix</h2>
<table class="matrix">
<thead><tr><th>scenario</th><th>category</th><th>expected</th><th>observed on the wire</th><th>exit</th><th>outcome</th><th>why</th><th>pin reports</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</section>`;
}

// ---------------------------------------------------------------------------------------------
// Per scenario: the verdict with its pin reports, then the chain picture, then the client output.

function verdictBlock(r: ScenarioResult): string {
  const c = r.classification;
  const w = r.wire;
  const tls = w ? [w.tlsVersion, w.cipher, w.alpn].filter(Boolean).join(' · ') : '';
  // PASS and VULNERABLE reasons already quote what a correct client does: say it once.
  const expected = c.reason.includes(r.expected.reason) ? '' : `<dt>correct client</dt><dd>${esc(r.expected.reason)}</dd>`;
  return `<div class="verdict ${outcomeClass(c.outcome)}">
<p class="verdict-head">${badge(c.outcome)} expected <b>${esc(r.expected.verdict)}</b> <small>(${esc(r.expected.code)})</small> · observed <b>${esc(c.observed)}</b></p>
<p class="reason">${esc(c.reason)}</p>
${c.fix ? `<p class="fix"><b>Fix:</b> ${esc(c.fix)}</p>` : ''}
<dl class="fields">
${expected}
<dt>wire</dt><dd>${esc(wireText(r))}${w ? ` — ${esc(w.detail)}` : ''}</dd>
${w?.sni ? `<dt>SNI</dt><dd>${esc(w.sni)}</dd>` : ''}
${tls ? `<dt>TLS</dt><dd>${esc(tls)}</dd>` : ''}
${r.fetched ? `<dt>fetched</dt><dd>${r.fetched.map((f) => `${esc(f.certificate)} from <code>${esc(f.url)}</code> (caIssuers)`).join('<br>')}</dd>` : ''}
<dt>exit code</dt><dd>${esc(exitText(r))}</dd>
<dt>duration</dt><dd>${r.durationMs} ms</dd>
</dl>
</div>`;
}

/** A list of pins, each marked when it is one of the profile's (by label). */
function pinList(pins: readonly string[], profile: ReadonlyMap<string, string>, ordered = false): string {
  if (pins.length === 0) return '<em>none</em>';
  const items = pins.map((p) => {
    const label = profile.get(p);
    return `<li>${pinCode(p)}${label === undefined ? '' : ` ${tag('pinned', `profile pin: ${label}`)}`}</li>`;
  });
  const list = ordered ? 'ol' : 'ul';
  return `<${list} class="pins">${items.join('')}</${list}>`;
}

function pinReportCard(pinReport: PinReport, profile: ReadonlyMap<string, string>): string {
  const about = pinReport.hostname ? `${pinReport.hostname}${pinReport.port === undefined ? '' : `:${pinReport.port}`}` : '(no hostname)';
  const field = (name: string, value: string | undefined) => (value === undefined ? '' : `<dt>${esc(name)}</dt><dd>${value}</dd>`);
  const pins = (list: string[] | undefined, ordered = false) => (list ? pinList(list, profile, ordered) : undefined);
  const body = typeof pinReport.body === 'string' ? pinReport.body : JSON.stringify(pinReport.body, null, 2);
  return `<article class="report" data-format="${esc(pinReport.format)}">
<p class="report-head">${tag('format', pinReport.format.toUpperCase())} about <b>${esc(about)}</b> <small>received ${esc(pinReport.receivedAt)}</small></p>
${pinReport.fromWebPage ? `<p class="forged">sent by a web page at <code>${esc(pinReport.origin ?? '')}</code>: may be forged (any page can make a browser post a report; HPKP and TrustKit send no Origin)</p>\n` : ''}<dl class="fields">
${field('validation result', esc(pinReport.validationResult ?? (pinReport.format === 'hpkp' ? 'pin validation failed (an HPKP report is only sent on failure)' : '–')))}
${field('noted host', pinReport.notedHostname === undefined ? undefined : esc(pinReport.notedHostname))}
${field('enforced', pinReport.enforced === undefined ? undefined : String(pinReport.enforced))}
${field('app', pinReport.app === undefined ? undefined : esc(pinReport.app))}
${field('known pins', pins(pinReport.knownPins))}
${field('served chain', pins(pinReport.servedChainPins, true))}
${field('validated chain', pins(pinReport.validatedChainPins, true))}
${field('sent to', `<code>${esc(pinReport.url)}</code>`)}
${field('origin', pinReport.origin === undefined || pinReport.fromWebPage ? undefined : `<code>${esc(pinReport.origin)}</code>`)}
${field('user agent', pinReport.userAgent === undefined ? undefined : esc(pinReport.userAgent))}
</dl>
<details><summary>raw body</summary><pre>${esc(body ?? '')}</pre></details>
</article>`;
}

function reportsBlock(r: ScenarioResult, id: string): string {
  const profile = new Map(r.chain.pins.flatMap((p) => (p.sha256 ? [[p.sha256, p.label ?? 'pinned'] as const] : [])));
  const cards = r.reports.map((pinReport) => pinReportCard(pinReport, profile)).join('\n');
  const body = r.reports.length ? cards : '<p class="none">The client sent no pin-failure report.</p>';
  return `<div class="reports" id="${id}-reports">
<h4>Pin-failure reports (${r.reports.length})</h4>
${body}
</div>`;
}

/** Validity as dates: the boxes are narrow, and the day is what matters for these scenarios. */
function validity(c: Pick<SentCertificate, 'notBefore' | 'notAfter'>): string {
  return `${esc(c.notBefore.slice(0, 10))} → ${esc(c.notAfter.slice(0, 10))}`;
}

function sentBox(c: SentCertificate, chain: ChainPicture): string {
  const step = chain.path.findIndex((p) => p.presentedIndex === c.index);
  const bait = chain.offPathPins.some((o) => o.index === c.index);
  const matched = step >= 0 && chain.path[step]!.matched;
  const classes = ['cert', 'sent', c.pinned ? 'pinned' : '', c.onPath ? 'on-path' : 'off-path', bait ? 'bait' : '', matched ? 'matched' : ''].filter(Boolean).join(' ');
  const tags = [
    c.onPath ? tag('on-path', step >= 0 ? `on the path (step ${step + 1})` : 'on the path') : tag('off-path', 'not on the path'),
    c.pinned ? tag('pinned', `pinned: ${c.pinned}`) : '',
    matched ? tag('matched', 'pin matched') : '',
    bait ? tag('bait', 'pinned key sent but not on the path (ignored, CVE-2016-2402 bait)') : '',
  ].join(' ');
  return `<article class="${classes}" data-index="${c.index}" data-pin="${esc(c.pin)}">
<p class="cert-head"><span class="idx">#${c.index}</span> <b title="${esc(c.subject)}">${esc(commonName(c.subject))}</b> <small>${esc(c.name)}</small></p>
<p class="tags">${tags}</p>
<dl class="fields">
<dt>issuer</dt><dd title="${esc(c.issuer)}">${esc(commonName(c.issuer))}</dd>
<dt>key</dt><dd>${esc(c.key)}</dd>
<dt>pin</dt><dd>${pinCode(c.pin)}</dd>
<dt>valid</dt><dd>${validity(c)}</dd>
</dl>
</article>`;
}

function pathBox(c: PathCertificate, step: number, chain: ChainPicture): string {
  const sent = c.presentedIndex === undefined ? undefined : chain.sent[c.presentedIndex];
  const last = step === chain.path.length - 1;
  const classes = ['cert', 'step', c.source === 'anchor' ? 'anchor' : '', c.pinned ? 'pinned' : '', c.matched ? 'matched' : ''].filter(Boolean).join(' ');
  const tags = [
    c.source === 'anchor' ? tag('anchor', 'trust anchor') : '',
    sent ? tag('sent', `sent as #${sent.index}`) : c.fetchedFrom ? tag('fetched', `not sent: fetched from ${c.fetchedFrom}`) : tag('store', 'from the trust store (not sent)'),
    c.pinned ? tag('pinned', `pinned: ${c.pinned}`) : '',
    c.matched ? tag('matched', 'pin matched') : '',
    last && !chain.pathComplete ? tag('incomplete', 'path ends here: no trust anchor reached') : '',
  ].join(' ');
  return `<article class="${classes}" data-step="${step + 1}" data-pin="${esc(c.pin)}">
<p class="cert-head"><span class="idx">${step + 1}</span> <b title="${esc(c.subject)}">${esc(commonName(c.subject))}</b>${step === 0 ? ' <small>leaf</small>' : ''}</p>
<p class="tags">${tags}</p>
<dl class="fields">
<dt>issuer</dt><dd title="${esc(c.issuer)}">${esc(commonName(c.issuer))}</dd>
<dt>key</dt><dd>${esc(c.key)}</dd>
<dt>pin</dt><dd>${pinCode(c.pin)}</dd>
${sent ? `<dt>valid</dt><dd>${validity(sent)}</dd>` : ''}
</dl>
</article>`;
}

function pathColumn(chain: ChainPicture): string {
  if (chain.path.length === 0) return `<p class="none no-path">No path was built: ${esc(chain.validation.code)} — ${esc(chain.validation.reason)}</p>`;
  const arrow = '<div class="arrow" aria-hidden="true">↓ <small>issued by</small></div>';
  return chain.path.map((c, i) => pathBox(c, i, chain)).join(`\n${arrow}\n`);
}

/** Where each of the profile's pins was found: matched on the path, sent off it, or not seen. */
function pinSet(chain: ChainPicture): string {
  const items = chain.pins.map((p) => {
    // A legacy SHA-1 pin is matched and shown as sha1/B64, as the model names it.
    const value = p.sha256 ?? `sha1/${p.sha1}`;
    const matched = chain.matchedPin?.pin === value;
    const off = chain.offPathPins.find((o) => o.pin === value);
    const where = matched
      ? tag('matched', `matched on the path (step ${chain.matchedPin!.pathIndex + 1})`)
      : off
        ? tag('bait', `sent as #${off.index}, not on the path: ignored`)
        : chain.path.some((c) => c.pin === value)
          ? tag('pinned', 'on the path')
          : tag('none', 'not in this chain');
    return `<li><code>${esc(value)}</code> ${tag('pinned', p.label ?? 'pinned')} ${where}</li>`;
  });
  return `<div class="pinset"><h4>The profile's pin set</h4><ul>${items.join('')}</ul></div>`;
}

function offPathCallout(chain: ChainPicture): string {
  if (chain.offPathPins.length === 0) return '';
  const items = chain.offPathPins.map((o) => `<li>#${o.index} ${o.label ? `<b>${esc(o.label)}</b> ` : ''}${pinCode(o.pin)}</li>`).join('');
  return `<div class="callout bait"><b>Pinned key sent but not on the path (ignored, CVE-2016-2402 bait).</b> A correct client hashes the path it built, never the certificates as sent: <ul>${items}</ul></div>`;
}

function chainBlock(chain: ChainPicture): string {
  const v = chain.validation;
  return `<div class="chain">
<p class="validation ${v.ok ? 'valid' : 'invalid'}">Path validation: <b>${v.ok ? 'ok' : 'fails'}</b> <small>(${esc(v.code)})</small> — ${esc(v.reason)}</p>
<div class="columns">
<div class="column"><h4>Sent by the server <small>(wire order)</small></h4>
${chain.sent.map((c) => sentBox(c, chain)).join('\n') || '<p class="none">No certificate was sent.</p>'}
</div>
<div class="column"><h4>Path a correct client builds <small>(leaf → trust anchor)</small></h4>
${pathColumn(chain)}
</div>
</div>
${offPathCallout(chain)}
${pinSet(chain)}
</div>`;
}

function clientOutput(r: ScenarioResult): string {
  const lines = (t: string) => (t ? `${t.split('\n').length} line${t.split('\n').length === 1 ? '' : 's'}` : 'empty');
  return `<details class="output"><summary>Client command and output <small>(stdout ${lines(r.stdout)}, stderr ${lines(r.stderr)})</small></summary>
<pre class="command">$ ${esc(r.command)}</pre>
<h5>stdout</h5><pre>${esc(r.stdout) || '<em>(empty)</em>'}</pre>
<h5>stderr</h5><pre>${esc(r.stderr) || '<em>(empty)</em>'}</pre>
</details>`;
}

function scenarioSection(r: ScenarioResult, id: string): string {
  return `<section class="scenario ${outcomeClass(r.classification.outcome)}" id="${id}">
<h3>${badge(r.classification.outcome)} <a href="#${id}">${esc(r.id)}</a> <span class="title">${esc(r.title)}</span> <span class="category">${esc(r.category)}</span> <a class="up" href="#matrix">↑ matrix</a></h3>
<div class="top">
${verdictBlock(r)}
${reportsBlock(r, id)}
</div>
${chainBlock(r.chain)}
${clientOutput(r)}
</section>`;
}

// ---------------------------------------------------------------------------------------------

/** Readable at 1280 px and on paper; system fonts only (no web font: the file stays self-contained). */
const CSS = `
:root{--pass:#1a7f37;--pass-bg:#dafbe1;--vuln:#cf222e;--vuln-bg:#ffebe9;--brick:#bc4c00;--brick-bg:#fff1e5;--risk:#9a6700;--risk-bg:#fff8c5;--inc:#57606a;--inc-bg:#eaeef2;--gold:#d4a72c;--gold-bg:#fffbea;--line:#d0d7de;--muted:#57606a}
*{box-sizing:border-box;-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1f2328;max-width:1240px;margin:0 auto;padding:16px 20px 48px}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12px}
pre{background:#f6f8fa;border:1px solid var(--line);border-radius:6px;padding:8px;white-space:pre-wrap;word-break:break-all;margin:4px 0}
h1{font-size:22px;margin:0 0 8px}h1 .profile{font-weight:normal;font-size:16px;color:var(--muted);margin-left:8px}
h2{font-size:18px;margin:24px 0 8px}h3{font-size:16px;margin:0 0 10px;display:flex;gap:8px;align-items:baseline;flex-wrap:wrap}
h4{font-size:13px;margin:0 0 6px;text-transform:uppercase;letter-spacing:.03em;color:var(--muted)}h5{margin:8px 0 2px;font-size:12px}
small{color:var(--muted)}a{color:#0969da}
.banner{font-size:17px;font-weight:600;padding:10px 14px;border-radius:6px;margin:8px 0}.banner span{font-weight:normal;font-size:14px}
.banner-ok{background:var(--pass-bg);color:var(--pass);border:1px solid var(--pass)}.banner-fail{background:var(--vuln-bg);color:var(--vuln);border:1px solid var(--vuln)}
.counts{list-style:none;display:flex;gap:8px;padding:0;margin:8px 0;flex-wrap:wrap}
.count{padding:4px 12px;border-radius:16px;font-weight:600;border:1px solid currentColor}.count .n{font-size:18px}.count.zero{opacity:.45}
.diagnosis h2{font-size:1em;margin:8px 0 4px}.diagnosis ul{margin:0;padding-left:1.2em}.diagnosis li{margin:2px 0}.diagnosis-correct{color:var(--pass)}.diagnosis .scenarios{color:var(--muted)}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:8px 0}.meta dt{color:var(--muted)}.meta dd{margin:0}
.o-pass{--o:var(--pass);--o-bg:var(--pass-bg)}.o-vulnerable{--o:var(--vuln);--o-bg:var(--vuln-bg)}.o-bricked{--o:var(--brick);--o-bg:var(--brick-bg)}.o-policy-risk{--o:var(--risk);--o-bg:var(--risk-bg)}.o-inconclusive{--o:var(--inc);--o-bg:var(--inc-bg)}
.count,.badge{color:var(--o);background:var(--o-bg)}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:700;border:1px solid var(--o);white-space:nowrap}
.matrix{border-collapse:collapse;width:100%}
.matrix th,.matrix td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
.matrix th{background:#f6f8fa;font-size:12px;text-transform:uppercase;color:var(--muted)}
.matrix tr.row td:first-child{border-left:4px solid var(--o)}
.matrix tr.o-vulnerable,.matrix tr.o-bricked{background:var(--o-bg)}
.matrix td.id{white-space:nowrap;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}.matrix td.num{text-align:center}.matrix td.why{font-size:13px}
.fix{color:var(--risk);margin-top:2px}
.scenario{border:1px solid var(--line);border-top:4px solid var(--o);border-radius:6px;padding:12px 14px;margin:18px 0}
.scenario h3 .title{font-weight:normal}.scenario h3 .category{font-size:12px;color:var(--muted);border:1px solid var(--line);border-radius:10px;padding:0 8px}.scenario h3 .up{margin-left:auto;font-size:12px;font-weight:normal}
.top{display:grid;grid-template-columns:1fr 1fr;gap:16px;margin-bottom:12px;align-items:start}
.verdict{background:var(--o-bg);border-left:4px solid var(--o);border-radius:4px;padding:8px 12px}.verdict p{margin:0 0 6px}
.fields{display:grid;grid-template-columns:max-content 1fr;gap:1px 10px;margin:4px 0;font-size:12.5px}.fields dt{color:var(--muted)}.fields dd{margin:0;overflow-wrap:anywhere}
.reports{border:1px solid var(--line);border-radius:4px;padding:8px 12px}
.report{border-top:1px dashed var(--line);padding-top:6px;margin-top:6px}.report-head{margin:0 0 4px}
.forged{margin:0 0 4px;padding:2px 6px;background:var(--vuln-bg);border-left:3px solid var(--vuln)}
.pins{margin:0;padding-left:20px}.none{color:var(--muted);font-style:italic;margin:4px 0}
.validation{margin:0 0 8px;padding:6px 10px;border-radius:4px}.validation.valid{background:#f6f8fa}.validation.invalid{background:var(--vuln-bg)}
.columns{display:grid;grid-template-columns:1fr 1fr;gap:28px}
.cert{border:1px solid var(--line);border-radius:6px;padding:6px 10px;background:#fff;break-inside:avoid}
.cert p{margin:0}.cert .cert-head{font-size:13.5px}.cert .idx{display:inline-block;min-width:22px;text-align:center;background:#eaeef2;border-radius:4px;font-size:12px;font-weight:700;margin-right:2px}
.column>.cert.sent{margin-bottom:8px}
.cert.pinned{border:2px solid var(--gold);background:var(--gold-bg)}
.cert.off-path{border-style:dashed;background:#f6f8fa;color:var(--muted)}
.cert.off-path.pinned{border-color:var(--vuln);background:#fff}
.cert.matched{border:3px solid var(--pass);background:var(--pass-bg);box-shadow:0 0 0 3px rgba(26,127,55,.25)}
.cert.anchor{border-bottom-width:4px;border-bottom-color:#0969da}
.arrow{text-align:center;color:var(--muted);font-size:16px;line-height:1.2;margin:2px 0}.arrow small{font-size:11px}
.tags{display:flex;flex-wrap:wrap;gap:4px;margin:3px 0 !important}
.tag{display:inline-block;font-size:11px;font-weight:600;padding:0 6px;border-radius:8px;border:1px solid var(--line);background:#f6f8fa;color:#1f2328;white-space:nowrap}
.tag-pinned{background:var(--gold-bg);border-color:var(--gold);color:#7d4e00}
.tag-matched{background:var(--pass);border-color:var(--pass);color:#fff}
.tag-bait{background:var(--vuln);border-color:var(--vuln);color:#fff;white-space:normal}
.tag-off-path{border-style:dashed}.tag-on-path{color:var(--pass)}
.tag-anchor{background:#ddf4ff;border-color:#0969da;color:#0550ae}.tag-store{background:#fbefff;border-color:#8250df;color:#6639ba}
.tag-incomplete{background:var(--vuln-bg);border-color:var(--vuln);color:var(--vuln)}.tag-format{background:#ddf4ff;border-color:#0969da;color:#0550ae}
.callout{margin:10px 0;padding:8px 12px;border-radius:4px}.callout.bait{background:var(--vuln-bg);border-left:4px solid var(--vuln)}.callout ul{margin:4px 0 0}
.pinset{margin-top:10px}.pinset ul{margin:0;padding-left:20px}.pinset li{margin:2px 0}
details{margin-top:8px}summary{cursor:pointer;font-weight:600}
@media (max-width:900px){.top,.columns{grid-template-columns:1fr}}
@media print{body{max-width:none;padding:0;font-size:11px}a{color:inherit;text-decoration:none}.up{display:none}.scenario{break-inside:auto}.matrix tr{break-inside:avoid}}
`;

/**
 * The run as one self-contained HTML page: header with the counts, the verdict matrix, and per
 * scenario the verdict, the pin-failure reports and a picture of the chain sent and the path built.
 */
export function htmlReport(results: readonly ScenarioResult[], meta: RunMeta): string {
  const ids = anchorIds(results);
  const sections = results.map((r, i) => scenarioSection(r, ids[i]!)).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pinprick report: ${esc(meta.profile)}</title>
<style>${CSS}</style>
</head>
<body>
${header(results, meta)}
<main>
${matrix(results, ids)}
<h2>Scenarios</h2>
${sections}
</main>
</body>
</html>
`;
}
