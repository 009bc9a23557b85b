import type { Command } from 'commander'
import { type ApiFlags, withApiOptions as apiOptions, apiClient as client } from './api-client.js'
import { ProgressBar } from './progress.js'
import { readResourceFile } from './resource-file.js'

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
      await api.resource.bulkUpdate(
        { resources: items },
        { chunkSize: Number(o.chunkSize), onProgress: ({ done }) => bar.update(done) },
      )
      process.stdout.write(`${items.length} resources uploaded\n`)
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
      for await (const r of api.resource.listAll({ ...params, pageSize: 1000 })) {
        const labels = Object.entries(r.labels ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(',')
        process.stdout.write(
          o.json
            ? `${JSON.stringify(r)}\n`
            : `${r.name}\t${r.kind}\t${r.id}\t${r.displayName ?? ''}\t${labels}\n`,
        )
      }
    })
}
