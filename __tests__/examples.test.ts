// Every workflow we show (examples/, .github/workflows/, README.md's yaml blocks) parses with GitHub's own workflow
// parser, and uses the action as action.yml declares it: `with:` keys are inputs, required inputs are given, and
// `steps.<id>.outputs.<name>` of an action step names a declared output.
import { describe, expect, test } from '@jest/globals'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { convertWorkflowTemplate, isBasicExpression, isMapping, isSequence, isString, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser'
import { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token'
import { parse } from 'yaml'

const root = fileURLToPath(new URL('..', import.meta.url))

interface ActionYml {
  inputs: Record<string, { required?: boolean }>
  outputs: Record<string, unknown>
}
const action = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as ActionYml
const INPUTS = new Set(Object.keys(action.inputs))
const REQUIRED = Object.keys(action.inputs).filter((name) => action.inputs[name].required)
const OUTPUTS = new Set(Object.keys(action.outputs))

/** This repository's action: `./` in its own workflows, `<owner>/ecs-safe-deploy@<ref>` anywhere else. */
const OUR_ACTION = /^(?:\.\/?|[\w.-]+\/ecs-safe-deploy@\S+)$/
/** `steps.deploy.outputs.image` or `steps['deploy'].outputs['image']`. */
const OUTPUT_REF = /\bsteps(?:\.([\w-]+)|\[\s*'([^']+)'\s*\])\.outputs(?:\.([\w-]+)|\[\s*'([^']+)'\s*\])/g

interface Source {
  name: string
  content: string
}

interface Checked {
  problems: string[]
  /** Steps that use the action. */
  actionSteps: number
  /**
   * Steps that read an action step's `outcome` but run only on success, so they can only ever see `succeeded`
   * (unless the action step has `continue-on-error`).
   */
  outcomeOnlyOnSuccess: string[]
}

/** The expressions in a token: `${{ }}` values, and `if:` values, which are bare expressions. */
function* expressions(token: TemplateToken): Generator<[TemplateToken, string]> {
  for (const [, t, keyToken] of TemplateToken.traverse(token)) {
    if (isBasicExpression(t)) yield [t, t.expression]
    else if (keyToken && isString(keyToken) && keyToken.value === 'if' && isString(t)) yield [t, t.value]
  }
}

function outputRefs(text: string): { stepId: string; output: string }[] {
  return [...text.matchAll(OUTPUT_REF)].map((m) => ({ stepId: m[1] ?? m[2], output: m[3] ?? m[4] }))
}

async function check(source: Source): Promise<Checked> {
  const parsed = parseWorkflow({ name: source.name, content: source.content }, new NoOperationTraceWriter())
  // Conversion adds what parsing alone does not check (expressions' contexts, needs, step ids).
  if (parsed.value) await convertWorkflowTemplate(parsed.context, parsed.value)
  const problems = parsed.context.errors.getErrors().map((e) => e.message)
  const jobs = parsed.value && isMapping(parsed.value) ? parsed.value.find('jobs') : undefined
  if (problems.length > 0 || !jobs || !isMapping(jobs)) return { problems: problems.length ? problems : [`${source.name}: no jobs`], actionSteps: 0, outcomeOnlyOnSuccess: [] }

  let actionSteps = 0
  const outcomeOnlyOnSuccess: string[] = []
  const at = (token: TemplateToken) => `${source.name}:${token.line}`
  for (const { key, value: job } of jobs) {
    const steps = isMapping(job) ? job.find('steps') : undefined
    if (!steps || !isSequence(steps)) continue // a reusable-workflow job
    // Our action steps by id: whether the job goes on when they fail.
    const ours = new Map<string, boolean>()
    for (const step of steps) {
      if (!isMapping(step)) continue
      const uses = step.find('uses')
      if (!uses || !isString(uses) || !OUR_ACTION.test(uses.value)) continue
      actionSteps++
      const id = step.find('id')
      const continueOnError = step.find('continue-on-error')
      if (id && isString(id)) ours.set(id.value, continueOnError !== undefined && continueOnError.toString() !== 'false')
      const inputs = step.find('with')
      if (inputs && !isMapping(inputs)) {
        problems.push(`${at(inputs)}: with: is not a mapping`)
        continue
      }
      const given = inputs ? [...inputs].map((pair) => pair.key) : []
      for (const k of given.filter((k) => !INPUTS.has(k.toString()))) problems.push(`${at(k)}: with.${k.toString()} is not an input of action.yml`)
      for (const name of REQUIRED.filter((n) => !given.some((k) => k.toString() === n))) problems.push(`${at(step)}: required input ${name} is missing`)
    }
    // Expressions anywhere in the job: steps, job outputs, environment url.
    for (const [token, text] of expressions(job)) {
      for (const { stepId, output } of outputRefs(text)) {
        if (ours.has(stepId) && !OUTPUTS.has(output)) problems.push(`${at(token)}: job ${key.toString()}: steps.${stepId}.outputs.${output} is not an output of action.yml`)
      }
    }
    for (const step of steps) {
      if (!isMapping(step)) continue
      const condition = step.find('if')
      const runsAfterFailure = condition !== undefined && /\b(?:always|failure|cancelled)\(\)/.test(isBasicExpression(condition) ? condition.expression : condition.toString())
      const readsOutcome = [...expressions(step)].some(([, text]) => outputRefs(text).some((r) => r.output === 'outcome' && ours.get(r.stepId) === false))
      if (readsOutcome && !runsAfterFailure) outcomeOnlyOnSuccess.push(at(step))
    }
  }
  return { problems, actionSteps, outcomeOnlyOnSuccess }
}

function workflowFiles(dir: string): Source[] {
  return readdirSync(join(root, dir))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => ({ name: `${dir}/${f}`, content: readFileSync(join(root, dir, f), 'utf8') }))
}

/**
 * A README snippet as a whole workflow: a list of steps goes into a job, and `on:` is added where it is missing.
 * The snippet's own lines keep their text; only the indentation is shifted.
 */
function asWorkflow(snippet: string): string {
  const lines = snippet.replace(/\n+$/, '').split('\n')
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length))
  const body = lines.map((l) => l.slice(indent)).join('\n')
  if (body.trimStart().startsWith('- ')) {
    return `on: workflow_dispatch\njobs:\n  snippet:\n    runs-on: ubuntu-latest\n    steps:\n${body.replace(/^(?=.)/gm, '      ')}\n`
  }
  return /^on:/m.test(body) ? `${body}\n` : `on: workflow_dispatch\n${body}\n`
}

function readmeSnippets(): Source[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  return [...readme.matchAll(/^```ya?ml\n([\s\S]*?)^```/gm)]
    .filter((m) => /ecs-safe-deploy|uses: \.\//.test(m[1]))
    .map((m) => ({ name: `README.md, yaml block at line ${readme.slice(0, m.index).split('\n').length}`, content: asWorkflow(m[1]) }))
}

const examples = workflowFiles('examples')
const sources = [...examples, ...workflowFiles('.github/workflows'), ...readmeSnippets()]

describe('workflows we publish', () => {
  test.each(sources.map((s) => [s.name, s] as const))('%s parses and uses the action as action.yml declares it', async (_, source) => {
    const checked = await check(source)
    expect(checked.problems).toEqual([])
  })

  test('the examples are the five documented ones, and every example and README snippet deploys with the action', async () => {
    expect(examples.map((s) => s.name)).toEqual(['examples/approve.yml', 'examples/canary.yml', 'examples/deploy-on-push.yml', 'examples/promote.yml', 'examples/rollback.yml'])
    const snippets = readmeSnippets()
    expect(snippets.length).toBeGreaterThanOrEqual(4)
    for (const source of [...examples, ...snippets]) expect([source.name, (await check(source)).actionSteps > 0]).toEqual([source.name, true])
  })

  test('a step of an example or README snippet that reads the outcome also runs after a failure', async () => {
    for (const source of [...examples, ...readmeSnippets()]) expect([source.name, (await check(source)).outcomeOnlyOnSuccess]).toEqual([source.name, []])
  })

  test('examples hand step outputs to scripts through env, never pasted into `run:`', () => {
    for (const { name, content } of examples) expect([name, /run:[^\n]*\$\{\{\s*steps\./.test(content)]).toEqual([name, false])
  })
})

describe('the checker', () => {
  const wf = (steps: string, extra = '') => check({ name: 't.yml', content: `on: push\njobs:\n  d:\n    runs-on: ubuntu-latest${extra}\n    steps:\n${steps}` })

  test('accepts a correct use', async () => {
    const checked = await wf(
      "      - id: go\n        uses: org/ecs-safe-deploy@v1\n        with: { cluster: c, service: s }\n      - if: failure() && steps.go.outputs.outcome == 'rolled-back'\n        run: echo ${{ steps.go.outputs.image }}\n",
    )
    expect(checked).toEqual({ problems: [], actionSteps: 1, outcomeOnlyOnSuccess: [] })
  })

  test('finds a step that reads the outcome but runs only on success (the action step without continue-on-error)', async () => {
    const steps = (condition: string, continueOnError = '') =>
      wf(`      - id: go\n        uses: ./\n        with: { cluster: c, service: s }${continueOnError}\n      - ${condition}run: echo \${{ steps.go.outputs.outcome }}\n`)
    expect((await steps('')).outcomeOnlyOnSuccess).toEqual(['t.yml:9'])
    expect((await steps("if: steps.go.outputs.outcome == 'failed'\n        ")).outcomeOnlyOnSuccess).toEqual(['t.yml:9'])
    expect((await steps('if: always()\n        ')).outcomeOnlyOnSuccess).toEqual([])
    expect((await steps('if: ${{ failure() }}\n        ')).outcomeOnlyOnSuccess).toEqual([])
    expect((await steps('', '\n        continue-on-error: true')).outcomeOnlyOnSuccess).toEqual([])
  })

  test('reports an unknown input, a missing required input, and unknown outputs in any expression', async () => {
    const { problems } = await wf(
      '      - id: go\n        uses: ./\n        with:\n          service: s\n          bake_time: 5m\n' +
        "      - if: steps.go.outputs.status == 'ok'\n        run: echo ${{ steps['go'].outputs['link'] }}\n",
      '\n    outputs:\n      arn: ${{ steps.go.outputs.task-definition }}',
    )
    expect(problems).toEqual([
      't.yml:12: with.bake_time is not an input of action.yml',
      't.yml:8: required input cluster is missing',
      't.yml:6: job d: steps.go.outputs.task-definition is not an output of action.yml',
      't.yml:13: job d: steps.go.outputs.status is not an output of action.yml',
      't.yml:14: job d: steps.go.outputs.link is not an output of action.yml',
    ])
  })

  test("leaves other actions alone and reports what GitHub's parser reports", async () => {
    expect((await wf('      - id: x\n        uses: org/other@v1\n        with: { foo: 1 }\n      - run: echo ${{ steps.x.outputs.y }}\n')).problems).toEqual([])
    expect((await wf('      - uses: ./\n        whith: { cluster: c, service: s }\n')).problems).toEqual([expect.stringContaining("Unexpected value 'whith'")])
    expect((await wf('      - uses: ./\n        with: { cluster: c, service: ${{ x }} }\n')).problems.length).toBeGreaterThan(0)
  })

  test('wraps README fragments into workflows', () => {
    expect(asWorkflow('      - uses: ./\n        with: { cluster: c }\n')).toBe(
      'on: workflow_dispatch\njobs:\n  snippet:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./\n        with: { cluster: c }\n',
    )
    expect(asWorkflow('jobs:\n  a:\n    runs-on: x\n')).toBe('on: workflow_dispatch\njobs:\n  a:\n    runs-on: x\n')
    expect(asWorkflow('on: push\njobs: {}\n')).toBe('on: push\njobs: {}\n')
  })
})
