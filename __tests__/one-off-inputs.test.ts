// The one-off task inputs: a command as a JSON array or a `sh -c` line, NAME=value environment lines, and every
// problem named with the input, the value and what is accepted.
import { describe, expect, it } from '@jest/globals'
import { getInputs, InputError } from '../src/inputs/context.js'

const BASE = { cluster: 'prod', service: 'web', 'force-new-deployment': 'true' }
const read = (values: Record<string, string>) => (name: string) => (({ ...BASE, ...values }) as Record<string, string>)[name] ?? ''

function problems(values: Record<string, string>): string[] {
  try {
    getInputs(read(values))
  } catch (error) {
    if (error instanceof InputError) return error.problems
    throw error
  }
  throw new Error('no input error')
}

describe('one-off task inputs', () => {
  it('reads a JSON array as words and a string as sh -c, with the environment lines', () => {
    const inputs = getInputs(
      read({
        'pre-deploy-command': '["npm","run","migrate"]',
        'post-deploy-command': 'curl -f http://web/health',
        'pre-deploy-env': 'A=1\n# note\nB=x=y\n',
        'pre-deploy-container': 'app',
      }),
    )
    expect(inputs.oneOff).toEqual({
      preDeploy: { command: ['npm', 'run', 'migrate'], text: 'npm run migrate' },
      postDeploy: { command: ['sh', '-c', 'curl -f http://web/health'], text: 'curl -f http://web/health' },
      container: 'app',
      environment: [
        { name: 'A', value: '1' },
        { name: 'B', value: 'x=y' },
      ],
    })
  })

  it('has no one-off tasks when none is asked for', () => {
    expect(getInputs(read({})).oneOff).toBeUndefined()
  })

  it('names each bad value and what is accepted', () => {
    expect(problems({ 'pre-deploy-command': '["npm",', 'pre-deploy-env': '1X=2', 'pre-deploy-container': 'bad name' })).toEqual([
      'Input `pre-deploy-command` is `["npm",`: expected a JSON array of strings such as ["npm","run","migrate"], or a command line run with sh -c.',
      'Input `pre-deploy-container` is `bad name`: expected a container name from the task definition (letters, digits, - and _).',
      'Input `pre-deploy-env` is `1X=2`: line 1: expected NAME=value with NAME letters, digits and _ (not starting with a digit).',
    ])
  })

  it('refuses the commands in a rollback (it must not re-run migrations)', () => {
    expect(problems({ 'force-new-deployment': '', 'rollback-to': 'previous', 'pre-deploy-command': './migrate' })).toEqual([
      'Input `rollback-to` is `previous` and `pre-deploy-command` is set: a rollback never runs the one-off tasks (it must not re-run migrations); remove the command from the rollback step.',
    ])
  })
})
