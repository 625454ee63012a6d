// `npm run sandbox -- --port 4566 --time-scale 60 [--world FILE]`: runs the sandbox in the foreground. To start it in
// the background and stop it by a recorded PID, run this file with node itself (`node --import tsx sandbox/cli.ts …`):
// through `npm run`, the PID is npm's, and killing npm leaves tsx and this node process serving. SIGINT and SIGTERM
// stop the servers and exit.
import { parseArgs } from 'node:util'
import { startSandbox } from './index.js'

const USAGE = `usage: npm run sandbox -- [--port 4566] [--time-scale 60] [--world FILE] [--github-port PORT+1]
          [--ecr-host HOST] [--ecr-proxy-endpoint URL] [--ecr-username USER] [--ecr-password PASSWORD]`

function number(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number >= 0, got '${value}'`)
  return n
}

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'time-scale': { type: 'string' },
      world: { type: 'string' },
      'ecr-host': { type: 'string' },
      'ecr-proxy-endpoint': { type: 'string' },
      'ecr-username': { type: 'string' },
      'ecr-password': { type: 'string' },
      'github-port': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(USAGE)
    return
  }
  const ecr = Object.fromEntries(
    Object.entries({
      registryHost: values['ecr-host'],
      proxyEndpoint: values['ecr-proxy-endpoint'],
      username: values['ecr-username'],
      password: values['ecr-password'],
    }).filter(([, v]) => v !== undefined),
  )
  const port = number(values.port, 'port', 4566)
  const sandbox = await startSandbox({
    port,
    // Next to the AWS port by default, so a fixed --port gives a fixed GITHUB_API_URL too.
    githubPort: number(values['github-port'], 'github-port', port === 0 ? 0 : port + 1),
    timeScale: number(values['time-scale'], 'time-scale', 60),
    world: values.world,
    ecr,
  })
  // Print the environment only once the server answers, so scripts can wait for the first line.
  const health = await fetch(`${sandbox.url}/_sandbox/health`)
  if (!health.ok) throw new Error(`sandbox did not answer its health check: HTTP ${health.status}`)
  console.log(`AWS_ENDPOINT_URL=${sandbox.url}`)
  console.log(`export AWS_ENDPOINT_URL=${sandbox.url}`)
  console.log(`export AWS_REGION=${sandbox.account.region}`)
  console.log('export AWS_ACCESS_KEY_ID=test')
  console.log('export AWS_SECRET_ACCESS_KEY=test')
  console.log(`export GITHUB_API_URL=${sandbox.githubUrl}`)
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    console.error(`sandbox: ${signal}, stopping`)
    sandbox.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(e)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

main().catch((e: unknown) => {
  console.error(`sandbox: ${(e as Error).message}`)
  console.error(USAGE)
  process.exit(1)
})
