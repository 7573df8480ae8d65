/**
 * A small pool of SMTP connections (nodemailer's SMTPConnection), for messages that are already
 * composed: Rapport composes every message itself (raw-message.ts), so none of the transport's
 * per-message machinery is needed — the message object, its MIME tree, the stream pipeline
 * around it. That machinery cost more CPU than the SMTP conversation itself (measured on the bench: ~150 µs
 * of ~370 µs per message on the 2-core bench box).
 *
 * What it keeps from nodemailer's pool, deliberately:
 *  - at most `size` connections, opened on demand, each logged in when the server offers AUTH;
 *  - a connection survives a refused message (RSET, then reused); any other failure closes it;
 *  - a message that failed on a reused connection *before a byte of it was read* (the server had
 *    dropped the idle connection, or answered MAIL FROM with 421) goes once more, over a new
 *    connection when there is room for one: nothing was sent;
 *  - everything else reaches the caller as the connection reported it (`code`, `responseCode`,
 *    `response`), for smtp-errors.ts to classify. Nothing is retried that may have been sent.
 * And adds: a connection idle for `idleMs` says QUIT instead of waiting for the server to cut it;
 * `close()` lets the sends in flight finish (for up to `closeTimeoutMs`) rather than cutting them
 * off after the message may have reached the server.
 */
import type { Readable } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type {
  SMTPConnectionAuth,
  SMTPConnectionOptions,
  SMTPConnectionSendInfo,
  SMTPEnvelope,
} from 'nodemailer/lib/smtp-connection';

export interface SmtpPoolOptions {
  connection: SMTPConnectionOptions;
  auth?: { user: string; pass: string };
  size: number;
  /** Close a connection that has been idle this long (ms). */
  idleMs: number;
  /** How long `close()` waits for sends in flight before cutting their connections (ms). */
  closeTimeoutMs?: number;
  /**
   * The longest one `send` may take, waiting for a connection included (ms): past it, the
   * connection is cut and the send fails with ETIMEDOUT, so nothing of it reaches the relay later.
   */
  sendTimeoutMs?: number;
}

interface Connection {
  smtp: SMTPConnection;
  /** Messages sent over it, refused ones included. */
  used: number;
  /** A send is in flight on it. */
  busy: boolean;
  /** Rejects the send in flight; for when the connection ends and the send's own callback never comes. */
  abandon: ((error: PoolError) => void) | null;
  /** False once it ended or failed: never handed out again. */
  usable: boolean;
  idleTimer: NodeJS.Timeout | null;
}

interface PoolError extends Error {
  code?: string;
  responseCode?: number;
}

const TRANSIENT_CODES = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT']);

export class SmtpPool {
  private readonly all = new Set<Connection>();
  private idle: Connection[] = [];
  private connecting = 0;
  private waiters: Array<() => void> = [];
  private closed = false;

  constructor(private readonly options: SmtpPoolOptions) {}

  /** Connections open now (idle or busy), for tests and metrics. */
  get openConnections(): number {
    return this.all.size;
  }

  /**
   * Sends one message. `message` makes the body stream; it is called again only for the one
   * retry over a fresh connection described above.
   */
  async send(envelope: SMTPEnvelope, message: () => Readable): Promise<SMTPConnectionSendInfo> {
    const limit = this.options.sendTimeoutMs;
    const deadline = { passed: false, conn: null as Connection | null };
    const timer =
      limit === undefined
        ? null
        : setTimeout(() => {
            deadline.passed = true;
            if (deadline.conn) this.cutOff(deadline.conn, limit);
          }, limit);
    try {
      return await this.sendWithin(envelope, message, deadline);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  private async sendWithin(
    envelope: SMTPEnvelope,
    message: () => Readable,
    deadline: { passed: boolean; conn: Connection | null },
  ): Promise<SMTPConnectionSendInfo> {
    for (let attempt = 0; ; attempt++) {
      const conn = await this.acquire(attempt > 0);
      if (deadline.passed) {
        this.release(conn);
        throw poolError(
          `no connection to the relay within ${this.options.sendTimeoutMs} ms (smtp.timeout)`,
          'ETIMEDOUT',
        );
      }
      deadline.conn = conn;
      const reused = conn.used > 0;
      const body = message();
      try {
        // A copy: the connection writes its bookkeeping (and a refused MAIL FROM's error) onto
        // the envelope it is given, which would fail the retry with the first attempt's error.
        const info = await this.sendOn(conn, { ...envelope }, body);
        this.release(conn);
        return info;
      } catch (error) {
        this.afterFailure(conn, error as PoolError);
        const untouched = !body.readableDidRead;
        // Whatever the body still holds is released; a late error from it has no one to tell.
        body.on('error', () => {});
        body.destroy();
        if (attempt === 0 && reused && untouched && !deadline.passed && isTransient(error as PoolError))
          continue;
        throw error;
      } finally {
        deadline.conn = null;
      }
    }
  }

  /**
   * Later sends fail at once. Idle connections say QUIT; a send in flight finishes and then its
   * connection QUITs; one still waiting for the server's reply after `closeTimeoutMs` is cut off
   * (that message may or may not have been accepted, as after a crash).
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.waiters.splice(0)) wake();
    for (const conn of [...this.all]) if (!conn.busy) this.quit(conn);
    const deadline = Date.now() + (this.options.closeTimeoutMs ?? 10_000);
    while ([...this.all].some((c) => c.busy) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const conn of [...this.all]) this.discard(conn);
  }

  /** `preferNew`: open a new connection when there is room, rather than reuse an idle one. */
  private async acquire(preferNew = false): Promise<Connection> {
    for (;;) {
      if (this.closed) throw poolError('the mail connection pool is closed', 'ECONNECTION');
      const roomForOne = this.all.size + this.connecting < this.options.size;
      const conn = preferNew && roomForOne ? undefined : this.idle.pop();
      if (conn) {
        if (!conn.usable) continue;
        if (conn.idleTimer) clearTimeout(conn.idleTimer);
        conn.idleTimer = null;
        conn.busy = true;
        return conn;
      }
      if (roomForOne) {
        this.connecting++;
        try {
          const fresh = await this.open();
          fresh.busy = true;
          return fresh;
        } finally {
          this.connecting--;
          // A failed attempt frees its slot for whoever waits.
          this.wake();
        }
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private open(): Promise<Connection> {
    const smtp = new SMTPConnection(this.options.connection);
    const conn: Connection = { smtp, used: 0, busy: false, abandon: null, usable: true, idleTimer: null };
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (error: PoolError) => {
        if (settled) return;
        settled = true;
        conn.usable = false;
        smtp.close();
        reject(error);
      };
      // A connection reports trouble as an 'error' event; one that is busy also hands the error
      // to the send callback, which decides. An idle one is simply retired.
      smtp.on('error', (error: PoolError) => {
        if (!settled) return fail(error);
        if (conn.busy) conn.usable = false;
        else this.discard(conn);
      });
      smtp.once('end', () => {
        if (!settled)
          return fail(poolError('the connection closed before the server greeted us', 'ECONNECTION'));
        conn.usable = false;
        if (!conn.busy) return this.discard(conn);
        // A connection that fails mid-send reports the error to the send right after 'end'; one
        // closed from our side (shutdown) never does. Whatever is still in flight then fails here.
        setImmediate(() => conn.abandon?.(poolError('the connection closed while sending', 'ECONNECTION')));
      });
      smtp.connect((error) => {
        if (error) return fail(error);
        const ready = () => {
          if (this.closed) return fail(poolError('the mail connection pool is closed', 'ECONNECTION'));
          settled = true;
          this.all.add(conn);
          resolve(conn);
        };
        const { auth } = this.options;
        // As nodemailer's pool does: log in when the server offers AUTH at all.
        if (!auth || !smtp.allowsAuth) return ready();
        const credentials: SMTPConnectionAuth = { credentials: { user: auth.user, pass: auth.pass } };
        smtp.login(credentials, (loginError) => (loginError ? fail(loginError) : ready()));
      });
    });
  }

  private sendOn(conn: Connection, envelope: SMTPEnvelope, body: Readable): Promise<SMTPConnectionSendInfo> {
    conn.used++;
    return new Promise((resolve, reject) => {
      conn.abandon = reject;
      conn.smtp.send(envelope, body, (error, info) => {
        conn.abandon = null;
        if (error) reject(error);
        else resolve(info);
      });
    });
  }

  private release(conn: Connection): void {
    conn.busy = false;
    conn.abandon = null;
    if (!conn.usable || this.closed) {
      if (this.closed && conn.usable) this.quit(conn);
      else this.discard(conn);
      return;
    }
    this.idle.push(conn);
    conn.idleTimer = setTimeout(() => {
      if (conn.busy || !conn.usable) return;
      this.idle = this.idle.filter((c) => c !== conn);
      this.quit(conn);
    }, this.options.idleMs);
    conn.idleTimer.unref();
    this.wake();
  }

  /** A refused message leaves the connection fine: RSET and reuse it. Anything else retires it. */
  private afterFailure(conn: Connection, error: PoolError): void {
    conn.busy = false;
    conn.abandon = null;
    const refused = (error.code === 'EENVELOPE' || error.code === 'EMESSAGE') && error.responseCode !== 421;
    if (!refused || !conn.usable || this.closed) return this.discard(conn);
    // Not busy and not idle while the RSET is out: if the connection ends meanwhile, its 'end'
    // retires it, and the RSET callback (which then never comes) is not needed.
    conn.smtp.reset((resetError) => {
      if (!this.all.has(conn)) return;
      if (resetError) this.discard(conn);
      else this.release(conn);
    });
  }

  /** A send past its deadline: fail it and cut its connection, so none of it goes later. */
  private cutOff(conn: Connection, limit: number): void {
    conn.usable = false;
    const abandon = conn.abandon;
    conn.abandon = null;
    abandon?.(poolError(`no answer from the relay within ${limit} ms (smtp.timeout)`, 'ETIMEDOUT'));
    conn.smtp.close();
  }

  private quit(conn: Connection): void {
    conn.usable = false;
    this.forget(conn);
    conn.smtp.quit();
  }

  private discard(conn: Connection): void {
    conn.usable = false;
    this.forget(conn);
    conn.smtp.close();
  }

  private forget(conn: Connection): void {
    if (conn.idleTimer) clearTimeout(conn.idleTimer);
    conn.idleTimer = null;
    if (this.all.delete(conn)) {
      this.idle = this.idle.filter((c) => c !== conn);
      this.wake();
    }
  }

  private wake(): void {
    this.waiters.shift()?.();
  }
}

function isTransient(error: PoolError): boolean {
  return error.responseCode === 421 || (error.code !== undefined && TRANSIENT_CODES.has(error.code));
}

function poolError(message: string, code: string): PoolError {
  const error: PoolError = new Error(message);
  error.code = code;
  return error;
}
