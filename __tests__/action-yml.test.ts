// action.yml is the action's public contract: every input the code reads is declared (with a description and a
// default), every declared input is read, and the outputs set are the ones declared.
import { describe, expect, test } from '@jest/globals'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { getInputs, getVerbInputs } from '../src/inputs/context.js'
import { repoRoot } from '../scripts/action-runner.js'

interface ActionYml {
  description: string
  inputs: Record<string, { description?: string; required?: boolean; default?: string }>
  outputs: Record<string, { description?: string }>
  runs: { using: string; main: string; post?: string; 'post-if'?: string }
}

const action = parse(readFileSync(join(repoRoot, 'action.yml'), 'utf8')) as ActionYml

describe('action.yml', () => {
  test('has a description the Marketplace takes (under 125 characters)', () => {
    expect(action.description.length).toBeLessThan(125)
  })

  test('declares exactly the inputs getInputs reads', () => {
    const read = new Set<string>()
    getInputs((name) => {
      read.add(name)
      return { cluster: 'prod', service: 'web', 'force-new-deployment': 'true' }[name] ?? ''
    }, {})
    // The verbs `approve` and `reject` read their own.
    getVerbInputs((name) => {
      read.add(name)
      return { cluster: 'prod', service: 'web', approve: 'd-ABCDEFGHI' }[name] ?? ''
    })
    expect([...read].sort()).toEqual(Object.keys(action.inputs).sort())
  })

  test('describes every input and gives the optional ones a default', () => {
    for (const [name, input] of Object.entries(action.inputs)) {
      expect([name, (input.description ?? '').length > 20]).toEqual([name, true])
      if (!input.required) expect([name, typeof input.default]).toEqual([name, 'string'])
    }
  })

  test('declares the outputs the action sets, which only src/report/ sets, and runs on node24 with a post step', () => {
    const setIn = (file: string) => [...readFileSync(file, 'utf8').matchAll(/setOutput\(\s*'([a-z-]+)'/g)].map((m) => m[1])
    const files = sourceFiles(join(repoRoot, 'src'))
    expect(files.filter((f) => setIn(f).length > 0 && !f.includes(`${join('src', 'report')}/`))).toEqual([])
    expect([...new Set(files.flatMap(setIn))].sort()).toEqual(Object.keys(action.outputs).sort())
    expect(action.runs).toMatchObject({ using: 'node24', main: 'dist/index.js', post: 'dist/index.js' })
  })
})

/** Every TypeScript file under `dir`. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []))
}
