// End to end: a self-hosted runner behind a proxy. The action's AWS SDK clients send every request through
// HTTP(S)_PROXY unless NO_PROXY names the endpoint. A local forward proxy counts what passes through it.
import { afterEach, describe, expect, test } from '@jest/globals'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { bypassesProxy } from '../src/aws/proxy.js'
import { runAction } from '../scripts/action-runner.js'
import { world } from '../scripts/worlds.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com'

let sandbox: Sandbox | undefined
let proxy: Server | undefined
afterEach(async () => {
  await sandbox?.stop()
  await new Promise((done) => (proxy ? proxy.close(done) : done(undefined)))
  sandbox = undefined
  proxy = undefined
})

/** A forward proxy for plain-http targets (absolute-form requests), counting them; it only ever dials 127.0.0.1. */
async function countingProxy(): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = []
  proxy = createServer((req, res) => {
    const target = new URL(req.url ?? '/')
    seen.push(target.host)
    const upstream = request({ host: '127.0.0.1', port: target.port, path: `${target.pathname}${target.search}`, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  await new Promise<void>((done) => proxy!.listen(0, '127.0.0.1', done))
  return { url: `http://127.0.0.1:${(proxy!.address() as AddressInfo).port}`, seen }
}

describe('behind a proxy', () => {
  test('every AWS call goes through HTTP_PROXY, and the deployment succeeds', async () => {
    sandbox = await startSandbox({ world: world('demo.yaml'), timeScale: 60 })
    const { url, seen } = await countingProxy()
    const run = await runAction({ endpoint: sandbox.url, inputs: { cluster: 'demo', service: 'web', image: `${ECR}/web:v1.1`, timeout: '5m' }, env: { HTTP_PROXY: url } })
    expect(run.outputs.outcome).toBe('succeeded')
    const calls = sandbox.control.calls().length
    expect(calls).toBeGreaterThan(3)
    expect(seen).toHaveLength(calls)
    expect(new Set(seen)).toEqual(new Set([new URL(sandbox.url).host]))
  }, 120_000)

  test('NO_PROXY naming the endpoint bypasses the proxy', async () => {
    sandbox = await startSandbox({ world: world('demo.yaml'), timeScale: 60 })
    const { url, seen } = await countingProxy()
    const run = await runAction({
      endpoint: sandbox.url,
      inputs: { cluster: 'demo', service: 'web', image: `${ECR}/web:v1.1`, timeout: '5m' },
      env: { HTTP_PROXY: url, NO_PROXY: 'localhost,127.0.0.1' },
    })
    expect(run.outputs.outcome).toBe('succeeded')
    expect(seen).toEqual([])
  }, 120_000)

  test('NO_PROXY: hosts, domains with or without a leading dot, ports and *', () => {
    const aws = new URL('https://ecs.us-east-1.amazonaws.com')
    expect(bypassesProxy(aws, '.amazonaws.com')).toBe(true)
    expect(bypassesProxy(aws, 'amazonaws.com')).toBe(true)
    expect(bypassesProxy(aws, 'example.com, other.org')).toBe(false)
    expect(bypassesProxy(aws, '*')).toBe(true)
    expect(bypassesProxy(aws, 'ecs.us-east-1.amazonaws.com:443')).toBe(true)
    expect(bypassesProxy(aws, 'ecs.us-east-1.amazonaws.com:8443')).toBe(false)
    expect(bypassesProxy(aws, undefined)).toBe(false)
    expect(bypassesProxy(new URL('http://127.0.0.1:4566'), '127.0.0.1')).toBe(true)
  })
})
