// The calls that answer a pause for approval are checked against AWS's models before the sandbox runs them:
// ContinueServiceDeployment (ECS), ContinueDeployment and UpdateDeploymentGroup (CodeDeploy).
import { describe, expect, it } from '@jest/globals'
import { startSandbox } from '../sandbox/index.js'
import { rawCall } from './sandbox-helpers.js'

describe('approval calls the models refuse', () => {
  it('answers a bad enum or a missing member with the service’s validation error, before any emulation', async () => {
    const s = await startSandbox({ timeScale: 0 })
    try {
      const ecs = (op: string, body: unknown) => rawCall(s.url, `AmazonEC2ContainerServiceV20141113.${op}`, JSON.stringify(body))
      const codedeploy = (op: string, body: unknown) => rawCall(s.url, `CodeDeploy_20141006.${op}`, JSON.stringify(body))
      expect((await ecs('ContinueServiceDeployment', { serviceDeploymentArn: 'arn', hookId: 'h', action: 'APPROVE' })).body).toMatchObject({
        __type: 'InvalidParameterException',
        message: expect.stringContaining("Value 'APPROVE' at 'action' failed to satisfy constraint: Member must satisfy enum value set: [ROLLBACK, CONTINUE]"),
      })
      expect((await ecs('ContinueServiceDeployment', { serviceDeploymentArn: 'arn' })).body).toMatchObject({
        message: expect.stringContaining("Value null at 'hookId' failed to satisfy constraint: Member must not be null"),
      })
      expect((await codedeploy('ContinueDeployment', { deploymentId: 'd-ABCDEFGHI', deploymentWaitType: 'APPROVAL' })).body).toMatchObject({
        message: expect.stringContaining("Value 'APPROVAL' at 'deploymentWaitType' failed to satisfy constraint"),
      })
      const readyOption = { deploymentReadyOption: { actionOnTimeout: 'ROLLBACK', waitTimeInMinutes: 60 } }
      expect(
        (await codedeploy('UpdateDeploymentGroup', { applicationName: 'a', currentDeploymentGroupName: 'g', blueGreenDeploymentConfiguration: readyOption })).body,
      ).toMatchObject({
        message: expect.stringContaining("Value 'ROLLBACK' at 'blueGreenDeploymentConfiguration.deploymentReadyOption.actionOnTimeout' failed to satisfy constraint"),
      })
      expect(s.control.calls().map((c) => c.status)).toEqual([400, 400, 400, 400])
    } finally {
      await s.stop()
    }
  })
})
