import { Command, CommanderError } from 'commander';
import { addClientsCommand } from './clients-command.js';
import { addDemoCommand } from './demo-command.js';
import { addServeCommand } from './serve-command.js';
import { addSessionCommands } from './session-commands.js';
import { addTokensCommand } from './tokens-command.js';
import { CommandFailure, EXIT_FAILURE, EXIT_USAGE, UsageError } from './usage-error.js';
import { addUsersCommand } from './users-command.js';

export function buildProgram(): Command {
  const program = new Command('tokenauth')
    .description('A small, fast token authentication server')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  addServeCommand(program);
  addDemoCommand(program);
  addSessionCommands(program);
  addUsersCommand(program);
  addTokensCommand(program);
  addClientsCommand(program);
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
    await buildProgram().parseAsync([...argv], { from: 'user' });
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
