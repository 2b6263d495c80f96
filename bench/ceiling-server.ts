import { createServer } from 'node:http';

/**
 * The ceiling: the least work Node can do per request on this machine. Every other figure is
 * reported as a fraction of this one, measured in the same round.
 */
const body = Buffer.from('ok');

const server = createServer((request, response) => {
  // Read the body, as every real server must, before answering.
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
    response.end(body);
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ msg: 'ready', url: `http://127.0.0.1:${port}` })}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
