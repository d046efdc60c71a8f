import type { CommandModule } from 'yargs';
import { pinText, type Verdict } from '../../model/index.js';
import { presentScenario } from '../../scenario/materialize.js';
import { loadAnyProfile } from '../../policy/load-profile.js';
import { loadBuiltinProfiles, resolveProfile } from '../../scenario/profile.js';
import { findScenario } from '../../scenario/scenario.js';
import { out, table } from '../output.js';
import { catalogFromArgs, chainLines, type ScenarioArgs } from './scenario-args.js';
import { openFromArgs } from './world.js';

interface ExplainArgs extends ScenarioArgs {
  id: string;
  profile?: string;
  json?: boolean;
}

/** The paths a verdict considered, leaf to anchor, as text lines. */
export function pathLines(verdict: Verdict): string[] {
  const lines: string[] = [];
  verdict.paths.forEach((path, i) => {
    const chosen = i === verdict.chosenPath ? 'chosen, ' : '';
    const status = path.result.ok ? 'valid' : `invalid: ${path.result.reason}`;
    lines.push(`path ${i + 1} (${chosen}${path.complete ? status : 'does not reach a trusted root'})`);
    lines.push(
      table(
        path.certificates.map((c, depth) => [
          `  ${depth}`,
          c.subject,
          c.key,
          c.signatureAlgorithm,
          `${c.notBefore.slice(0, 10)}..${c.notAfter.slice(0, 10)}`,
          c.pin,
          c.source === 'anchor' ? `trust anchor${c.presentedIndex !== undefined ? ` (also sent as #${c.presentedIndex})` : ''}` : c.source === 'fetched' ? `fetched from ${c.fetchedFrom}` : `sent as #${c.presentedIndex}`,
        ]),
      ),
    );
  });
  if (!verdict.paths.length) lines.push('no path: nothing to build from');
  return lines;
}

/** `pinprick scenarios explain ID --profile P`. */
export const explainCommand: CommandModule<ScenarioArgs, ExplainArgs> = {
  command: 'explain <id>',
  describe: 'Explain what a correct client does with a scenario: the chain, the path built, the verdict for a profile and for every shipped profile',
  builder: (y) =>
    y
      .positional('id', { type: 'string', demandOption: true })
      .option('profile', { alias: 'p', type: 'string', describe: 'Shipped profile id or a profile file (default: intermediate-backup)' })
      .option('json', { type: 'boolean', describe: 'The verdicts as JSON' })
      .example('$0 scenarios explain attack-pin-stuffing --profile root-only', '')
      .example('$0 scenarios explain rotation-intermediate --profile ./my-app-pins.yaml', ''),
  handler: async (args) => {
    // The reference model is loaded here, not with the command list: `serve` shares this module's imports.
    const { expectScenario } = await import('../../scenario/expect.js');
    const opened = await openFromArgs(args);
    const world = opened.world;
    const scenario = findScenario(catalogFromArgs(args, world.spec), args.id);
    const presented = await presentScenario(opened, scenario);
    const profile = loadAnyProfile(args.profile ?? 'intermediate-backup', world);
    const verdict = expectScenario(presented, profile, world);
    const shipped = loadBuiltinProfiles(world.spec).map((p) => resolveProfile(p, world));
    const perProfile = shipped.map((p) => ({ profile: p.id, verdict: expectScenario(presented, p, world) }));
    if (args.json) {
      return out(JSON.stringify({ scenario: scenario.id, profile: profile.id, host: presented.hosts[0], at: presented.at.toISOString(), verdict, profiles: perProfile }, null, 2));
    }
    out(`${scenario.id}  [${scenario.category}]  ${scenario.title}`);
    out(`profile: ${profile.id} (pins: ${profile.rules.flatMap((r) => r.pins).map((p) => p.label ?? pinText(p)).join(', ')})   host: ${presented.hosts[0]}   at: ${presented.at.toISOString()}`);
    out(`trust store: ${presented.trust ? presented.trust.map((c) => c.name).join(', ') + ' (set by the scenario)' : profile.trust.join(', ')}`);
    out('\nchain presented, in order:');
    out(table(chainLines(presented.chain), ['#', 'name', 'subject', 'issuer', 'key', 'pin-sha256', 'validity']));
    out('\npaths built, leaf to anchor:');
    for (const line of pathLines(verdict)) out(line);
    out(`\nverdict: ${verdict.expected.toUpperCase()} (${verdict.code}): ${verdict.reason}`);
    for (const off of verdict.pinCheck?.offPathPins ?? []) out(`  note: pinned key ${off.label ?? off.pin} was sent (#${off.presentedIndex}) but is not on the validated path: it never counts`);
    out('\nevery shipped profile:');
    out(table(perProfile.map(({ profile: id, verdict: v }) => [id, v.expected, v.code, v.reason]), ['profile', 'expected', 'code', 'reason']));
  },
};
