import { existsSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { findIncident, incidentDate, incidentFile, loadShippedIncidents, replayCommands, shippedTimelineFiles, timelineFile, type Incident, type Replay } from '../../incidents/incident.js';
import { loadCatalog, type Scenario } from '../../scenario/scenario.js';
import { defaultWorldSpec } from '../../world/spec.js';
import { out, table, wrapText } from '../output.js';
import type { WorldArgs } from './world.js';

/** An incident as `--json` prints it: its fields, its date and file (from the package root), no source positions. */
function incidentJson(incident: Incident): Record<string, unknown> {
  const { source: _source, ...fields } = incident;
  return { ...fields, date: incidentDate(incident), file: incidentFile(incident) };
}

/** The replay commands, the simulate one when the timeline file exists. */
function replayOf(incident: Incident): Replay {
  const timeline = timelineFile(incident);
  return replayCommands(incident, timeline !== undefined && existsSync(timeline), shippedTimelineFiles());
}

const WIDTH = 100;

/** `pinprick incidents show ID` as text lines: everything the incident file holds, then how to replay it. */
export function incidentLines(incident: Incident, catalog: readonly Scenario[], replay: Replay): string[] {
  const lines = [`${incident.id}  ${incident.title}`, `date: ${incidentDate(incident)}   changes: ${incident.changes.join(', ')}   file: ${incidentFile(incident)}`, `named: ${incident.names.join(', ')}`, ''];
  lines.push(...wrapText(incident.summary, WIDTH));
  lines.push('', 'dates:');
  for (const d of incident.dates) lines.push(...wrapText(d.event, WIDTH, `  ${d.date}  `, ' '.repeat(14)));
  const list = (title: string, items: readonly string[]) => {
    lines.push('', `${title}:`);
    for (const item of items) lines.push(...wrapText(item, WIDTH, '  - ', '    '));
  };
  list('broke', incident.broke);
  list('survived', incident.survived);
  lines.push('', 'scenarios (replayed through the proxy):');
  const byId = new Map(catalog.map((s) => [s.id, s]));
  lines.push(
    ...table(
      incident.scenarios.map((id) => {
        const s = byId.get(id);
        return [`  ${id}`, s?.expect ?? '', s?.title ?? ''];
      }),
    ).split('\n'),
  );
  list('sources', incident.sources);
  lines.push('', 'replay (from the pinprick folder):', `  ${replay.run}`);
  if (replay.simulate) lines.push(`  ${replay.simulate}`);
  for (const contrast of replay.contrasts ?? []) lines.push(`  ${contrast}`);
  return lines;
}

const list: CommandModule<WorldArgs, WorldArgs & { json?: boolean }> = {
  command: 'list',
  describe: 'List the incidents, oldest first: id, date, title, what changed, the scenarios that replay it',
  builder: (y) => y.option('json', { type: 'boolean', describe: 'JSON output' }).example('$0 incidents list', ''),
  handler: (args) => {
    const incidents = loadShippedIncidents();
    if (args.json) return out(JSON.stringify(incidents.map(incidentJson), null, 2));
    out(table(incidents.map((i) => [i.id, incidentDate(i), i.title, i.changes.join(', '), i.scenarios.join(', ')]), ['id', 'date', 'title', 'changes', 'scenarios']));
  },
};

const show: CommandModule<WorldArgs, WorldArgs & { id: string; json?: boolean }> = {
  command: 'show <id>',
  describe: 'Show an incident: dates, what changed, which pins broke and survived, sources, scenarios, and the commands that replay it',
  builder: (y) =>
    y
      .positional('id', { type: 'string', demandOption: true, describe: 'An incident id (pinprick incidents list)' })
      .option('json', { type: 'boolean', describe: 'JSON output' })
      .example('$0 incidents show barclays-2016', ''),
  handler: (args) => {
    const catalog = loadCatalog(defaultWorldSpec());
    const incident = findIncident(loadShippedIncidents(catalog), args.id);
    const replay = replayOf(incident);
    if (args.json) return out(JSON.stringify({ ...incidentJson(incident), replay }, null, 2));
    out(incidentLines(incident, catalog, replay).join('\n'));
  },
};

/** `pinprick incidents list|show`. */
export const incidentsCommand: CommandModule<WorldArgs, WorldArgs> = {
  command: 'incidents <action>',
  describe: 'The dated catalog of real pinning incidents, and how to replay each through the proxy',
  builder: (y) =>
    y
      .command(list)
      .command(show)
      .demandCommand(1, 'Name an action: list or show.')
      .epilog('Replay one: pinprick run --scenarios <incident id> (its scenarios), or the command `incidents show` prints.'),
  handler: () => undefined,
};
