// Tests that need something of the machine (a Docker engine and registry, the AWS CLI) go in describeRequiring.
// Without it, under CI=true every one of them fails with the reason; elsewhere every one is registered as skipped,
// its name carrying the reason, and a warning says so. Either way jest counts them one by one, so a missing tool never
// hides behind a single placeholder, and .ci/run (which fails on any skipped test) cannot pass without them.
import { beforeAll, describe } from '@jest/globals'

/** describe(name, body) when `missing` is undefined; else, `missing` saying what is missing and how to get it, every
 * test of `body` fails (CI=true) or is skipped, loudly. */
export function describeRequiring(name: string, missing: string | undefined, body: () => void): void {
  if (missing === undefined) {
    describe(name, body)
    return
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      // First of the block's hooks: its error is every test's, and no test body runs.
      beforeAll(() => {
        throw new Error(`Required under CI=true: ${missing}`)
      })
      body()
    })
    return
  }
  console.warn(`\n!!!!!!!! SKIPPED, every test of "${name}": ${missing} (under CI=true they fail instead) !!!!!!!!\n`)
  describe.skip(`${name} [SKIPPED: ${missing}]`, body)
}
