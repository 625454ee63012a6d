import { describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { once } from 'node:events'

describe('npm run sandbox (sandbox/cli.ts)', () => {
  it('prints the environment once it answers, serves on 127.0.0.1, and stops cleanly on SIGINT', async () => {
    const child = spawn('node_modules/.bin/tsx', ['sandbox/cli.ts', '--port', '0', '--time-scale', '0', '--world', 'sandbox/worlds/demo.yaml'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d))
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          stdout += d
          if (/GITHUB_API_URL=\S+\n/.test(stdout)) resolve()
        })
        child.on('exit', (code) => reject(new Error(`cli exited ${code}: ${stderr}`)))
      })
      const lines = stdout.trim().split('\n')
      expect(lines[0]).toMatch(/^AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:\d+$/)
      const url = lines[0].split('=')[1]
      expect(lines.slice(1)).toEqual([
        `export AWS_ENDPOINT_URL=${url}`,
        'export AWS_REGION=us-east-1',
        'export AWS_ACCESS_KEY_ID=test',
        'export AWS_SECRET_ACCESS_KEY=test',
        expect.stringMatching(/^export GITHUB_API_URL=http:\/\/127\.0\.0\.1:\d+$/),
      ])
      const githubUrl = lines[5].split('=')[1]
      expect(githubUrl).not.toBe(url)
      expect((await fetch(`${githubUrl}/_sandbox/health`)).status).toBe(200)
      const health = await fetch(`${url}/_sandbox/health`)
      expect(health.status).toBe(200)
      child.kill('SIGINT')
      const [code] = await once(child, 'exit')
      expect(code).toBe(0)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })

  it('refuses a bad option value', async () => {
    const child = spawn('node_modules/.bin/tsx', ['sandbox/cli.ts', '--time-scale', 'fast'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d))
    const [code] = await once(child, 'exit')
    expect(code).toBe(1)
    expect(stderr).toContain('--time-scale must be a number')
  })
})
