import type { Command } from 'commander'
import { ConfigError, loadConfig } from '../config.js'
import { type BootstrapResult, bootstrap } from '../domain/bootstrap.js'
import { openRuntime } from '../runtime.js'
import { startServer } from '../server.js'
import { announcePublicUrl } from '../signing.js'

export function registerServe(program: Command): void {
  program
    .command('serve', { isDefault: true })
    .description('run the OpenIndent server (SQLite in the data dir, or PostgreSQL with DATABASE_URL)')
    .option('-p, --port <port>', 'port to listen on (env PORT, default 4100; 0 picks a free one)')
    .option('--host <host>', 'address to listen on (env HOST, default 127.0.0.1)')
    .option('--database-url <url>', 'PostgreSQL URL (env DATABASE_URL)')
    .option('--data-dir <dir>', 'SQLite data directory (env OPENINDENT_DATA_DIR, default ./.openindent)')
    .option('--space <name>', 'space created on first run (env OPENINDENT_SPACE, default "default")')
    .action(
      async (opts: {
        port?: string
        host?: string
        databaseUrl?: string
        dataDir?: string
        space?: string
      }) => {
        const config = loadConfig(opts)
        const rt = await openRuntime(config)
        const first = await bootstrap(rt, { spaceName: config.space, adminEmail: config.adminEmail })
        const server = await startServer(rt).catch(async (err: unknown) => {
          await rt.close()
          throw listenError(err, config.host, config.port)
        })
        // Host-side commands (`token create --user`) mint tokens for the issuer this server checks.
        await announcePublicUrl(rt.store.settings, rt.signer)
        rt.logger.info(
          {
            url: server.url,
            engine: rt.store.engine,
            database: config.databaseUrl ? 'postgres' : config.dataDir,
          },
          `OpenIndent listening on ${server.url}`,
        )
        // Said plainly too, whatever the log level: scripts and people wait for this line.
        process.stdout.write(`OpenIndent listening on ${server.url}\n`)
        if (first) process.stdout.write(banner(first, server.url))
        const stop = (signal: string) => {
          rt.logger.info({ signal }, 'shutting down: finishing in-flight requests')
          server.close().then(
            () => process.exit(0),
            (err: unknown) => {
              rt.logger.error({ err }, 'shutdown failed')
              process.exit(1)
            },
          )
        }
        process.once('SIGTERM', () => stop('SIGTERM'))
        process.once('SIGINT', () => stop('SIGINT'))
      },
    )
}

/** A port in use or not ours to take is the operator's to fix: one line saying which, and how. */
function listenError(err: unknown, host: string, port: number): unknown {
  const code = (err as NodeJS.ErrnoException).code
  if (code === 'EADDRINUSE') {
    return new ConfigError(
      `port ${port} on ${host} is already in use (another OpenIndent?): stop that process, or pick another port with --port N or PORT=N (0 picks a free one)`,
    )
  }
  if (code === 'EACCES') {
    return new ConfigError(
      `not allowed to listen on port ${port} on ${host}: ports below 1024 need privileges; pick another with --port N or PORT=N`,
    )
  }
  if (code === 'EADDRNOTAVAIL') {
    return new ConfigError(`cannot listen on ${host}: no such address on this machine; set --host or HOST`)
  }
  return err
}

function banner(b: BootstrapResult, url: string): string {
  return `
  First run: created space "${b.space}", admin user ${b.adminEmail} and service account "${b.serviceAccount}".

  Service-account token (roles editor, petitionAdmin). It is shown only this once; store it now:

    export INDENT_API_URL=${url}/v1
    export INDENT_SPACE=${b.space}
    export INDENT_API_TOKEN=${b.token}

  Sign in as ${b.adminEmail} (one-time code, valid 24 h) to get a user access token:

    curl -s ${url}/v1/auth/token -H 'content-type: application/json' \\
      -d '{"grantType":"signInCode","code":"${b.signInCode}"}'

  Lost the token? On this host: npx openindent token create --space ${b.space} --service-account bootstrap

`
}
