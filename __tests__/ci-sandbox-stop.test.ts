// The CI workflow's "Start the sandbox" and "Stop the sandbox" steps, run as the runner would run them (bash, from
// the repository): stopping the recorded PID must stop the sandbox and every process it started. (With `npm run
// sandbox &`, `kill $(cat sandbox.pid)` stopped npm and left tsx and node serving.)
import { describe, expect, it } from '@jest/globals'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { parse } from 'yaml'
import { node24, repoRoot } from '../scripts/action-runner.js'

interface Step {
  name?: string
  run?: string
}

function step(name: string): string {
  const workflow = parse(readFileSync(join(repoRoot, '.github', 'workflows', 'ci.yml'), 'utf8')) as { jobs: Record<string, { steps: Step[] }> }
  const found = Object.values(workflow.jobs)
    .flatMap((job) => job.steps)
    .find((s) => s.name === name)
  if (!found?.run) throw new Error(`ci.yml has no step "${name}" with a run script`)
  return found.run
}

async function listens(port: number): Promise<boolean> {
  const server = createServer()
  const ok = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => resolve(true))
  })
  if (ok) await new Promise((resolve) => server.close(resolve))
  return ok
}

/** A free port whose next port is free too: the sandbox serves its GitHub API on --port + 1. */
async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as { port: number }).port
    await new Promise((resolve) => server.close(resolve))
    if (port < 65535 && (await listens(port + 1))) return port
  }
  throw new Error('no two adjacent free ports on 127.0.0.1')
}

/** The processes whose command line names `marker`, as `pid command`. */
const processesWith = (marker: string): string[] => {
  const out = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).stdout
  return out
    .split('\n')
    .filter((l) => l.includes(marker) && !l.includes('ps -eo'))
    .map((l) => l.trim())
}

describe('the CI workflow starts and stops the sandbox', () => {
  it('stopping the recorded PID stops every process of the sandbox', async () => {
    const port = await freePortPair()
    const work = mkdtempSync(join(tmpdir(), 'ci-sandbox-'))
    const env = {
      ...process.env,
      // The runner's node is Node 24 (actions/setup-node); so is this one.
      PATH: `${dirname(node24)}:${join(repoRoot, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
      GITHUB_ENV: join(work, 'env'),
    }
    writeFileSync(env.GITHUB_ENV, '')
    const start = step('Start the sandbox').replaceAll('4566', String(port))
    const stop = step('Stop the sandbox')
    const marker = `--port ${port}`
    try {
      // Each step is its own bash, as on the runner; the start step leaves the sandbox running in the background.
      const started = spawnSync('bash', ['-e', '-c', start], { cwd: repoRoot, env, encoding: 'utf8', timeout: 90_000 })
      // The step prints the sandbox's log: a sandbox that did not start says why in the failure.
      expect({
        status: started.status,
        health: await fetch(`http://127.0.0.1:${port}/_sandbox/health`).then(
          (r) => r.status,
          (e: Error) => `${e.message}\n${started.stdout}${started.stderr}`,
        ),
      }).toEqual({ status: 0, health: 200 })
      expect(processesWith(marker).length).toBeGreaterThan(0)
      execFileSync('bash', ['-e', '-c', stop], { cwd: repoRoot, env, stdio: 'ignore', timeout: 30_000 })
      const deadline = Date.now() + 10_000
      while (processesWith(marker).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
      expect(processesWith(marker)).toEqual([])
      await expect(fetch(`http://127.0.0.1:${port}/_sandbox/health`)).rejects.toThrow()
    } finally {
      // Whatever is left is this test's own: stop it by PID.
      for (const line of processesWith(marker)) process.kill(Number(line.split(' ')[0]), 'SIGKILL')
      rmSync(join(repoRoot, 'sandbox.pid'), { force: true })
      rmSync(join(repoRoot, 'sandbox.log'), { force: true })
      rmSync(work, { recursive: true, force: true })
    }
  }, 120_000)
})
