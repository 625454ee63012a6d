// Problems found in a task definition file or an AppSpec file know their file and line, so the annotation is shown
// on the file.
import { describe, expect, it } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { locationOf } from '../src/core/problem-location.js'
import { AppSpecError, readAppSpecFile } from '../src/engines/codedeploy/appspec.js'
import { parseTaskDefinition, RenderError, renderLine } from '../src/render/task-definition.js'

function problems(text: string, path: string): string[] {
  try {
    parseTaskDefinition(text, path)
  } catch (err) {
    if (err instanceof RenderError) return err.problems
    throw err
  }
  return []
}

describe('file problems are located', () => {
  it('YAML: the line of the member each problem is about', () => {
    const yaml = [
      'family: web',
      'cpu: 256',
      'containerDefinitions:',
      '  - name: web',
      '    image: repo/web:v1',
      '    environment:',
      '      - name: PORT',
      '        value: 8080',
      '  - name: web',
    ].join('\n')
    const found = problems(yaml, 'deploy/td.yaml')
    expect(found.map((p) => [p.replace(/^.*?: /, '').slice(0, 30), locationOf(p)])).toEqual([
      ['`cpu` is the number 256; ECS e', { file: 'deploy/td.yaml', line: 2 }],
      ['container `web` environment `P', { file: 'deploy/td.yaml', line: 8 }],
      ['container name `web` appears m', { file: 'deploy/td.yaml', line: 9 }],
      ['container `web` has no `image`', { file: 'deploy/td.yaml', line: 9 }],
    ])
  })

  it('JSON: a syntax error at its line and column; an unknown key at its line', () => {
    const [syntax] = problems('{\n  "family": "web",\n  "cpu": "256"\n  "memory": "512"\n}', 'td.json')
    expect(locationOf(syntax)).toEqual({ file: 'td.json', line: 4, column: 3 })
    const [unknown] = problems('{\n  "family": "web",\n  "Cpu": "256",\n  "containerDefinitions": [{ "name": "web", "image": "x" }]\n}', 'td.json')
    expect(unknown).toContain('unknown top-level key `Cpu`')
    expect(locationOf(unknown)).toEqual({ file: 'td.json', line: 3 })
  })

  it('an AppSpec file: its problems name the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'appspec-'))
    const file = join(dir, 'appspec.yaml')
    writeFileSync(file, 'version: 0.0\nResources: []\n')
    const error = await readAppSpecFile(file).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AppSpecError)
    expect(locationOf((error as AppSpecError).problems[0])).toMatchObject({ file })
  })

  it('the render line names the real base', () => {
    expect(renderLine({ file: 'deploy/td.json', currentTaskDefinitionArn: 'arn:aws:ecs:us-east-1:1:task-definition/web:41' }, 'web', 'repo/web:v2')).toBe(
      'file deploy/td.json: container web ← repo/web:v2',
    )
    expect(renderLine({ currentTaskDefinitionArn: 'arn:aws:ecs:us-east-1:1:task-definition/web:41' }, 'web', undefined)).toBe('web:41: container web (image unchanged)')
  })
})
