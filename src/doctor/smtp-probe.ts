/**
 * Does the relay accept our envelope sender? One SMTP conversation up to MAIL FROM — greeting,
 * EHLO, STARTTLS when offered, AUTH when the URL has credentials — then RSET and QUIT: no
 * recipient is named and no message is sent.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { hostname } from 'node:os';
import { parseConnectionUrl } from 'nodemailer/lib/shared';

export interface ProbeResult {
  code: number;
  reply: string;
}

interface Options {
  host?: string;
  port?: number;
  secure?: boolean;
  ignoreTLS?: boolean;
  name?: string;
  auth?: { user?: string; pass?: string };
  tls?: { rejectUnauthorized?: boolean };
}

class Conversation {
  private buffer = '';
  private waiting: ((reply: ProbeResult) => void) | null = null;
  private failed: ((error: Error) => void) | null = null;

  constructor(public socket: Socket | TLSSocket) {
    this.listen(socket);
  }

  listen(socket: Socket | TLSSocket): void {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      // A reply ends with a line "NNN text" (a dash after the code means more lines follow).
      const m = /(^|\r?\n)(\d{3}) [^\n]*\r?\n$/.exec(this.buffer);
      if (!m || !this.waiting) return;
      const reply = { code: Number(m[2]), reply: this.buffer.trim().replace(/\r?\n/g, ' | ') };
      this.buffer = '';
      const done = this.waiting;
      this.waiting = null;
      done(reply);
    });
    socket.on('error', (error: Error) => this.failed?.(error));
    socket.on('close', () => this.failed?.(new Error('the relay closed the connection')));
  }

  next(): Promise<ProbeResult> {
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failed = reject;
    });
  }

  async command(line: string): Promise<ProbeResult> {
    const reply = this.next();
    this.socket.write(`${line}\r\n`);
    return reply;
  }
}

function open(o: Options): Promise<Socket | TLSSocket> {
  const port = o.port ?? (o.secure ? 465 : 587);
  const host = o.host ?? 'localhost';
  return new Promise((resolve, reject) => {
    const socket = o.secure
      ? tlsConnect({ host, port, servername: host, rejectUnauthorized: o.tls?.rejectUnauthorized !== false })
      : netConnect({ host, port });
    socket.once(o.secure ? 'secureConnect' : 'connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

export async function probeSender(url: string, sender: string, timeoutMs = 20_000): Promise<ProbeResult> {
  const o = parseConnectionUrl(url) as Options;
  const socket = await open(o);
  socket.setTimeout(timeoutMs, () =>
    socket.destroy(new Error(`no answer from the relay within ${timeoutMs / 1000} s`)),
  );
  const smtp = new Conversation(socket);
  try {
    return await converse(smtp, o, sender);
  } finally {
    smtp.socket.destroy();
  }
}

async function converse(smtp: Conversation, o: Options, sender: string): Promise<ProbeResult> {
  const greeting = await smtp.next();
  if (greeting.code !== 220) return greeting;
  const name = o.name ?? hostname();
  let ehlo = await smtp.command(`EHLO ${name}`);
  if (ehlo.code !== 250) return ehlo;
  if (!o.secure && !o.ignoreTLS && /\bSTARTTLS\b/i.test(ehlo.reply)) {
    const ready = await smtp.command('STARTTLS');
    if (ready.code !== 220) return ready;
    const host = o.host ?? 'localhost';
    const secured = tlsConnect({
      socket: smtp.socket,
      servername: host,
      rejectUnauthorized: o.tls?.rejectUnauthorized !== false,
    });
    await new Promise<void>((resolve, reject) => {
      secured.once('secureConnect', () => resolve());
      secured.once('error', reject);
    });
    smtp.listen(secured);
    ehlo = await smtp.command(`EHLO ${name}`);
    if (ehlo.code !== 250) return ehlo;
  }
  if (o.auth?.user) {
    const plain = Buffer.from(`\u0000${o.auth.user}\u0000${o.auth.pass ?? ''}`).toString('base64');
    const auth = await smtp.command(`AUTH PLAIN ${plain}`);
    if (auth.code !== 235) return auth;
  }
  const mailFrom = await smtp.command(`MAIL FROM:<${sender}>`);
  await smtp.command('RSET').catch(() => null);
  smtp.socket.write('QUIT\r\n');
  return mailFrom;
}
