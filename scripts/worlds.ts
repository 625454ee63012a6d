// The sandbox worlds the demo and the benchmark run.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import type { WorldSpec } from '../sandbox/index.js'
import { repoRoot } from './action-runner.js'

export const world = (name: string) => parse(readFileSync(join(repoRoot, 'sandbox', 'worlds', name), 'utf8')) as WorldSpec

interface Group {
  blueGreenDeploymentConfiguration: { terminateBlueInstancesOnDeploymentSuccess: { terminationWaitTimeInMinutes: number } }
}

/** The progressive world with CodeDeploy keeping the blue task set an hour after the shift, so a bake can roll back. */
export function progressiveWithBake(): WorldSpec {
  const spec = world('progressive.yaml') as WorldSpec & { codeDeploy: { deploymentGroups: Group[] } }
  for (const group of spec.codeDeploy.deploymentGroups) {
    group.blueGreenDeploymentConfiguration.terminateBlueInstancesOnDeploymentSuccess.terminationWaitTimeInMinutes = 60
  }
  return spec
}
