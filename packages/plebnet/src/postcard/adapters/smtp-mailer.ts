import type { Transporter } from 'nodemailer'
import type { PostcardConfig } from '../../config/watch-config.ts'
import type { Mailer } from '../postman.ts'

/** Real ms to connect, to be greeted, and of silence on the socket, before a send fails. */
const CONNECT_TIMEOUT_MS = 10_000
const SOCKET_TIMEOUT_MS = 20_000

/**
 * The mailer over SMTP (nodemailer, loaded at the first postcard): `postcard.smtp_host:smtp_port`,
 * implicit TLS on port 465, STARTTLS when the server offers it elsewhere, authenticated when
 * `smtp_user` is set; from `postcard.from` to `postcard.to`, plain text.
 */
export function createSmtpMailer(config: PostcardConfig): Mailer {
  let transport: Transporter | undefined
  return {
    async send(message) {
      if (transport === undefined) {
        const { createTransport } = await import('nodemailer')
        transport = createTransport({
          host: config.smtpHost,
          port: config.smtpPort,
          secure: config.smtpPort === 465,
          ...(config.smtpUser === '' ? {} : { auth: { user: config.smtpUser, pass: config.smtpPassword } }),
          connectionTimeout: CONNECT_TIMEOUT_MS,
          greetingTimeout: CONNECT_TIMEOUT_MS,
          socketTimeout: SOCKET_TIMEOUT_MS,
        })
      }
      await transport.sendMail({
        from: config.from,
        to: config.to,
        subject: message.subject,
        text: message.text,
      })
    },
  }
}
