// The release workflow (.github/workflows/release.yml): what it runs, in which order, and its shell steps run
// here against a local git remote and a stand-in `gh`.
import { afterAll, describe, expect, test } from '@jest/globals'
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

const root = fileURLToPath(new URL('..', import.meta.url))

interface Step {
  name?: string
  uses?: string
  run?: string
  with?: Record<string, unknown>
  env?: Record<string, string>
  if?: string
}
const workflow = parse(readFileSync(join(root, '.github/workflows/release.yml'), 'utf8')) as {
  on: { push: { tags: string[]; branches?: unknown } }
  jobs: { release: { permissions: Record<string, string>; steps: Step[] } }
}
const steps = workflow.jobs.release.steps
const step = (name: string) => {
  const found = steps.find((s) => s.name === name)
  if (!found?.run) throw new Error(`release.yml has no run step named ${name}`)
  return found.run
}

/** Runs a workflow step's script with bash, as the runner does (`bash -e`). */
function runStep(script: string, cwd: string, env: Record<string, string>) {
  return spawnSync('bash', ['-e', '-c', script], { cwd, env: { ...process.env, ...env }, encoding: 'utf8' })
}

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: 'pipe' }).trim()

const tmpDirs: string[] = []
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'release-'))
  tmpDirs.push(dir)
  return dir
}
afterAll(() => tmpDirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

describe('release.yml', () => {
  test('runs on version tags only, may write contents, and checks dist/ and the tests before it publishes', () => {
    expect(workflow.on).toEqual({ push: { tags: ['v*.*.*'] } })
    expect(workflow.jobs.release.permissions).toEqual({ contents: 'write' })
    expect(steps.map((s) => s.uses ?? s.run?.split('\n')[0])).toEqual([
      'actions/checkout@v6',
      'actions/setup-node@v6',
      'bash scripts/release-notes.sh "$GITHUB_REF_NAME" > "$RUNNER_TEMP/notes.md"',
      'npm ci',
      'npm run bundle && git diff --exit-code dist',
      'bash .ci/run',
      'prerelease=()',
      'major="${GITHUB_REF_NAME%%.*}"',
    ])
    expect(steps[1].with).toMatchObject({ 'node-version': 24 })
    expect(steps.find((s) => s.name === 'Create the GitHub release')?.env).toEqual({ GH_TOKEN: '${{ github.token }}' })
  })

  test("the notes are the tag's CHANGELOG.md section; a tag without one fails", () => {
    const tmp = tempDir()
    const ok = runStep(step('Release notes from CHANGELOG.md'), root, { GITHUB_REF_NAME: 'v0.1.0', RUNNER_TEMP: tmp })
    expect(ok.status).toBe(0)
    const notes = readFileSync(join(tmp, 'notes.md'), 'utf8')
    const changelog = readFileSync(join(root, 'CHANGELOG.md'), 'utf8')
    const section = changelog.slice(changelog.indexOf('## [0.1.0]')).split('\n').slice(1).join('\n').trim()
    expect(notes).toBe(`${section}\n`)
    expect(notes).not.toContain('## [')

    const missing = runStep(step('Release notes from CHANGELOG.md'), root, { GITHUB_REF_NAME: 'v9.9.9', RUNNER_TEMP: tmp })
    expect(missing.status).toBe(1)
    expect(missing.stderr).toContain("has no section '## [9.9.9]'")
  })

  test('stops at the next version and leaves link references out', () => {
    const tmp = tempDir()
    const changelog = join(tmp, 'CHANGELOG.md')
    writeFileSync(
      changelog,
      '# Changelog\n\n## [Unreleased]\n\n## [1.2.0] - 2027-01-02\n\n### Fixed\n\n- b\n\n## [1.1.0] - 2027-01-01\n\n- a\n\n[1.2.0]: https://example.com/compare\n',
    )
    const out = spawnSync('bash', [join(root, 'scripts/release-notes.sh'), 'v1.2.0', changelog], { encoding: 'utf8' })
    expect([out.status, out.stdout]).toEqual([0, '### Fixed\n\n- b\n'])
    const last = spawnSync('bash', [join(root, 'scripts/release-notes.sh'), '1.1.0', changelog], { encoding: 'utf8' })
    expect([last.status, last.stdout]).toEqual([0, '- a\n'])
  })

  test('creates the release with gh (a pre-release for a -rc tag) and moves the major tag to the tagged commit', () => {
    const tmp = tempDir()
    // A stand-in gh that records its arguments.
    const bin = join(tmp, 'bin')
    mkdirSync(bin)
    writeFileSync(join(bin, 'gh'), `#!/usr/bin/env bash\nprintf '%s\\n' "$@" > "${tmp}/gh-args"\n`)
    chmodSync(join(bin, 'gh'), 0o755)
    const env = (tag: string, sha = '') => ({ GITHUB_REF_NAME: tag, GITHUB_SHA: sha, RUNNER_TEMP: tmp, PATH: `${bin}:${process.env.PATH}` })
    const ghArgs = () => readFileSync(join(tmp, 'gh-args'), 'utf8').trim().split('\n')

    expect(runStep(step('Create the GitHub release'), tmp, env('v1.2.3')).status).toBe(0)
    expect(ghArgs()).toEqual(['release', 'create', 'v1.2.3', '--verify-tag', '--title', 'v1.2.3', '--notes-file', `${tmp}/notes.md`])
    expect(runStep(step('Create the GitHub release'), tmp, env('v1.3.0-rc.1')).status).toBe(0)
    expect(ghArgs()).toContain('--prerelease')
    expect(steps.find((s) => s.name === 'Move the major tag')?.if).toBe("${{ !contains(github.ref_name, '-') }}")

    // A clone with a remote, as actions/checkout leaves it.
    const remote = join(tmp, 'remote.git')
    const work = join(tmp, 'work')
    git(tmp, 'init', '-q', '--bare', remote)
    git(tmp, 'clone', '-q', remote, work)
    const commit = (message: string) => {
      git(work, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', message)
      return git(work, 'rev-parse', 'HEAD')
    }
    const first = commit('one')
    const second = commit('two')
    git(work, 'push', '-q', 'origin', 'HEAD:refs/heads/main')
    for (const [tag, sha] of [
      ['v1.2.3', first],
      ['v1.2.4', second],
    ]) {
      const moved = runStep(step('Move the major tag'), work, env(tag, sha))
      expect([moved.status, moved.stderr]).toEqual([0, expect.any(String)])
      expect(git(remote, 'rev-parse', 'refs/tags/v1^{commit}')).toBe(sha)
    }
  })
})
