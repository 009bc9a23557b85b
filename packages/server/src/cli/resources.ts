import type { BulkUpdateCounts } from '@openindent/api'
import type { Command } from 'commander'
import {
  type ApiFlags,
  withApiOptions as apiOptions,
  apiClient as client,
  count as fmt,
  plural,
} from './api-client.js'
import { ProgressBar } from './progress.js'
import { readResourceFile } from './resource-file.js'

const LIST_HEADER = ['name', 'kind', 'id', 'displayName', 'labels']

/**
 * `1,000 resources uploaded: 990 new, 8 updated, 2 unchanged`: what the server did, as it counted it
 * (a server that does not count, Indent's, gets the total only).
 */
export function uploadSummary(counts: BulkUpdateCounts): string {
  const { count, created, updated, unchanged } = counts
  const head = `${plural(count, 'resource')} uploaded`
  if (created === undefined || updated === undefined || unchanged === undefined) return head
  return `${head}: ${fmt(created)} new, ${fmt(updated)} updated, ${fmt(unchanged)} unchanged`
}

export function registerResourceCommands(program: Command): void {
  const resources = program.command('resources').description('upload and list resources through the API')

  apiOptions(resources.command('upload <file>'))
    .description('create or update resources from a .json or .csv file, in chunks, with progress')
    .option('--chunk-size <n>', 'resources per request', '1000')
    .action(async (file: string, o: ApiFlags & { chunkSize: string }) => {
      const items = await readResourceFile(file)
      const api = client(o)
      const bar = new ProgressBar(items.length, 'uploaded')
      bar.update(0)
      // Counts, not the stored resources: an upload of 100,000 would otherwise come back in full.
      const counts = await api.resource.bulkUpdate(
        { resources: items },
        {
          chunkSize: Number(o.chunkSize),
          onProgress: ({ done }) => bar.update(done),
          returnResources: false,
        },
      )
      process.stdout.write(`${uploadSummary(counts)}\n`)
    })

  apiOptions(resources.command('list'))
    .description('list resources as tab-separated lines, or JSON lines with --json')
    .option('--kind <kind>', 'only this kind')
    .option('-l, --label-selector <selector>', 'e.g. "plan=pro,tier in (a,b)"')
    .option('--json', 'one JSON object per line')
    .action(async (o: ApiFlags & { kind?: string; labelSelector?: string; json?: boolean }) => {
      const api = client(o)
      const params = {
        ...(o.kind ? { kind: o.kind } : {}),
        ...(o.labelSelector ? { labelSelector: o.labelSelector } : {}),
      }
      // The header waits for the server's first answer, so a refused call prints nothing on stdout.
      let header = !o.json
      const writeHeader = () => {
        if (header) process.stdout.write(`${LIST_HEADER.join('\t')}\n`)
        header = false
      }
      for await (const r of api.resource.listAll({ ...params, pageSize: 1000 })) {
        writeHeader()
        const labels = Object.entries(r.labels ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(',')
        process.stdout.write(
          o.json
            ? `${JSON.stringify(r)}\n`
            : `${r.name}\t${r.kind}\t${r.id}\t${r.displayName ?? ''}\t${labels}\n`,
        )
      }
      writeHeader()
    })
}
