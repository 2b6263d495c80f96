import formbody from '@fastify/formbody';
import Fastify from 'fastify';

/**
 * The framework baseline: what Fastify and form parsing cost before any auth work, so the
 * report can tell the framework's share from tokenauth's own.
 */
const app = Fastify({ logger: false });
await app.register(formbody);

app.post('/echo', async (request, reply) => {
  const form = request.body as Record<string, unknown> | undefined;
  const text = typeof form?.text === 'string' ? form.text : '';
  reply.type('text/plain');
  return `You said: ${text}`;
});

const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ msg: 'ready', url })}\n`);

process.on('SIGTERM', () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
