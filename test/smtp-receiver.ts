import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  /** the client upgraded the session with STARTTLS before sending */
  secure: boolean;
}

export interface SmtpReceiver {
  /** host:port for a smarthost setting */
  address: string;
  mails: ReceivedMail[];
  /** refused sessions/commands and why */
  rejected: string[];
  close(): Promise<void>;
}

/**
 * A real SMTP server (smtp-server, parsed with mailparser) as strict as a mail relay: STARTTLS with
 * the given certificate, AUTH (PLAIN/LOGIN) required and only after TLS, one user and password,
 * only the allowed recipients.
 */
export async function startSmtpReceiver(options: {
  key: Buffer;
  cert: Buffer;
  username: string;
  password: string;
  recipients: string[];
}): Promise<SmtpReceiver> {
  const mails: ReceivedMail[] = [];
  const rejected: string[] = [];
  const server = new SMTPServer({
    secure: false, // plain connection, upgraded with STARTTLS (port 587 style)
    key: options.key,
    cert: options.cert,
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: false,
    authOptional: false,
    logger: false,
    // smtp-server itself refuses AUTH before STARTTLS (allowInsecureAuth: false)
    onAuth(auth, _session, callback) {
      if (auth.username !== options.username || auth.password !== options.password) {
        rejected.push('bad credentials');
        return callback(new Error('Invalid username or password'));
      }
      callback(null, { user: auth.username });
    },
    onRcptTo(address, _session, callback) {
      if (!options.recipients.includes(address.address)) {
        rejected.push(`recipient ${address.address}`);
        return callback(new Error(`Mailbox unavailable: ${address.address}`));
      }
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            secure: session.secure,
          });
          callback();
        })
        .catch(callback);
    },
  });
  server.on('error', (error) => rejected.push(`server: ${error.message}`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    mails,
    rejected,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
