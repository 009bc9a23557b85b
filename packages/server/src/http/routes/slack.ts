import type { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { z } from 'zod'
import { slackDecide } from '../../domain/slack/interact.js'
import { REVIEW_BLOCK, SLACK_ACTIONS } from '../../domain/slack/ports.js'
import { SLACK_TOLERANCE_MS, slackSignatureProblem } from '../../domain/slack/signature.js'
import type { AppDeps } from '../deps.js'
import type { AppEnv } from '../env.js'
import { sendError } from '../errors.js'

/** Slack's interactivity payloads are small; this is far above any block_actions payload. */
const MAX_BODY_BYTES = 64 * 1024

/** The parts of Slack's `block_actions` payload we read (Slack sends more). */
const BlockActions = z.object({
  type: z.string(),
  user: z.object({ id: z.string().min(1) }),
  channel: z.object({ id: z.string() }).optional(),
  container: z.object({ channel_id: z.string().optional() }).optional(),
  actions: z
    .array(z.object({ action_id: z.string(), value: z.string().max(200).optional() }))
    .min(1)
    .max(10),
  state: z
    .object({
      values: z.record(
        z.string(),
        z.record(
          z.string(),
          z.object({ selected_option: z.object({ value: z.string().max(40) }).nullish() }).passthrough(),
        ),
      ),
    })
    .optional(),
})

/**
 * `POST /slack/interactivity`: where Slack sends the clicks on petition messages. Every request must be
 * signed by Slack with the app's signing secret, recent, and not seen before; each click approves or
 * denies through the petition lifecycle as the member the Slack user is.
 */
export function mountSlack(app: Hono<AppEnv>, deps: AppDeps): void {
  app.post(
    '/slack/interactivity',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => sendError(c, 'INVALID_ARGUMENT', `the body is larger than ${MAX_BODY_BYTES} bytes`),
    }),
    async (c) => {
      const slack = deps.slack
      if (!slack) return sendError(c, 'NOT_FOUND', 'Slack is not configured on this server')
      const body = await c.req.text()
      const signature = c.req.header('x-slack-signature')
      const now = deps.clock.now()
      const problem = slackSignatureProblem(
        slack.signingSecret,
        c.req.header('x-slack-request-timestamp'),
        body,
        signature,
        now,
      )
      if (problem) return sendError(c, 'UNAUTHENTICATED', `not a request from Slack: ${problem}`)
      // Signed and recent, but a replay of one already handled: refused, so a click counts once.
      if (!(await deps.store.slack.firstUse(signature as string, now + 2 * SLACK_TOLERANCE_MS, now))) {
        return sendError(c, 'UNAUTHENTICATED', 'not a request from Slack: this request was handled already')
      }
      const raw = new URLSearchParams(body).get('payload')
      let parsed: z.infer<typeof BlockActions>
      try {
        parsed = BlockActions.parse(JSON.parse(raw ?? ''))
      } catch {
        return sendError(c, 'INVALID_ARGUMENT', 'payload: not a Slack block_actions payload', 'payload')
      }
      const action = parsed.actions[0]
      const decision =
        action?.action_id === SLACK_ACTIONS.approve
          ? 'approve'
          : action?.action_id === SLACK_ACTIONS.deny
            ? 'deny'
            : undefined
      // Other interactions (picking a duration in the menu) need nothing until a button is pressed.
      if (parsed.type !== 'block_actions' || !decision || !action?.value?.includes('/'))
        return c.body(null, 200)
      const picked = parsed.state?.values[REVIEW_BLOCK]?.[SLACK_ACTIONS.duration]?.selected_option?.value
      try {
        await slackDecide(deps, slack.api, {
          userId: parsed.user.id,
          channelId: parsed.channel?.id ?? parsed.container?.channel_id,
          decision,
          ref: action.value,
          duration: picked,
        })
      } catch (err) {
        // Refusals were answered already; what is left is Slack's Web API failing us.
        deps.logger.warn({ err }, 'a Slack click could not be handled')
        return sendError(c, 'UNAVAILABLE', 'Slack could not be reached to identify who clicked; try again')
      }
      return c.body(null, 200)
    },
  )
}
