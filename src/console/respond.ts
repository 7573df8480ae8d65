/** Console replies that are whole pages: errors, refusals, redirects. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { html, page, type SafeHtml } from './layout.js';

export function sendPage(reply: FastifyReply, status: number, document: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(document);
}

/** A short page with a heading and a sentence, in the shell when someone is signed in. */
export function messagePage(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  title: string,
  body: SafeHtml,
): FastifyReply {
  const document = page({
    title,
    staff: request.staff,
    csrf: request.csrf,
    body: html`<h1>${title}</h1>
      ${body}`,
  });
  return sendPage(reply, status, document);
}

export function forbidden(request: FastifyRequest, reply: FastifyReply, why: string): FastifyReply {
  return messagePage(
    request,
    reply,
    403,
    'Not allowed',
    html`<p>${why}</p>
      <p><a href="/console/">Back to the console</a></p>`,
  );
}

/** True when the client asked for JSON (fetch from a console script), not a page. */
export function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return (
    request.url.startsWith('/console/api/') ||
    (accept.includes('application/json') && !accept.includes('text/html'))
  );
}

export function redirect(reply: FastifyReply, to: string): FastifyReply {
  return reply.code(303).header('location', to).send();
}
