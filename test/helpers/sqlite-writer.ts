/**
 * A child process for the durability test: `node sqlite-writer.js DB_PATH TAG` opens the
 * store and writes users and tokens in a loop, printing `ACK user ID` or `ACK token DIGEST`
 * after each write has resolved. The test kills it with SIGKILL at an arbitrary moment.
 */
import { pino } from 'pino';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { makeToken, makeUser } from '../stores/conformance/records.js';

const MAX_PAIRS = 1_000;

async function main(path: string, tag: string): Promise<void> {
  const store = SqliteStore.open(path, { logger: pino({ level: 'silent' }) });

  for (let index = 0; index < MAX_PAIRS; index += 1) {
    const userId = `${tag}-user-${index}`;
    await store.createUser(makeUser(userId));
    process.stdout.write(`ACK user ${userId}\n`);

    const token = makeToken(userId, index, {
      digest: `${tag}-token-${index}`,
      sessionId: `${tag}-session-${index}`,
    });
    await store.createToken(token, 10);
    process.stdout.write(`ACK token ${token.digest}\n`);
  }
  // Stay alive until killed, like a server would; stop if the test itself has gone away.
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

const [path, tag] = process.argv.slice(2);
if (!path || !tag) {
  process.stderr.write('usage: sqlite-writer DB_PATH TAG\n');
  process.exit(2);
}
main(path, tag).catch((error: unknown) => {
  process.stderr.write(`sqlite-writer failed: ${String(error)}\n`);
  process.exit(1);
});
