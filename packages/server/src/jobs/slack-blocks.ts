import type { KnownBlock } from '@slack/web-api'
import { REVIEW_BLOCK, SLACK_ACTIONS, type SlackNotice } from '../domain/slack/ports.js'

/** Slack's mrkdwn gives `&`, `<` and `>` meaning: user text must not form links or mentions. */
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** A petition's message in Block Kit, with Approve (and its duration menu) and Deny while it is open. */
export function slackBlocks(n: SlackNotice): { text: string; blocks: KnownBlock[] } {
  const tally = `${n.approvals} of ${n.required} approval${n.required === 1 ? '' : 's'}`
  const text = esc(`${n.requester} requests access to ${n.resources.join(', ')} (${tally})`)
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${esc(n.requester)}* requests access` } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Resources*\n${n.resources.map((r) => `• ${esc(r)}`).join('\n')}` },
        { type: 'mrkdwn', text: `*Reason*\n${esc(n.reason || '(none given)')}` },
        { type: 'mrkdwn', text: `*Rule*\n${esc(n.rules.join(', '))}` },
        { type: 'mrkdwn', text: `*Approvals*\n${tally}` },
      ],
    },
  ]
  if (n.status) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*${esc(n.status)}*` } })
  if (n.signals.length > 0) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: n.signals.map(esc).join('\n') }] })
  }
  if (n.phase === 'open') {
    const options = n.durations.map((d) => ({ text: { type: 'plain_text' as const, text: d }, value: d }))
    blocks.push({
      type: 'actions',
      block_id: REVIEW_BLOCK,
      elements: [
        {
          type: 'static_select',
          action_id: SLACK_ACTIONS.duration,
          placeholder: { type: 'plain_text', text: 'Duration' },
          options,
          ...(options[0] ? { initial_option: options[0] } : {}),
        },
        {
          type: 'button',
          action_id: SLACK_ACTIONS.approve,
          style: 'primary',
          text: { type: 'plain_text', text: 'Approve' },
          value: n.ref,
        },
        {
          type: 'button',
          action_id: SLACK_ACTIONS.deny,
          style: 'danger',
          text: { type: 'plain_text', text: 'Deny' },
          value: n.ref,
        },
      ],
    })
  }
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `<${n.link}|Petition ${esc(n.petition)} in OpenIndent>` }],
  })
  return { text, blocks }
}
