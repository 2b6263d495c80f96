import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/run-cli.js';
import { spawnServer } from '../helpers/spawn-server.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

/**
 * Start-up time is mostly module loading: ioredis alone costs a server over 100 ms. These
 * tests run the real command line with a preload that lists, at exit, every CommonJS module
 * the process loaded (all our heavy dependencies are CommonJS), and check what stayed out.
 */
let dir: TempDir;
let preload: string;
let run = 0;

before(async () => {
  dir = await makeTempDir('startup-imports');
  preload = join(dir.path, 'record-loaded.cjs');
  await writeFile(
    preload,
    [
      "const { writeFileSync } = require('node:fs');",
      'const out = process.env.TOKENAUTH_TEST_LOADED_FILE;',
      "process.on('exit', () => writeFileSync(out, Object.keys(require.cache).join('\\n')));",
    ].join('\n'),
  );
});

after(() => dir.remove());

/** Environment for one recorded run, and a reader of the packages it loaded. */
function recording(): { env: NodeJS.ProcessEnv; packages: () => Promise<Set<string>> } {
  run += 1;
  const file = join(dir.path, `loaded-${run}.txt`);
  return {
    env: { NODE_OPTIONS: `--require ${preload}`, TOKENAUTH_TEST_LOADED_FILE: file },
    packages: async () => {
      const paths = (await readFile(file, 'utf8')).split('\n');
      const names = paths.map((path) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1]);
      return new Set(names.filter((name) => name !== undefined));
    },
  };
}

async function servePackages(args: readonly string[]): Promise<Set<string>> {
  const { env, packages } = recording();
  const server = await spawnServer(['--host', '127.0.0.1', ...args], { env });
  assert.equal((await fetch(`${server.url}/`)).status, 200);
  assert.equal(await server.stop(), 0);
  return packages();
}

function assertNotLoaded(loaded: Set<string>, names: readonly string[]): void {
  for (const name of names) assert.ok(!loaded.has(name), `${name} should not be loaded`);
}

describe('start-up imports', () => {
  it('a memory-store server in open mode loads no store driver and no argon2', async () => {
    const loaded = await servePackages(['--store', 'memory:', '--login', 'open']);
    assert.ok(loaded.has('fastify'), 'the recorder sees the server’s packages');
    assertNotLoaded(loaded, ['ioredis', 'better-sqlite3', 'argon2']);
  });

  it('a SQLite-store server loads better-sqlite3 and not ioredis', async () => {
    const store = `sqlite:${join(dir.path, 'startup.db')}`;
    const loaded = await servePackages(['--store', store, '--login', 'open']);
    assert.ok(loaded.has('better-sqlite3'));
    assertNotLoaded(loaded, ['ioredis', 'argon2']);
  });

  it('a password-mode server loads argon2 for its dummy hash before it is ready', async () => {
    const loaded = await servePackages(['--store', 'memory:', '--login', 'password']);
    assert.ok(loaded.has('argon2'));
    assertNotLoaded(loaded, ['ioredis', 'better-sqlite3']);
  });

  it('the full help loads no server, store driver or password hashing', async () => {
    const { env, packages } = recording();
    const result = await runCli(['--help'], { env });
    assert.equal(result.code, 0);
    assert.ok((await packages()).has('commander'));
    assertNotLoaded(await packages(), [
      'fastify',
      'prom-client',
      'ioredis',
      'better-sqlite3',
      'argon2',
    ]);
  });

  it('a user command loads only its own module, not the logger of the admin commands', async () => {
    const { env, packages } = recording();
    const result = await runCli(['me', '--help'], { env });
    assert.equal(result.code, 0);
    assertNotLoaded(await packages(), ['pino', 'fastify', 'ioredis', 'better-sqlite3', 'argon2']);
  });

  it('every command in the help answers its own --help when named first', async () => {
    const help = await runCli(['--help']);
    const commands = [...help.stdout.matchAll(/^ {2}([a-z]+)\b/gm)]
      .flatMap((match) => (match[1] === undefined ? [] : [match[1]]))
      .filter((name) => name !== 'help');
    assert.ok(commands.length >= 10, `found commands: ${commands.join(', ')}`);

    for (const command of commands) {
      const result = await runCli([command, '--help']);
      assert.equal(result.code, 0, `${command}: ${result.stderr}`);
      assert.match(result.stdout, new RegExp(`^Usage: tokenauth ${command}\\b`), command);
    }
  });
});
