/**
 * The baseline server of bench/approval-check.ts, run as a child process of its own: a bare `node:http`
 * server that reads each request's body and answers 200 with the JSON given in BARE_JSON_BODY. It
 * prints `{"url":"http://127.0.0.1:<port>"}` once listening and closes on SIGTERM.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

const body = Buffer.from(process.env.BARE_JSON_BODY ?? '{}')
const headers = { 'content-type': 'application/json', 'content-length': String(body.length) }

const server = createServer((req, res) => {
  req.resume()
  req.once('end', () => {
    res.writeHead(200, headers)
    res.end(body)
  })
})
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`)
})
process.once('SIGTERM', () => {
  server.close(() => process.exit(0))
  server.closeAllConnections()
})
