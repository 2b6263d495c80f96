import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { UsageError } from './usage-error.js';

/**
 * Reads a password from standard input (`--password-stdin`, one trailing newline removed) or
 * from a prompt whose typing is not echoed. Never from a flag: flags show in `ps` and in shell
 * history.
 */
export async function readPassword(options: {
  fromStdin: boolean;
  prompt: string;
}): Promise<string> {
  if (options.fromStdin) return readAllStdin();
  if (!process.stdin.isTTY) {
    throw new UsageError('no terminal to prompt for the password: pipe it with --password-stdin');
  }
  return promptHidden(options.prompt);
}

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

function promptHidden(prompt: string): Promise<string> {
  process.stderr.write(prompt);
  let muted = true;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const reader = createInterface({ input: process.stdin, output: sink, terminal: true });
  return new Promise((resolve) => {
    reader.question('', (answer) => {
      muted = false;
      reader.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}
