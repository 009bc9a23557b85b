/** One email, as composed when the change commits and sent later by the outbox. */
export interface MailMessage {
  to: string
  subject: string
  text: string
  html: string
}

/** Sends email (SMTP); throws when the server refuses or cannot be reached. */
export interface Mailer {
  send(message: MailMessage): Promise<void>
}
