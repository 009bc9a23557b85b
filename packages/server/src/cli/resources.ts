import type { Resource } from '@openindent/api'
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
 * `1,000 resources uploaded: 990 new, 8 updated, 2 unchanged`: what the server did. New ones are told
 * by their times, unchanged ones by the server's count (left out when the server does not count).
 */
export function uploadSummary(stored: readonly Resource[], unchanged: number | undefined): string {
  // The server stamps a new resource's create and update times alike; an upsert moves only the latter.
  const created = stored.filter(
    (r) => r.meta?.createTime !== undefined && r.meta.createTime === r.meta.updateTime,
  ).length
  const updated = stored.length - created - (unchanged ?? 0)
  const tail = unchanged === undefined ? '' : `, ${fmt(unchanged)} unchanged`
  return `${plural(stored.length, 'resource')} uploaded: ${fmt(created)} new, ${fmt(updated)} updated${tail}`
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
      const { resources: stored, unchanged } = await api.resource.bulkUpdate(
        { resources: items },
        { chunkSize: Number(o.chunkSize), onProgress: ({ done }) => bar.update(done) },
      )
      process.stdout.write(`${uploadSummary(stored, unchanged)}\n`)
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
