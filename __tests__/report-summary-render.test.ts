// The job summary as GitHub shows it: rendered by a GitHub-flavoured Markdown renderer (marked, GFM), it must hold no
// literal Markdown inside its HTML (backticks, ** or [text](url) show as typed there), no unbroken string wider than
// a table cell (full ARNs, digests), no empty section, and its rollout chart must reach the renderer as a Mermaid
// block (outside any HTML block). Covers a rolling rollback, a CodeDeploy bake rollback, an ECS canary, a success,
// a preflight failure, and the terminal rendering the demo prints.
import { describe, expect, it } from '@jest/globals'
import type { DeploymentFacts } from '../src/core/facts.js'
import { diffTaskDefinitions } from '../src/core/task-definition-diff.js'
import { Timeline, type FailureCause } from '../src/core/timeline.js'
import { renderProblemsSummary, renderSummary, type SummaryInput } from '../src/report/summary.js'
import { summaryProblems, summaryToHtml, summaryToText } from '../scripts/summary-view.js'

const T0 = Date.UTC(2026, 0, 1)
const at = (s: number) => new Date(T0 + s * 1000)
const ARN = (rev: number, family = 'web') => `arn:aws:ecs:us-east-1:123456789012:task-definition/${family}:${rev}`
const DIGEST = `123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:${'2d7502aaf59be468'.repeat(4)}`

const common = {
  cluster: 'prod',
  alarms: [] as string[],
  rollbackPolicy: 'on-failure' as const,
  startedAt: at(0),
  waited: true,
  timedOut: false,
  throttled: 0,
}

function rollingRollback(): SummaryInput {
  const facts: DeploymentFacts = {
    ...common,
    kind: 'rolling',
    engine: 'rolling update',
    service: 'web',
    taskDefinitionArn: ARN(42),
    previousTaskDefinitionArn: ARN(41),
    image: DIGEST,
    deploymentId: 'ecs-svc/6798819724136750827',
    finishedAt: at(95),
    stoppedTasks: [],
    final: { id: 'ecs-svc/6798819724136750827', status: 'PRIMARY', rolloutState: 'FAILED', counts: { desired: 3, pending: 0, running: 0, failed: 3 } },
    ecsRollback: { deploymentId: 'ecs-svc/4368524102938262532', reason: 'ECS deployment circuit breaker: tasks failed to start.', completed: true, failed: false },
  }
  const timeline = new Timeline()
  timeline.emit({ type: 'phase', at: at(0), phase: 'preflight', detail: 'prod/web' })
  timeline.emit({ type: 'phase', at: at(1), phase: 'render', detail: `web:41: container web ← ${DIGEST}` })
  timeline.emit({ type: 'phase', at: at(2), phase: 'deploy', detail: ARN(42) })
  timeline.emit({ type: 'deployment', at: at(3), deploymentId: 'ecs-svc/6798819724136750827', status: 'PRIMARY', counts: { desired: 3, pending: 3, running: 0, failed: 0 } })
  timeline.emit({ type: 'deployment', at: at(40), deploymentId: 'ecs-svc/4368524102938262532', status: 'PRIMARY', counts: { desired: 3, pending: 0, running: 3, failed: 0 } })
  timeline.emit({ type: 'rollback', at: at(40), from: 'ecs-svc/6798819724136750827', to: 'ecs-svc/4368524102938262532', reason: 'circuit breaker', by: 'ecs' })
  timeline.emit({ type: 'warning', at: at(41), message: 'Throttled: `DescribeServices` slowed down' })
  timeline.emit({ type: 'phase', at: at(95), phase: 'done', detail: 'after 1m 35s' })
  const cause: FailureCause = {
    summary: 'ECS deployment circuit breaker: tasks failed to start — 3 tasks stopped: Essential container in task exited (exit code 1 in web)',
    stoppedTasks: [
      {
        taskId: '67ef6a78db0059ca1c7e80ef61b6e925',
        taskDefinitionArn: ARN(42),
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        containers: [{ name: 'web', exitCode: 1 }],
        logTail: [
          '',
          '/app/server.js:14',
          "    throw new Error('DATABASE_URL is not set');",
          '    ^',
          '',
          'Error: DATABASE_URL is not set',
          '    at Object.<anonymous> (/app/server.js:14:11)',
          '',
          'Node.js v22.14.0',
        ],
        logLocation: '/ecs/web web/web/67ef6a78db0059ca1c7e80ef61b6e925',
      },
    ],
    removedTasks: 3,
    serviceEvents: ['(service web) rolling back to deployment ecs-svc/8661758263784013979.'],
    alarms: [],
  }
  const previous = { family: 'web', cpu: '256', containerDefinitions: [{ name: 'web', image: 'repo/web:v1', environment: [{ name: 'API_TOKEN', value: 'abc' }] }] }
  const next = { family: 'web', cpu: '512', containerDefinitions: [{ name: 'web', image: DIGEST, environment: [{ name: 'API_TOKEN', value: 'xyz' }] }] }
  return {
    facts,
    decision: { outcome: 'rolled-back', reason: 'ECS deployment circuit breaker: tasks failed to start.' },
    timeline,
    cause,
    changes: diffTaskDefinitions(previous, next),
  }
}

function codeDeployBakeRollback(): SummaryInput {
  const facts: DeploymentFacts = {
    ...common,
    kind: 'codedeploy',
    engine: 'CodeDeploy canary 20% then the rest after 1m',
    service: 'web-cd',
    alarms: ['web-cd-5xx'],
    taskDefinitionArn: ARN(2, 'web-cd'),
    previousTaskDefinitionArn: ARN(1, 'web-cd'),
    image: DIGEST,
    deploymentId: 'd-AV78FBGDT',
    finishedAt: at(200),
    stoppedTasks: [],
    trafficShifts: [
      { percent: 20, at: at(10) },
      { percent: 100, at: at(70) },
    ],
    codeDeploy: { deploymentId: 'd-AV78FBGDT', status: 'Stopped', errorInformation: { code: 'MANUAL_STOP' }, rollbackDeploymentId: 'd-RIKPXNB6M', rollbackStatus: 'Succeeded' },
    bake: { durationMs: 30_000, alarms: ['web-cd-5xx'], passed: false, fired: { name: 'web-cd-5xx', reason: 'Threshold Crossed' }, cutShortByDeadline: false },
  }
  const timeline = new Timeline()
  timeline.emit({ type: 'phase', at: at(0), phase: 'preflight', detail: 'prod/web-cd' })
  timeline.emit({ type: 'phase', at: at(5), phase: 'deploy', detail: 'CodeDeploy AppECS-prod-web-cd/DgpECS-prod-web-cd' })
  timeline.emit({ type: 'traffic-shifted', at: at(10), from: 0, to: 20, label: 'production' })
  timeline.emit({ type: 'traffic-shifted', at: at(70), from: 20, to: 100, label: 'production' })
  timeline.emit({ type: 'phase', at: at(75), phase: 'bake', detail: '30 s, alarms: web-cd-5xx' })
  timeline.emit({ type: 'alarm', at: at(90), name: 'web-cd-5xx', state: 'ALARM', reason: 'Threshold Crossed' })
  timeline.emit({ type: 'phase', at: at(91), phase: 'rollback', detail: 'StopDeployment d-AV78FBGDT with auto-rollback' })
  timeline.emit({ type: 'rollback', at: at(91), from: 'd-AV78FBGDT', to: 'web-cd:1', reason: 'alarm', by: 'action' })
  timeline.emit({ type: 'traffic-shifted', at: at(120), from: 100, to: 0, label: 'production' })
  timeline.emit({ type: 'phase', at: at(200), phase: 'done' })
  const cause: FailureCause = {
    summary: 'Alarm web-cd-5xx went to ALARM during the bake: Threshold Crossed',
    stoppedTasks: [],
    removedTasks: 3,
    serviceEvents: [],
    alarms: [{ name: 'web-cd-5xx', reason: 'Threshold Crossed' }],
  }
  return {
    facts,
    decision: { outcome: 'rolled-back', reason: 'Alarm web-cd-5xx went to ALARM during the bake; CodeDeploy rolled back to web-cd:1.' },
    timeline,
    cause,
    changes: [],
  }
}

function nativeCanarySuccess(): SummaryInput {
  const arn = 'arn:aws-cn:ecs:cn-north-1:123456789012:service-deployment/prod/web/AbCdEfGhIjKlMnOpQrStU'
  const facts: DeploymentFacts = {
    ...common,
    kind: 'ecs-native',
    engine: 'ECS canary 10% then the rest after 5m',
    service: 'web',
    taskDefinitionArn: 'arn:aws-cn:ecs:cn-north-1:123456789012:task-definition/web:7',
    previousTaskDefinitionArn: 'arn:aws-cn:ecs:cn-north-1:123456789012:task-definition/web:6',
    image: DIGEST,
    deploymentId: 'AbCdEfGhIjKlMnOpQrStU',
    serviceDeploymentArn: arn,
    serviceDeployment: { arn, status: 'SUCCESSFUL' },
    finishedAt: at(400),
    stoppedTasks: [],
    trafficShifts: [
      { percent: 10, at: at(20) },
      { percent: 100, at: at(320) },
    ],
  }
  const timeline = new Timeline()
  timeline.emit({ type: 'phase', at: at(0), phase: 'preflight', detail: 'prod/web' })
  timeline.emit({ type: 'phase', at: at(10), phase: 'deploy', detail: arn })
  timeline.emit({ type: 'traffic-shifted', at: at(20), from: 0, to: 10, label: 'production' })
  timeline.emit({ type: 'traffic-shifted', at: at(320), from: 10, to: 100, label: 'production' })
  timeline.emit({ type: 'phase', at: at(400), phase: 'done' })
  return { facts, decision: { outcome: 'succeeded', reason: `Service deployment ${arn} succeeded.` }, timeline }
}

describe('the job summary as a GitHub-flavoured Markdown renderer shows it', () => {
  it('finds what it is meant to find (the checks themselves)', () => {
    expect(summaryProblems('<ul><li>Input `image` is bad</li></ul>')).toEqual(['literal Markdown shown as typed: `image`'])
    expect(summaryProblems(`<table><tr><td>${ARN(42)}</td></tr></table>`)[0]).toMatch(/^unbroken string of 57 characters/)
    expect(summaryProblems('<h3>Cause</h3>\n<h3>Timeline</h3>\n<p>x</p>')).toEqual(['empty section: Cause'])
  })

  for (const [name, input] of [
    ['a rolling rollback by the circuit breaker', rollingRollback],
    ['a CodeDeploy canary rolled back by a bake alarm', codeDeployBakeRollback],
    ['an ECS canary that succeeded (aws-cn)', nativeCanarySuccess],
  ] as const) {
    it(`${name}: no literal Markdown, no overflowing string, no empty section; the chart is a Mermaid block`, () => {
      const markdown = renderSummary(input())
      expect(summaryProblems(markdown)).toEqual([])
      expect(summaryToHtml(markdown)).toContain('<pre><code class="language-mermaid">xychart-beta')
    })
  }

  it('a failed preflight: problems that quote inputs in backticks show them as code', () => {
    const markdown = renderProblemsSummary('prod', 'web', 'preflight failed', [
      "Input `container-name` is `api`: the service's task definition `web:1` has no such container; its containers are `web`.",
      `Task definition file \`td.json\`: \`cpu\` is the number 256; ECS expects a string — role ${ARN(1).replace('task-definition', 'role')}.`,
    ])
    expect(summaryProblems(markdown)).toEqual([])
    expect(markdown).toContain('<li>Input <code>container-name</code> is <code>api</code>')
  })

  it('says what a reader needs: the cause with the throw site, the chart, the diff without secrets, console links', () => {
    const markdown = renderSummary(rollingRollback())
    expect(markdown).toContain('<pre lang="text"><code>/app/server.js:14\n')
    expect(markdown).toContain('<td>environment API_TOKEN</td><td>changed (value not shown)</td>')
    expect(markdown).not.toMatch(/xyz|abc/)
    expect(markdown).not.toContain('<td>done</td>')
    expect(markdown).toContain('3 tasks were stopped on purpose')
    expect(markdown).toContain(
      'href="https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Fecs$252Fweb/log-events/web$252Fweb$252F67ef6a78db0059ca1c7e80ef61b6e925"',
    )
    expect(markdown).toContain('Running tasks: new revision (bars), old revision (line)')

    const cd = renderSummary(codeDeployBakeRollback())
    expect(cd).toContain('href="https://us-east-1.console.aws.amazon.com/codesuite/codedeploy/deployments/d-AV78FBGDT?region=us-east-1"')
    expect(cd).toContain('#alarmsV2:alarm/web-cd-5xx')
    expect(cd).not.toContain('<h4>Stopped tasks</h4>')
    expect(cd).toContain('Production traffic on the new revision (%)')
    expect(cd).toContain('The task definition is the same as the revision it replaces.')

    const cn = renderSummary(nativeCanarySuccess())
    expect(cn).toContain('href="https://cn-north-1.console.amazonaws.cn/ecs/v2/clusters/prod/services/web/health?region=cn-north-1"')
  })

  it('renders for a terminal: headings, tables, the chart; no HTML left', () => {
    const text = summaryToText(renderSummary(codeDeployBakeRollback()))
    expect(text).not.toMatch(/<\/?[a-z]+[\s>]/)
    expect(text).toContain('↩️ ECS DEPLOYMENT ROLLED-BACK: WEB-CD')
    expect(text).toMatch(/│ Task definition +│ web-cd:1 → web-cd:2 +│/)
    expect(text).toContain('Production traffic on the new revision (%)')
    expect(text).toMatch(/ 100 │ *█/)
    expect(text).toMatch(/\[1\] https:\/\/us-east-1\.console\.aws\.amazon\.com\//)
  })
})
