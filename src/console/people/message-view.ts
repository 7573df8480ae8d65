/**
 * "View as sent": one stored message's headers, its HTML in a sandboxed frame (served with a
 * CSP of its own: no scripts, no network but https images), its text, and its exact bytes.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import { viewAsSent, type SentMessage } from '../data/message.js';
import type { ConsoleDeps } from '../deps.js';
import { html, page, type SafeHtml } from '../layout.js';
import { messagePage, sendPage } from '../respond.js';
import { routeParam } from '../request-fields.js';

/** The stored HTML runs nothing and loads nothing but images, and only our pages may frame it. */
const MESSAGE_CSP =
  "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data: https:; frame-ancestors 'self'";

async function load(
  deps: ConsoleDeps,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<SentMessage | null> {
  const raw = routeParam(request, 'id');
  try {
    if (!/^[1-9][0-9]{0,14}$/.test(raw)) throw new AppError('E_NOT_FOUND', `"${raw}" is not a delivery id`);
    return await viewAsSent(deps.db, Number(raw));
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    await messagePage(
      request,
      reply,
      404,
      'No stored message',
      html`<p>${error.message}.</p>
        <p><a href="/console/deliveries">Back to deliveries</a></p>`,
    );
    return null;
  }
}

function view(m: SentMessage): SafeHtml {
  const base = `/console/deliveries/${m.deliveryId}`;
  return html`<p><a href="/console/deliveries">← Deliveries</a></p>
    <h1>${m.subject}</h1>
    <p>
      Template ${m.template}${m.templateVersion === null ? '' : html` (version ${m.templateVersion})`}, locale
      ${m.locale}.
    </p>
    <h2>Integrity</h2>
    <p>SHA-256 <code data-testid="sha256">${m.sha256}</code></p>
    <p role="status">
      ${
        m.intact
          ? 'The stored bytes still match the hash recorded when the message was sent.'
          : 'The stored bytes no longer match the hash recorded when the message was sent.'
      }
    </p>
    <p><a href="${base}/eml" download="delivery-${m.deliveryId}.eml">Download .eml</a></p>
    <h2>Headers</h2>
    <div class="table-scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">Header</th>
            <th scope="col">Value</th>
          </tr>
        </thead>
        <tbody>
          ${m.headers.map(
            (h) =>
              html`<tr>
                <td>${h.name}</td>
                <td>${h.value}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    <h2>HTML part</h2>
    ${
      m.html === null
        ? html`<p class="muted">This message has no HTML part.</p>`
        : html`<iframe
            sandbox=""
            src="${base}/html"
            title="HTML part of the message"
            class="message-frame"
            width="100%"
            height="600"
          ></iframe>`
    }
    <h2>Text part</h2>
    ${m.text === null ? html`<p class="muted">This message has no text part.</p>` : html`<pre>${m.text}</pre>`}`;
}

export function registerMessageRoutes(scope: FastifyInstance, deps: ConsoleDeps): void {
  scope.get('/deliveries/:id', async (request, reply) => {
    const m = await load(deps, request, reply);
    if (m === null) return reply;
    const document = page({
      title: m.subject,
      staff: request.staff,
      csrf: request.csrf,
      active: 'deliveries',
      body: view(m),
    });
    return sendPage(reply, 200, document);
  });
  scope.get('/deliveries/:id/html', async (request, reply) => {
    const m = await load(deps, request, reply);
    if (m === null) return reply;
    return reply
      .header('content-security-policy', MESSAGE_CSP)
      .type('text/html; charset=utf-8')
      .send(m.html ?? '');
  });
  scope.get('/deliveries/:id/eml', async (request, reply) => {
    const m = await load(deps, request, reply);
    if (m === null) return reply;
    return reply
      .type('message/rfc822')
      .header('content-disposition', `attachment; filename="delivery-${m.deliveryId}.eml"`)
      .send(m.raw);
  });
}
