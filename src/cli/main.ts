import { Command, CommanderError } from 'commander';
import { CommandFailure, EXIT_FAILURE, EXIT_USAGE, UsageError } from './usage-error.js';

interface CommandModule {
  /** The top-level commands the module adds. */
  readonly names: readonly string[];
  readonly load: () => Promise<(program: Command) => void>;
}

/**
 * Every command module, in help order. Only the module of the command being run is imported:
 * a user command then does not load the administrative ones, and `serve` none of the others.
 * Help, version and unknown names load them all, so a name missing here still works, only
 * slower; a name under the wrong module would break its command, which the startup-imports
 * test catches.
 */
const COMMAND_MODULES: readonly CommandModule[] = [
  { names: ['serve'], load: async () => (await import('./serve-command.js')).addServeCommand },
  { names: ['demo'], load: async () => (await import('./demo-command.js')).addDemoCommand },
  {
    names: ['login', 'echo', 'me', 'sessions', 'logout'],
    load: async () => (await import('./session-commands.js')).addSessionCommands,
  },
  { names: ['users'], load: async () => (await import('./users-command.js')).addUsersCommand },
  { names: ['tokens'], load: async () => (await import('./tokens-command.js')).addTokensCommand },
  {
    names: ['clients'],
    load: async () => (await import('./clients-command.js')).addClientsCommand,
  },
];

/** The program with the commands `argv` may need: its own module's, or all of them. */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('tokenauth')
    .description('A small, fast token authentication server')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  const named = COMMAND_MODULES.filter((module) => module.names.includes(argv[0] ?? ''));
  const needed = named.length > 0 ? named : COMMAND_MODULES;
  const adders = await Promise.all(needed.map((module) => module.load()));
  for (const add of adders) add(program);

  for (const command of program.commands) applyToTree(command);
  return program;
}

/** Subcommands inherit exit override, so every usage error comes back here as exit code 2. */
function applyToTree(command: Command): void {
  command.exitOverride();
  for (const child of command.commands) applyToTree(child);
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync([...argv], { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (error) {
    return reportError(error);
  }
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message; help and version are not errors.
    return error.exitCode === 0 ? 0 : EXIT_USAGE;
  }
  if (error instanceof UsageError) {
    process.stderr.write(`tokenauth: ${error.message}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof CommandFailure) {
    process.stderr.write(`tokenauth: ${error.message}\n`);
    return EXIT_FAILURE;
  }
  const message = error instanceof Error ? error.message : 'unexpected error';
  process.stderr.write(`tokenauth: ${message}\n`);
  return EXIT_FAILURE;
}
