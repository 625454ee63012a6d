import { afterEach, beforeEach, expect, test } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseEnvFile } from '../scripts/action-runner.js'
import { isPostStep, markMainStep, savedEcrLogin, saveEcrLogin } from '../src/state-helper.js'

let work: string
const saved = { ...process.env }

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'state-helper-test-'))
  process.env.GITHUB_STATE = join(work, 'state')
  writeFileSync(process.env.GITHUB_STATE, '')
  for (const key of Object.keys(process.env)) if (key.startsWith('STATE_')) delete process.env[key]
})
afterEach(() => {
  process.env = { ...saved }
  rmSync(work, { recursive: true, force: true })
})

/** What the runner does between main and post: the state file's entries become STATE_<name>. */
function enterPostStep(): void {
  for (const [name, value] of Object.entries(parseEnvFile(readFileSync(join(work, 'state'), 'utf8')))) process.env[`STATE_${name}`] = value
}

test('main is not post; the flag it saves makes the next run (post) know it is post', () => {
  expect(isPostStep()).toBe(false)
  markMainStep()
  expect(isPostStep()).toBe(false)
  enterPostStep()
  expect(isPostStep()).toBe(true)
})

test('the ECR login state goes from main to post', () => {
  expect(savedEcrLogin()).toBeUndefined()
  saveEcrLogin({ registries: ['127.0.0.1:5055'], dockerConfigDir: '/tmp/x/ecs-safe-deploy-docker-config-abc' })
  enterPostStep()
  expect(savedEcrLogin()).toEqual({ registries: ['127.0.0.1:5055'], dockerConfigDir: '/tmp/x/ecs-safe-deploy-docker-config-abc' })
})

test('unreadable state is no login', () => {
  process.env.STATE_ecrLogin = '{not json'
  expect(savedEcrLogin()).toBeUndefined()
  process.env.STATE_ecrLogin = JSON.stringify({ registries: 'x', dockerConfigDir: '/d' })
  expect(savedEcrLogin()).toBeUndefined()
})
