import type { CommandModule } from 'yargs';
export const caCommand: CommandModule = { command: 'ca', describe: 'Export the roots a test client must trust (PEM bundle, DER .cer, Android <hash>.0)', handler: () => undefined };
