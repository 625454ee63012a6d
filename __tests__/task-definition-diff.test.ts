// What a deployment changes, as the log and the summary show it: secret values never appear.
import { describe, expect, it } from '@jest/globals'
import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs'
import { describeChange, diffTaskDefinitions, looksSecret } from '../src/core/task-definition-diff.js'
import { tellingTail } from '../src/core/stopped.js'

const before: RegisterTaskDefinitionCommandInput = {
  family: 'web',
  cpu: '256',
  memory: '512',
  containerDefinitions: [
    {
      name: 'web',
      image: 'repo/web:v1',
      command: ['node', 'server.js'],
      portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
      environment: [
        { name: 'LOG_LEVEL', value: 'info' },
        { name: 'STRIPE_API_KEY', value: 'sk_live_old' },
        { name: 'UPSTREAM', value: 'https://api.internal' },
        { name: 'GONE', value: '1' },
      ],
      secrets: [{ name: 'DB_PASSWORD', valueFrom: 'arn:aws:secretsmanager:us-east-1:1:secret:db-old' }],
      healthCheck: { command: ['CMD-SHELL', 'curl -f localhost:8080/health'], interval: 30 },
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/web' } },
    },
    { name: 'sidecar', image: 'envoy:1' },
  ],
}

const after: RegisterTaskDefinitionCommandInput = {
  family: 'web',
  cpu: '512',
  memory: '512',
  containerDefinitions: [
    {
      name: 'web',
      image: 'repo/web:v2',
      command: ['node', 'server.js', '--cluster'],
      portMappings: [{ containerPort: 8080, protocol: 'tcp' }, { containerPort: 9090 }],
      environment: [
        { name: 'UPSTREAM', value: 'https://user:hunter2@api.internal' },
        { name: 'LOG_LEVEL', value: 'debug' },
        { name: 'STRIPE_API_KEY', value: 'sk_live_new' },
        { name: 'NEW_FLAG', value: 'on' },
      ],
      secrets: [
        { name: 'DB_PASSWORD', valueFrom: 'arn:aws:secretsmanager:us-east-1:1:secret:db-new' },
        { name: 'SESSION', valueFrom: 'arn:aws:ssm:us-east-1:1:parameter/session' },
      ],
      healthCheck: { command: ['CMD-SHELL', 'curl -f localhost:8080/ready'], interval: 30 },
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/web-v2' } },
    },
  ],
}

describe('task definition diff', () => {
  const lines = diffTaskDefinitions(before, after).map(describeChange)

  it('lists image, environment names with changed values, CPU/memory, command, ports, health check, logs', () => {
    expect(lines).toEqual([
      'task: cpu: 256 → 512',
      'container web: image: repo/web:v1 → repo/web:v2',
      'container web: environment GONE: removed',
      'container web: environment LOG_LEVEL: info → debug',
      'container web: environment NEW_FLAG: added (on)',
      'container web: environment STRIPE_API_KEY: changed (value not shown)',
      'container web: environment UPSTREAM: changed (value not shown)',
      'container web: secret DB_PASSWORD: changed (value not shown)',
      'container web: secret SESSION: added',
      'container web: command: node server.js → node server.js --cluster',
      'container web: ports: 8080/tcp → 8080/tcp, 9090/tcp',
      'container web: health check: CMD-SHELL curl -f localhost:8080/health every 30s, timeout 5s, 3 retries, start period 0s → CMD-SHELL curl -f localhost:8080/ready every 30s, timeout 5s, 3 retries, start period 0s',
      'container web: log configuration: awslogs (awslogs-group=/ecs/web) → awslogs (awslogs-group=/ecs/web-v2)',
      'container sidecar: container: removed',
    ])
  })

  it('never shows a secret value, nor where a secret comes from', () => {
    const text = lines.join('\n')
    for (const secret of ['sk_live', 'hunter2', 'db-old', 'db-new', 'parameter/session']) expect(text).not.toContain(secret)
  })

  it('is empty for the same task definition, whatever the key order', () => {
    const reordered = JSON.parse(JSON.stringify(before, (_, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v)))
    expect(diffTaskDefinitions(before, reordered)).toEqual([])
    expect(diffTaskDefinitions(undefined, after)).toEqual([])
  })

  it('tells secret names and values', () => {
    expect(looksSecret('DB_PASSWORD')).toBe(true)
    expect(looksSecret('GITHUB_TOKEN')).toBe(true)
    expect(looksSecret('LOG_LEVEL', 'debug')).toBe(false)
    expect(looksSecret('UPSTREAM', 'postgres://app:pw@db:5432/app')).toBe(true)
    expect(looksSecret('KEY_ID', 'AKIAABCDEFGHIJKLMNOP')).toBe(true)
  })
})

describe('the telling lines of a crashed container log', () => {
  const crash = [
    '',
    '/app/server.js:14',
    "    throw new Error('DATABASE_URL is not set');",
    '    ^',
    '',
    'Error: DATABASE_URL is not set',
    '    at Object.<anonymous> (/app/server.js:14:11)',
    '    at Module._compile (node:internal/modules/cjs/loader:1554:14)',
    '',
    'Node.js v22.14.0',
  ]

  it('keeps the throw site, the error and the top of its stack, with no blank line', () => {
    expect(tellingTail(crash)).toEqual([
      '/app/server.js:14',
      "    throw new Error('DATABASE_URL is not set');",
      'Error: DATABASE_URL is not set',
      '    at Object.<anonymous> (/app/server.js:14:11)',
      '    at Module._compile (node:internal/modules/cjs/loader:1554:14)',
    ])
  })

  it('finds the error above a long stack and a noisy tail', () => {
    const long = ['starting', 'Error: boom', ...Array.from({ length: 30 }, (_, i) => `    at f${i} (/app/x.js:${i}:1)`)]
    expect(tellingTail(long, 5)).toEqual(['Error: boom', '    at f0 (/app/x.js:0:1)', '    at f1 (/app/x.js:1:1)', '    at f2 (/app/x.js:2:1)', '    at f3 (/app/x.js:3:1)'])
    expect(tellingTail(['', 'listening', 'GET / 200', ''])).toEqual(['listening', 'GET / 200'])
    expect(
      tellingTail(['boot', 'Traceback (most recent call last):', '  File "app.py", line 3, in <module>', "    url = os.environ['DATABASE_URL']", "KeyError: 'DATABASE_URL'"]),
    ).toEqual(['Traceback (most recent call last):', '  File "app.py", line 3, in <module>', "    url = os.environ['DATABASE_URL']", "KeyError: 'DATABASE_URL'"])
  })
})
