import type { IndentAPI } from '@openindent/api'
import type { Delivery, Webhook } from '@openindent/contract'
import { type Command, Option } from 'commander'
import { type ApiFlags, apiClient, cell, oneOf, UsageError, withApiOptions } from './api-client.js'

const HANDLERS = ['applyUpdate', 'pullUpdate', 'decision'] as const
const STATUSES = ['pending', 'delivered', 'dead'] as const

interface CreateOpts extends ApiFlags {
  endpoint: string
  handler: (typeof HANDLERS)[number]
  kind?: string[]
  displayName?: string
  secret?: string
  json?: boolean
}

interface DeliveryOpts extends ApiFlags {
  webhook?: string
  status?: (typeof STATUSES)[number]
  json?: boolean
}

const spacePath = (api: IndentAPI) => `/spaces/${encodeURIComponent(api.resolveSpace())}`

function repeat(value: string, previous: string[] = []): string[] {
  return [...previous, value]
}

function deliveryId(value: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(value)) throw new UsageError('a delivery id looks like dlv_0123…')
  return value
}

const webhookLine = (w: Webhook) =>
  [w.meta.name, w.handler.type, w.url, w.handler.resourceKinds.join(','), w.dryRun ? 'dry-run' : '']
    .map(cell)
    .join('\t')

const deliveryLine = (d: Delivery) =>
  [d.name, d.webhook, d.status, d.attempts, d.latencyMs, d.lastStatusCode, d.createTime, d.lastError]
    .map(cell)
    .join('\t')

/** `openindent webhooks …`: webhooks, their deliveries and dead letters, through the HTTP API. */
export function registerWebhookCommands(program: Command): void {
  const webhooks = program
    .command('webhooks')
    .description('list, create and delete webhooks; list deliveries and retry dead letters, through the API')

  withApiOptions(webhooks.command('list'))
    .description(
      'list webhooks as tab-separated lines (name, handler, URL, kinds), or JSON lines with --json',
    )
    .option('--json', 'one JSON object per line')
    .action(async (o: ApiFlags & { json?: boolean }) => {
      const api = apiClient(o)
      const page = await api.request<{ webhooks: Webhook[] }>({
        method: 'GET',
        path: `${spacePath(api)}/webhooks`,
      })
      for (const w of page.webhooks)
        process.stdout.write(o.json ? `${JSON.stringify(w)}\n` : `${webhookLine(w)}\n`)
    })

  withApiOptions(webhooks.command('create'))
    .description('create a webhook and print its signing secret (shown this once)')
    .argument('<name>', 'webhook name: lower-case letters, digits and dashes')
    .requiredOption('--endpoint <url>', 'where calls are sent (http:// or https://)')
    .addOption(
      new Option('--handler <type>', `what it is called for: ${HANDLERS.join(', ')}`)
        .argParser(oneOf(HANDLERS))
        .makeOptionMandatory(),
    )
    .option('--kind <kind>', 'a resource kind it handles (repeatable; default every kind)', repeat)
    .option('--display-name <text>', 'label shown in lists')
    .option('--secret <secret>', 'the signing secret (default: generated)')
    .option('--json', 'print the created webhook as JSON')
    .action(async (name: string, o: CreateOpts) => {
      const api = apiClient(o)
      const created = await api.request<Webhook>({
        method: 'POST',
        path: `${spacePath(api)}/webhooks`,
        body: {
          webhook: {
            name,
            url: o.endpoint,
            ...(o.displayName ? { displayName: o.displayName } : {}),
            ...(o.secret ? { secret: o.secret } : {}),
            handler: { type: o.handler, resourceKinds: o.kind ?? [] },
          },
        },
      })
      process.stdout.write(
        o.json
          ? `${JSON.stringify(created)}\n`
          : `created webhook ${created.meta.name}\nsecret ${created.secret ?? ''}\n`,
      )
    })

  withApiOptions(webhooks.command('delete'))
    .description('delete a webhook (its deliveries still waiting are dead-lettered)')
    .argument('<name>', 'webhook name')
    .action(async (name: string, o: ApiFlags) => {
      const api = apiClient(o)
      await api.request<unknown>({
        method: 'DELETE',
        path: `${spacePath(api)}/webhooks/${encodeURIComponent(name)}`,
      })
      process.stdout.write(`deleted webhook ${name}\n`)
    })

  const deliveries = webhooks.command('deliveries').description('list deliveries, or retry a dead one')

  withApiOptions(deliveries.command('list', { isDefault: true }))
    .description(
      'list deliveries, newest first, as tab-separated lines (id, webhook, status, attempts, latency ms, last HTTP status, created, last error)',
    )
    .option('--webhook <name>', "only this webhook's")
    .addOption(
      new Option('--status <status>', `only these: ${STATUSES.join(', ')}`).argParser(oneOf(STATUSES)),
    )
    .option('--json', 'one JSON object per line')
    .action(async (o: DeliveryOpts) => {
      const api = apiClient(o)
      let pageToken: string | undefined
      do {
        const page: { deliveries: Delivery[]; nextPageToken?: string } = await api.request({
          method: 'GET',
          path: `${spacePath(api)}/deliveries`,
          query: { pageSize: 1000, pageToken, webhook: o.webhook, status: o.status },
        })
        for (const d of page.deliveries) {
          process.stdout.write(o.json ? `${JSON.stringify(d)}\n` : `${deliveryLine(d)}\n`)
        }
        pageToken = page.nextPageToken || undefined
      } while (pageToken)
    })

  withApiOptions(deliveries.command('retry'))
    .description('send a dead-lettered delivery again now, with the same delivery id')
    .argument('<id>', 'the delivery id (dlv_…)', deliveryId)
    .action(async (id: string, o: ApiFlags) => {
      const api = apiClient(o)
      const d = await api.request<Delivery>({
        method: 'POST',
        path: `${spacePath(api)}/deliveries/${encodeURIComponent(id)}:retry`,
        body: {},
      })
      process.stdout.write(`retrying ${d.name} (${d.webhook})\n`)
    })
}
