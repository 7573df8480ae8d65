/**
 * The upload itself: a streamed multipart form whose `_csrf` field must come, and match, before
 * the file, so nothing from a forged form is ever stored. The file goes to disk within the
 * configured size; the browser's file name only picks the format and is shown, never a path.
 */
import type { MultipartFile, MultipartValue } from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import { detectFormat } from '../../import/parse.js';
import { hasControl } from '../../import/text.js';
import { staffOf } from '../guards.js';
import { html } from '../layout.js';
import { forbidden, messagePage, redirect } from '../respond.js';
import { csrfTokenMatches } from '../session.js';
import type { ImportContext } from './page.js';
import { megabytes, pageWords, uploadForm } from './views.js';

const KINDS = new Set(['customers', 'events']);

/** The file's name as shown on the pages: no control characters, at most 200 characters. */
function displayName(filename: string): string {
  const name = [...filename]
    .filter((c) => !hasControl(c))
    .join('')
    .trim();
  return (name === '' ? 'the file' : name).slice(0, 200);
}

function refused(
  ctx: ImportContext,
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  why: string,
) {
  return messagePage(
    request,
    reply,
    status,
    'Not uploaded',
    html`<div class="notice notice-error" role="alert"><p>${why}</p></div>
      ${uploadForm(request.csrf, ctx.deps.config.console.import_max_bytes)}`,
  );
}

async function drain(part: MultipartFile): Promise<void> {
  part.file.resume();
  await new Promise((resolve) => part.file.once('close', resolve).once('end', resolve));
}

export async function receiveUpload(ctx: ImportContext, request: FastifyRequest, reply: FastifyReply) {
  const staff = staffOf(request);
  const session = request.consoleSession;
  // Each upload clears those left over an hour, besides the periodic sweep.
  await ctx.sweep();
  const max = ctx.deps.config.console.import_max_bytes;
  let tokenSeen = false;
  let kind = '';
  const parts = request.parts({ limits: { fileSize: max, files: 1, fields: 4 } });
  for await (const part of parts) {
    if (part.type === 'field') {
      const value = (part as MultipartValue).value;
      if (part.fieldname === '_csrf') tokenSeen = session !== null && csrfTokenMatches(session, value);
      else if (part.fieldname === 'kind') kind = String(value);
      continue;
    }
    if (!tokenSeen) {
      await drain(part);
      return forbidden(
        request,
        reply,
        'This form came from another site or has expired. Reload the page and try again.',
      );
    }
    if (!KINDS.has(kind)) {
      await drain(part);
      return refused(ctx, request, reply, 400, 'kind: choose customers or events.');
    }
    let format;
    try {
      format = detectFormat(part.filename || 'file');
    } catch (error) {
      await drain(part);
      if (!(error instanceof AppError)) throw error;
      return refused(
        ctx,
        request,
        reply,
        400,
        `file: ${pageWords(error.message).replace(/, or say --format.*$/, '')}`,
      );
    }
    const upload = await ctx.uploads.save(part.file, () => part.file.truncated, {
      staffId: staff.id,
      kind: kind as 'customers' | 'events',
      format,
      name: displayName(part.filename),
      createdAt: ctx.deps.now(),
      strict: false,
    });
    if (!upload) {
      const why =
        `file: larger than ${megabytes(max)}, the most the console accepts (console.import_max_bytes). ` +
        'Split it into smaller files, or import it with rapport import on the server.';
      return refused(ctx, request, reply, 413, why);
    }
    return redirect(reply, `/console/import/${upload.id}`);
  }
  return tokenSeen
    ? refused(ctx, request, reply, 400, 'file: choose a file to upload.')
    : forbidden(
        request,
        reply,
        'This form came from another site or has expired. Reload the page and try again.',
      );
}
