import { createTransport, type Transporter } from 'nodemailer'
import type { Mailer, MailMessage } from '../domain/notify/ports.js'

/** Sends the outbox's emails through one SMTP server with nodemailer. */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter

  constructor(
    url: string,
    private readonly from: string,
    timeoutMs: number,
  ) {
    this.transport = createTransport({
      url,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    })
  }

  async send(m: MailMessage): Promise<void> {
    await this.transport.sendMail({
      from: this.from,
      to: m.to,
      subject: m.subject,
      text: m.text,
      html: m.html,
    })
  }

  close(): void {
    this.transport.close()
  }
}
