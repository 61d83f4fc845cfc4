// A real SMTP server for tests (the smtp-server package): accepts every mail on loopback, parses it
// with mailparser and lets a test wait for the one it expects.
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export type CaughtMail = { to: string[]; from: string; subject: string; text: string; html: string; headers: Map<string, unknown>; receivedAt: number };

export type MailCatcher = {
  url: string;
  mails: CaughtMail[];
  /** Resolves with the first mail (already caught or arriving) that matches. */
  waitFor(match: (m: CaughtMail) => boolean, timeoutMs?: number): Promise<CaughtMail>;
  close(): Promise<void>;
};

export async function startMailCatcher({ parse = true, onMail }: { parse?: boolean; onMail?: (m: CaughtMail) => void } = {}): Promise<MailCatcher> {
  const mails: CaughtMail[] = [];
  const waiters = new Set<{ match: (m: CaughtMail) => boolean; resolve: (m: CaughtMail) => void }>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 5 * 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const receivedAt = performance.now();
        const done = (mail: CaughtMail) => {
          mails.push(mail);
          onMail?.(mail);
          for (const w of waiters) if (w.match(mail)) { waiters.delete(w); w.resolve(mail); }
        };
        if (!parse) {
          done({ to, from, subject: '', text: raw.toString('utf8'), html: '', headers: new Map(), receivedAt });
          return callback();
        }
        simpleParser(raw).then((parsed) => {
          done({
            to, from, subject: parsed.subject ?? '', text: parsed.text ?? '', html: typeof parsed.html === 'string' ? parsed.html : '',
            headers: parsed.headers as Map<string, unknown>, receivedAt,
          });
          callback();
        }, (err: Error) => callback(err));
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    waitFor(match, timeoutMs = 20_000) {
      const found = mails.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = { match, resolve: (m: CaughtMail) => { clearTimeout(timer); resolve(m); } };
        const timer = setTimeout(() => { waiters.delete(waiter); reject(new Error(`no matching mail within ${timeoutMs} ms (${mails.length} caught)`)); }, timeoutMs);
        waiters.add(waiter);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
