import type { CommandModule } from 'yargs';
export const pinsCommand: CommandModule = { command: 'pins', describe: 'Compute RFC 7469 pins', handler: () => undefined };
