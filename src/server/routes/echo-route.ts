import type { FastifyInstance } from 'fastify';
import { requireToken } from '../authenticate.js';
import { bodySchema, idField, MAX_TEXT_LENGTH, stringField, tokenField } from '../schemas.js';
import type { ServerServices } from '../services.js';

export function registerEchoRoute(app: FastifyInstance, services: ServerServices): void {
  app.post<{ Body: { text: string } }>(
    '/echo',
    {
      preValidation: requireToken(services),
      schema: {
        body: bodySchema({ id: idField, token: tokenField, text: stringField(MAX_TEXT_LENGTH) }, [
          'text',
        ]),
      },
    },
    async (request, reply) => {
      // Plain text, never HTML: the echoed text is the client's own and must not run as markup.
      reply.type('text/plain; charset=utf-8').header('x-content-type-options', 'nosniff');
      return `You said: ${request.body.text}`;
    },
  );
}
