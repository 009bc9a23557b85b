import { ErrorCode, LogLevel, WebClient } from '@slack/web-api'
import type { SlackApi, SlackNotice } from '../domain/slack/ports.js'
import { slackBlocks } from './slack-blocks.js'

/**
 * Slack's Web API through the official client. Its own retries are off: the outbox retries with
 * backoff and keeps the error, and the interactivity endpoint must answer Slack within 3 seconds.
 */
export class WebSlackApi implements SlackApi {
  private readonly client: WebClient

  constructor(token: string, apiUrl: string, timeoutMs: number) {
    this.client = new WebClient(token, {
      slackApiUrl: apiUrl,
      timeout: timeoutMs,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      logLevel: LogLevel.ERROR,
    })
  }

  async post(channel: string, notice: SlackNotice): Promise<{ channelId: string; ts: string }> {
    const res = await this.client.chat.postMessage({ channel, ...slackBlocks(notice) })
    if (!res.ts || !res.channel) throw new Error('Slack answered chat.postMessage without ts or channel')
    return { channelId: res.channel, ts: res.ts }
  }

  async update(channelId: string, ts: string, notice: SlackNotice): Promise<void> {
    await this.client.chat.update({ channel: channelId, ts, ...slackBlocks(notice) })
  }

  async confirmedEmail(userId: string): Promise<string | undefined> {
    let user: Awaited<ReturnType<WebClient['users']['info']>>['user']
    try {
      user = (await this.client.users.info({ user: userId })).user
    } catch (err) {
      // Slack does not know the user (or will not say): nobody we can match. Network trouble still throws.
      if ((err as { code?: string }).code === ErrorCode.PlatformError) return undefined
      throw err
    }
    // Slack marks an address the person has not confirmed; such an address proves nothing.
    if (!user || user.deleted || user.is_bot || user.is_email_confirmed === false) return undefined
    return user.profile?.email?.toLowerCase()
  }

  async userIdByEmail(email: string): Promise<string | undefined> {
    try {
      return (await this.client.users.lookupByEmail({ email })).user?.id
    } catch (err) {
      if ((err as { code?: string }).code === ErrorCode.PlatformError) return undefined
      throw err
    }
  }

  async ephemeral(channelId: string, userId: string, text: string): Promise<void> {
    await this.client.chat.postEphemeral({ channel: channelId, user: userId, text })
  }
}
