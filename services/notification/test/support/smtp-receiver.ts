import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export type ReceivedMail = {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  headers: Map<string, unknown>;
  parsed: ParsedMail;
};

export type SmtpReceiver = {
  url: string;
  mails: ReceivedMail[];
  /** Mails to this address (case-insensitive). */
  to(address: string): ReceivedMail[];
  /** Waits for a mail matching the predicate (default: any mail to `address`). */
  waitFor(predicate: (m: ReceivedMail) => boolean, opts?: { timeoutMs?: number; what?: string }): Promise<ReceivedMail>;
  /** While true, every message is refused with 451 (a temporary failure). */
  refuse(on: boolean): void;
  /** Refuses this recipient for good (550 no such mailbox). */
  rejectRecipient(address: string): void;
  close(): Promise<void>;
};

/** A real SMTP server (smtp-server) in the test process; every accepted mail is parsed with mailparser. */
export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const mails: ReceivedMail[] = [];
  let refusing = false;
  const rejected = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (rejected.has(address.address.toLowerCase())) {
        callback(Object.assign(new Error('no such mailbox'), { responseCode: 550 }));
        return;
      }
      callback();
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then((parsed) => {
        if (refusing) {
          const err = Object.assign(new Error('try again later'), { responseCode: 451 });
          callback(err);
          return;
        }
        const addresses = (v: ParsedMail['to']) => (Array.isArray(v) ? v : v ? [v] : []).flatMap((a) => a.value.map((x) => (x.address ?? '').toLowerCase()));
        mails.push({
          to: addresses(parsed.to),
          from: parsed.from?.text ?? '',
          subject: parsed.subject ?? '',
          text: parsed.text ?? '',
          html: typeof parsed.html === 'string' ? parsed.html : '',
          headers: parsed.headers,
          parsed,
        });
        callback();
      }, (err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    to: (address) => mails.filter((m) => m.to.includes(address.toLowerCase())),
    async waitFor(predicate, { timeoutMs = 10_000, what = 'a mail' } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = mails.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got: ${mails.map((m) => `${m.to.join(',')}: ${m.subject}`).join(' | ') || 'no mail'}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    refuse(on) { refusing = on; },
    rejectRecipient(address) { rejected.add(address.toLowerCase()); },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
