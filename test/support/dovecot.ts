/**
 * A real IMAP server for the tests: Dovecot from the distribution, started with a throwaway
 * configuration in a temp dir (plain auth over loopback, one passwd-file user, maildir) and
 * stopped afterwards. `startDovecot()` returns null when the binary is not installed (the tests
 * then skip with a notice); `.ci/run` installs it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

export interface RunningDovecot {
  /** imap://USER:PASS@127.0.0.1:PORT */
  url: string;
  user: string;
  pass: string;
  port: number;
  stop(): Promise<void>;
}

const BINARIES = ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot'];

export function dovecotBinary(): string | null {
  return BINARIES.find((b) => existsSync(b)) ?? null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Who runs the mail processes: as root, Dovecot's own unprivileged user; otherwise ourselves. */
function accounts(): { login: string; internal: string; uid: number; gid: number } {
  const me = userInfo();
  if (me.uid !== 0) return { login: me.username, internal: me.username, uid: me.uid, gid: me.gid };
  const id = (flag: string) => Number(execFileSync('id', [flag, 'dovecot'], { encoding: 'utf8' }).trim());
  return { login: 'dovenull', internal: 'dovecot', uid: id('-u'), gid: id('-g') };
}

function writeConfig(dir: string, port: number, user: string, pass: string): string {
  const a = accounts();
  // Dovecot's auth process runs as its own user and must reach the passwd file.
  chmodSync(dir, 0o755);
  for (const sub of ['run', 'state', 'home']) mkdirSync(join(dir, sub), { recursive: true });
  chownSync(join(dir, 'home'), a.uid, a.gid);
  writeFileSync(
    join(dir, 'passwd'),
    `${user}:{PLAIN}${pass}:${a.uid}:${a.gid}::${join(dir, 'home', user)}\n`,
  );
  const config = join(dir, 'dovecot.conf');
  writeFileSync(
    config,
    `base_dir = ${join(dir, 'run')}
state_dir = ${join(dir, 'state')}
log_path = ${join(dir, 'dovecot.log')}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = ${a.login}
default_internal_user = ${a.internal}
first_valid_uid = ${a.uid}
last_valid_uid = ${a.uid}
mail_location = maildir:~/Maildir
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN ${join(dir, 'passwd')}
}
userdb {
  driver = passwd-file
  args = ${join(dir, 'passwd')}
}
`,
  );
  return config;
}

async function waitForPort(
  port: number,
  child: ChildProcess,
  logFile: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
      throw new Error(`dovecot exited with ${child.exitCode}: ${log.slice(-2000)}`);
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`dovecot did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startDovecot(): Promise<RunningDovecot | null> {
  const binary = dovecotBinary();
  if (!binary) return null;
  const dir = mkdtempSync(join(tmpdir(), 'rapport-dovecot-'));
  const port = await freePort();
  const user = 'bounces';
  const pass = 'bounce-pass-0123';
  const config = writeConfig(dir, port, user, pass);
  const child = spawn(binary, ['-F', '-c', config], { stdio: 'ignore' });
  try {
    await waitForPort(port, child, join(dir, 'dovecot.log'));
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  let stopped = false;
  return {
    url: `imap://${user}:${pass}@127.0.0.1:${port}`,
    user,
    pass,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
