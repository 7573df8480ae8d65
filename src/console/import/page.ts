/**
 * /console/import: upload a customers or events file, review how its columns are read and what
 * a dry run of the import would do, then confirm. Editors and owners only; viewers are told why.
 * The file waits on the server under a random id bound to the uploader, for an hour at most.
 */
import multipart from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, describeError } from '../../errors.js';
import { parseDateFormat } from '../../import/date-input.js';
import { mapFromPairs } from '../../import/mapping.js';
import { noticeOf } from '../automations/views.js';
import type { ConsoleDeps, Staff } from '../deps.js';
import { hasRole, requireRole, staffOf } from '../guards.js';
import { html, page, type SafeHtml } from '../layout.js';
import type { ConsolePage } from '../plugin.js';
import { messagePage, redirect, sendPage } from '../respond.js';
import { audit } from '../staff.js';
import { ImportJobs, type Job, settleWithin } from './jobs.js';
import { checkUpload, importUpload } from './run.js';
import { receiveUpload } from './receive.js';
import { type Upload, Uploads } from './uploads.js';
import { doneBody, progressBody, reviewBody, uploadForm } from './views.js';

const SWEEP_MS = 10 * 60_000;

const NOTICES: Record<string, string> = {
  cancelled: 'Cancelled; the file was deleted.',
  changed: 'The settings changed since that page was shown: check the result below, then confirm again.',
};

type Params = { id: string };
type Body = Record<string, unknown>;

interface Ctx {
  deps: ConsoleDeps;
  uploads: Uploads;
  jobs: ImportJobs;
  /** How long a request waits for a check or an import before showing the status page. */
  waitMs: number;
  /** Deletes expired uploads and forgets old work; never throws. */
  sweep(): Promise<void>;
}

function shell(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  title: string,
  body: SafeHtml,
  refresh = false,
) {
  const head = refresh ? html`<meta http-equiv="refresh" content="2" />` : undefined;
  return sendPage(
    reply,
    status,
    page({ title, staff: request.staff, csrf: request.csrf, active: 'import', body, head }),
  );
}

function notice(request: FastifyRequest): SafeHtml | string {
  const key = (request.query as Record<string, unknown>).done;
  const text = typeof key === 'string' ? NOTICES[key] : undefined;
  return text === undefined ? '' : noticeOf({ kind: 'done', text });
}

async function start(ctx: Ctx, request: FastifyRequest, reply: FastifyReply) {
  if (!hasRole(request.staff, 'editor')) {
    const body = html`<h1>Import</h1>
      <p>
        Importing customers and events changes what is stored and who gets mail, so it needs the editor role;
        you are ${request.staff?.role}. Ask an owner, or ask an editor to import the file.
      </p>`;
    return shell(request, reply, 200, 'Import', body);
  }
  const body = html`<h1>Import customers or events</h1>
    ${notice(request)} ${uploadForm(request.csrf, ctx.deps.config.console.import_max_bytes)}`;
  return shell(request, reply, 200, 'Import', body);
}

function gone(request: FastifyRequest, reply: FastifyReply) {
  return messagePage(
    request,
    reply,
    404,
    'Upload not found',
    html`<p>This upload has expired (uploads are kept for an hour), was cancelled, or is not yours.</p>
      <p><a href="/console/import">Upload the file again</a></p>`,
  );
}

function check(ctx: Ctx, upload: Upload): Job {
  const { deps, uploads, jobs } = ctx;
  const now = deps.now();
  return jobs.start(
    upload.id,
    {
      phase: 'check',
      version: upload.version,
      staffId: upload.staffId,
      startedAt: now,
      name: upload.name,
      kind: upload.kind,
    },
    async (onProgress) => ({
      checked: await checkUpload({ ...deps, now, path: uploads.file(upload), onProgress }, upload),
    }),
    (error) =>
      deps.log.error({ event: 'console.import_failed', error: describeError(error) }, 'import check failed'),
  );
}

function importFor(ctx: Ctx, staff: Staff, upload: Upload, total: number): Job {
  const { deps, uploads, jobs } = ctx;
  const now = deps.now();
  return jobs.start(
    upload.id,
    {
      phase: 'import',
      version: upload.version,
      staffId: staff.id,
      startedAt: now,
      total,
      name: upload.name,
      kind: upload.kind,
    },
    async (onProgress) => {
      try {
        const outcome = await importUpload({ ...deps, now, path: uploads.file(upload), onProgress }, upload);
        const r = outcome.report;
        const detail = r
          ? {
              read: r.read,
              new: r.inserted,
              changed: r.updated,
              unchanged: r.unchanged,
              rejected: r.rejectedCount,
            }
          : { stopped: outcome.stopped?.message };
        await audit(deps.db, staff, `import.${upload.kind}`, upload.name, detail, deps.now());
        return outcome;
      } finally {
        await uploads.remove(upload.id);
      }
    },
    (error) =>
      deps.log.error({ event: 'console.import_failed', error: describeError(error) }, 'import failed'),
  );
}

async function show(ctx: Ctx, request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) {
  const staff = staffOf(request);
  const { id } = request.params;
  const here = `/console/import/${id}`;
  let job = ctx.jobs.get(id);
  if (job?.phase === 'import' && job.staffId === staff.id) {
    if (!job.done) return shell(request, reply, 200, 'Importing', progressBody(job.name, job, here), true);
    return shell(request, reply, 200, 'Import done', doneBody(job.name, job.kind, job));
  }
  const upload = await ctx.uploads.load(id, staff.id, ctx.deps.now());
  if (!upload) return gone(request, reply);
  if (!job || job.phase !== 'check' || job.version !== upload.version) {
    ctx.jobs.forget(id);
    job = check(ctx, upload);
    await settleWithin(job, ctx.waitMs);
  }
  if (!job.done) return shell(request, reply, 200, 'Checking', progressBody(upload.name, job, here), true);
  const body = html`${notice(request)} ${reviewBody(upload, job, request.csrf)}`;
  return shell(request, reply, 200, `Review ${upload.name}`, body);
}

/** Column → target pairs to keep: what staff changed, and what they had chosen before. */
function chosenMap(job: Job | undefined, body: Body): Array<[string, string]> | undefined {
  const mapping = job?.checked?.mapping;
  if (!mapping) return undefined;
  const pairs: Array<[string, string]> = [];
  mapping.forEach((column, i) => {
    const value = body[`col_${i}`];
    if (typeof value !== 'string') return;
    const now = column.target ?? '-';
    if (value !== now || column.how === 'map') pairs.push([column.column, value]);
  });
  mapFromPairs(pairs, 'mapping');
  return pairs;
}

async function settings(ctx: Ctx, request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) {
  const staff = staffOf(request);
  const upload = await ctx.uploads.load(request.params.id, staff.id, ctx.deps.now());
  if (!upload) return gone(request, reply);
  const body = (request.body ?? {}) as Body;
  const here = `/console/import/${upload.id}`;
  const job = ctx.jobs.get(upload.id);
  // Once the import has started, its settings are those it was confirmed with.
  if (job?.phase === 'import') return redirect(reply, here);
  if (String(body.version) !== String(upload.version)) return redirect(reply, `${here}?done=changed`);
  const map = chosenMap(job?.phase === 'check' ? job : undefined, body);
  const dateFormat = typeof body.date_format === 'string' ? body.date_format.trim() : '';
  if (dateFormat !== '') parseDateFormat(dateFormat);
  const next: Upload = {
    ...upload,
    map: map ?? upload.map,
    dateFormat: dateFormat === '' ? undefined : dateFormat,
    strict: body.strict === 'yes',
    version: upload.version + 1,
  };
  await ctx.uploads.update(next);
  ctx.jobs.forget(upload.id);
  return redirect(reply, here);
}

async function confirm(ctx: Ctx, request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) {
  const staff = staffOf(request);
  const { id } = request.params;
  const here = `/console/import/${id}`;
  const job = ctx.jobs.get(id);
  if (job?.phase === 'import' && job.staffId === staff.id) return redirect(reply, here);
  const upload = await ctx.uploads.load(id, staff.id, ctx.deps.now());
  if (!upload) return gone(request, reply);
  const body = (request.body ?? {}) as Body;
  const report =
    job?.done && job.phase === 'check' && job.version === upload.version ? job.checked?.report : undefined;
  if (String(body.version) !== String(upload.version) || !report)
    return redirect(reply, `${here}?done=changed`);
  await settleWithin(importFor(ctx, staff, upload, report.read), ctx.waitMs);
  return redirect(reply, here);
}

async function cancel(ctx: Ctx, request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) {
  const staff = staffOf(request);
  const upload = await ctx.uploads.load(request.params.id, staff.id, ctx.deps.now());
  if (!upload) return gone(request, reply);
  if (ctx.jobs.get(upload.id)?.done === false) {
    throw new AppError(
      'E_IMPORT_BUSY',
      'the file is being checked or imported; wait for it to finish, then cancel',
    );
  }
  await ctx.uploads.remove(upload.id);
  ctx.jobs.forget(upload.id);
  return redirect(reply, '/console/import?done=cancelled');
}

function sweeper(ctx: Omit<Ctx, 'sweep' | 'waitMs'>): () => Promise<void> {
  return async () => {
    ctx.jobs.sweep(ctx.deps.now());
    await ctx.uploads.sweep(ctx.deps.now(), ctx.jobs.busy()).catch((error: unknown) => {
      ctx.deps.log.warn(
        { event: 'console.import_sweep_failed', error: describeError(error) },
        'could not delete old uploads',
      );
    });
  };
}

/**
 * The import page; `waitMs` is how long a request that starts a check or an import waits for
 * it before answering with the self-refreshing status page.
 */
export function importPageWith(policy: { waitMs: number }): ConsolePage {
  return {
    name: 'import',
    async register(scope, deps) {
      const parts = { deps, uploads: new Uploads(deps.config.console.import_dir), jobs: new ImportJobs() };
      const ctx: Ctx = { ...parts, waitMs: policy.waitMs, sweep: sweeper(parts) };
      const timer = setInterval(() => void ctx.sweep(), SWEEP_MS);
      timer.unref();
      scope.addHook('onReady', () => ctx.sweep());
      scope.addHook('onClose', (_instance, done) => {
        clearInterval(timer);
        done();
      });
      const editors = { preHandler: requireRole('editor') };
      await scope.register(async (child) => {
        // Over the limit, the file is cut short and refused by the handler (not a stream error).
        await child.register(multipart, { throwFileSizeLimit: false });
        child.post('/import', { ...editors, config: { csrfInStream: true } }, (request, reply) =>
          receiveUpload(ctx, request, reply),
        );
      });
      scope.get('/import', (request, reply) => start(ctx, request, reply));
      scope.get<{ Params: Params }>('/import/:id', editors, (request, reply) => show(ctx, request, reply));
      scope.post<{ Params: Params }>('/import/:id/settings', editors, (r, reply) => settings(ctx, r, reply));
      scope.post<{ Params: Params }>('/import/:id/confirm', editors, (r, reply) => confirm(ctx, r, reply));
      scope.post<{ Params: Params }>('/import/:id/cancel', editors, (r, reply) => cancel(ctx, r, reply));
    },
  };
}

export const importPage = importPageWith({ waitMs: 3000 });

export type { Ctx as ImportContext };
