// Services of one release that render the same task definition (one family, same content) share one revision: it is
// registered here, once, before the engines start, and each plan deploys it as registered (`existingTaskDefinition`).
// When registering fails here, each engine registers its own as usual and reports what ECS says.
import { RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs'
import type { Clients } from './aws/clients.js'
import { errorText } from './aws/errors.js'
import { stable } from './core/task-definition-diff.js'
import type { Member } from './steps.js'

export async function registerShared(clients: Clients, members: Member[]): Promise<void> {
  const groups = new Map<string, Member[]>()
  for (const m of members) {
    if (!m.plan || m.plan.existingTaskDefinition) continue
    // Key order does not matter to ECS: two renderings equal but for it are the same task definition.
    const key = stable(m.plan.taskDefinition)
    groups.set(key, [...(groups.get(key) ?? []), m])
  }
  for (const sharing of [...groups.values()].filter((g) => g.length > 1)) {
    const names = sharing.map((m) => m.name).join(', ')
    const family = sharing[0].plan!.taskDefinition.family
    try {
      const out = await (clients.ecsOnce ?? clients.ecs).send(new RegisterTaskDefinitionCommand(sharing[0].plan!.taskDefinition))
      const registered = out.taskDefinition
      if (!registered?.taskDefinitionArn) continue
      for (const m of sharing) {
        m.plan!.existingTaskDefinition = registered
        m.timeline.emit({ type: 'phase', at: new Date(), phase: 'register', detail: `${registered.taskDefinitionArn}: one revision of ${family} for ${names}` })
      }
    } catch (error) {
      for (const m of sharing) {
        m.timeline.emit({
          type: 'warning',
          at: new Date(),
          message: `One revision of ${family} for ${names} could not be registered (${errorText(error)}): each service registers its own.`,
        })
      }
    }
  }
}
