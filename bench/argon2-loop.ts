import argon2 from 'argon2';

/**
 * The hashing ceiling for password logins: argon2id with the server's parameters, as many
 * hashes in flight as libuv has threads, nothing else. Runs in its own process; argument: the
 * duration in seconds. Prints one JSON line: `{ "hashesPerSecond": n, "parallel": n }`.
 */
const durationMs = Number(process.argv[2] ?? '5') * 1000;
const parallel = Number(process.env.UV_THREADPOOL_SIZE ?? '4');
const params = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

async function hashUntil(deadline: number): Promise<number> {
  let hashes = 0;
  while (performance.now() < deadline) {
    await argon2.hash('correct horse battery staple', params);
    hashes += 1;
  }
  return hashes;
}

// One hash first, so loading the binding is not counted.
await argon2.hash('warm-up password', params);
const startedAt = performance.now();
const counts = await Promise.all(
  Array.from({ length: parallel }, () => hashUntil(startedAt + durationMs)),
);
const elapsedSeconds = (performance.now() - startedAt) / 1000;
const total = counts.reduce((sum, n) => sum + n, 0);
process.stdout.write(`${JSON.stringify({ hashesPerSecond: total / elapsedSeconds, parallel })}\n`);
