// Real @actions/core writing to temp GITHUB_STEP_SUMMARY / GITHUB_OUTPUT files.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as core from '@actions/core'
import type { DeploymentFacts } from '../src/core/facts.js'
import { setOutputs } from '../src/report/outputs.js'
import { MAX_SUMMARY_CHARS, writeSummary } from '../src/report/summary.js'
import { Timeline, type FailureCause } from '../src/core/timeline.js'

import { rollingFacts, TD } from './helpers/ecs-model.js'
const T0 = Date.UTC(2026, 0, 1)
let dir: string
let summaryFile: string
let outputFile: string

// core.summary remembers the file path of its first write, so one directory serves the whole file.
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'report-'))
  summaryFile = join(dir, 'summary.md')
  outputFile = join(dir, 'output')
  process.env.GITHUB_STEP_SUMMARY = summaryFile
  process.env.GITHUB_OUTPUT = outputFile
})
beforeEach(() => {
  writeFileSync(summaryFile, '')
  writeFileSync(outputFile, '')
  core.summary.emptyBuffer()
})
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
  delete process.env.GITHUB_STEP_SUMMARY
  delete process.env.GITHUB_OUTPUT
})

const facts: DeploymentFacts = rollingFacts({
  taskDefinitionArn: TD(42),
  previousTaskDefinitionArn: TD(41),
  image: 'repo/web:v2',
  deploymentId: 'ecs-svc/123',
  startedAt: new Date(T0),
  finishedAt: new Date(T0 + 95_000),
  ecsRollback: { deploymentId: 'ecs-svc/124', reason: 'ECS deployment circuit breaker: tasks failed to start.', completed: true, failed: false },
})

function timeline(): Timeline {
  const t = new Timeline()
  t.emit({ type: 'phase', at: new Date(T0), phase: 'register' })
  t.emit({ type: 'phase', at: new Date(T0 + 2000), phase: 'deploy', detail: TD(42) })
  t.emit({ type: 'phase', at: new Date(T0 + 3000), phase: 'watch', detail: 'ecs-svc/123' })
  return t
}

const cause: FailureCause = {
  summary: 'ECS deployment circuit breaker: tasks failed to start — 3 tasks stopped: Essential container in task exited (exit code 1 in app)',
  stoppedTasks: [
    {
      taskId: 't1',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      containers: [{ name: 'app', exitCode: 1 }],
      logTail: ['Error: <DATABASE_URL> is not set'],
      logLocation: '/ecs/web ecs/app/t1',
    },
    { taskId: 't2', stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited', containers: [{ name: 'app', exitCode: 1 }], logTail: [] },
  ],
  serviceEvents: ['(service web) rolling back to deployment ecs-svc/100.'],
  alarms: [],
}

describe('job summary', () => {
  it('shows outcome, revisions, image, deployment, phases, and the cause with stopped tasks and log tail', async () => {
    await writeSummary({ facts, decision: { outcome: 'rolled-back', reason: 'ECS deployment circuit breaker: tasks failed to start.' }, timeline: timeline(), cause })
    const md = readFileSync(summaryFile, 'utf8')
    expect(md).toContain('<h2>↩️ ECS deployment rolled-back: web</h2>')
    expect(md).toContain('<td>web:41 → web:42</td>')
    expect(md).toContain('<td><span title="repo/web:v2">repo/web:v2</span></td>')
    expect(md).toContain('<td>ecs-svc/123</td>')
    expect(md).toContain('<td>ecs-svc/124</td>')
    expect(md).toMatch(/<tr><td>register<\/td><td>00:00<\/td><td>00:02<\/td><td>—<\/td><\/tr>/)
    expect(md).toMatch(/<tr><td>watch<\/td><td>00:03<\/td><td>01:32<\/td><td>ecs-svc\/123<\/td><\/tr>/)
    expect(md).toContain(
      '<tr><td>2</td><td>Essential container in task exited</td><td>EssentialContainerExited</td><td>app: 1</td><td><a href="https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/prod/tasks/t1/configuration?region=us-east-1">t1</a></td></tr>',
    )
    expect(md).toContain('Error: &lt;DATABASE_URL&gt; is not set')
    expect(md).toContain('(service web) rolling back to deployment ecs-svc/100.')
    expect(md.length).toBeLessThan(MAX_SUMMARY_CHARS)
  })

  it('stays under the size limit however much there is to say', async () => {
    const huge: FailureCause = {
      ...cause,
      stoppedTasks: Array.from({ length: 3000 }, (_, i) => ({ taskId: `t${i}`, stoppedReason: `reason ${i} ${'x'.repeat(200)}`, containers: [], logTail: ['y'.repeat(200)] })),
    }
    await writeSummary({ facts, decision: { outcome: 'failed', reason: 'x' }, timeline: timeline(), cause: huge })
    const md = readFileSync(summaryFile, 'utf8')
    expect(md.length).toBeLessThanOrEqual(MAX_SUMMARY_CHARS + 200)
    expect(md).toContain('Summary cut')
  })
})

describe('outputs', () => {
  it('sets outcome, task definition ARNs, deployment id and image', () => {
    setOutputs(facts, 'rolled-back')
    const out = readFileSync(outputFile, 'utf8')
    const values = Object.fromEntries([...out.matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)].map((m) => [m[1], m[3]]))
    expect(values).toEqual({
      outcome: 'rolled-back',
      'task-definition-arn': TD(42),
      'previous-task-definition-arn': TD(41),
      'deployment-id': 'ecs-svc/123',
      // Set for a CodeDeploy deployment only (the official deploy action's name for its id).
      'codedeploy-deployment-id': '',
      image: 'repo/web:v2',
      // No one-off task ran.
      'pre-deploy-task-arn': '',
      'pre-deploy-exit-code': '',
      'post-deploy-task-arn': '',
      'post-deploy-exit-code': '',
    })
  })
})
