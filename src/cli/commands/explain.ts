import type { CommandModule } from 'yargs';
import type { ScenarioArgs } from './scenarios.js';
/** Placeholder until the reference model lands. */
export const explainCommand: CommandModule<ScenarioArgs, ScenarioArgs> = { command: 'explain <id>', describe: 'Explain the expected verdict of a scenario', handler: () => undefined };
