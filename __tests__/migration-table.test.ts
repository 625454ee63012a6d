// The README's "Migrating from the aws-actions" covers every input and output of the three official actions it
// replaces: their names (only the names, from each action's action.yml) are listed in
// __tests__/fixtures/official-actions.json, and each must have a row in that action's table.
import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { getInputs } from '../src/inputs/context.js'
import { repoRoot } from '../scripts/action-runner.js'

type Official = Record<string, { inputs: string[]; outputs: string[] }>

const official = JSON.parse(readFileSync(join(repoRoot, '__tests__', 'fixtures', 'official-actions.json'), 'utf8')) as Official
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8')

/** The text of a section from its heading to the next heading of the same or a higher level. */
function section(text: string, heading: string): string {
  const start = text.indexOf(`${heading}\n`)
  expect(start).toBeGreaterThanOrEqual(0)
  const level = /^#+/.exec(heading)![0].length
  const rest = text.slice(start + heading.length)
  const next = new RegExp(`^#{1,${level}} `, 'm').exec(rest)
  return next ? rest.slice(0, next.index) : rest
}

const migration = section(readme, '## Migrating from the aws-actions')

describe('the migration table', () => {
  test('names the three official actions', () => {
    expect(Object.keys(official).sort()).toEqual(['aws-actions/amazon-ecr-login', 'aws-actions/amazon-ecs-deploy-task-definition', 'aws-actions/amazon-ecs-render-task-definition'])
  })

  test.each(Object.keys(official))('%s: every input and output has a row in its table', (action) => {
    const table = section(migration, `### ${action.slice(action.indexOf('/') + 1)}`)
    const missing = [
      ...official[action].inputs.filter((name) => !table.includes(`| input \`${name}\` |`)).map((name) => `input ${name}`),
      ...official[action].outputs.filter((name) => !table.includes(`| output \`${name}\` |`)).map((name) => `output ${name}`),
    ]
    expect(missing).toEqual([])
  })

  test('an equivalent the table names is an input this action reads', () => {
    const read = new Set<string>()
    getInputs((name) => {
      read.add(name)
      return { cluster: 'prod', service: 'web', 'force-new-deployment': 'true' }[name] ?? ''
    }, {})
    // A row whose equivalent is the same name claims this action has that input.
    const same = [...migration.matchAll(/^\| input `([a-z-]+)` \| `([a-z-]+)`/gm)].filter((m) => m[1] === m[2]).map((m) => m[1])
    expect(same.length).toBeGreaterThan(10)
    expect(same.filter((name) => !read.has(name))).toEqual([])
  })
})
