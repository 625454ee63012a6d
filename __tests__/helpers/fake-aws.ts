// How the tests fake AWS: one kind of fake per thing to prove, each in one place.
//
// 1. The handler table (this file) — the action's own logic. `fakeAws({ Operation: handler }, clock)` gives the
//    action SDK-shaped clients whose every command goes to the handler named after its operation, and records each
//    call (operation, input, virtual time). With `fakeClock` nothing really waits, so pacing, budgets and deadlines are
//    asserted exactly. It proves which calls the action makes with which inputs, and what it concludes from what AWS
//    answers: facts, timeline, outcome (watch, bake, diagnose, deploy-rolling, deploy-native, deploy-codedeploy).
//    There is no HTTP and no SDK middleware: an error is an SDK-shaped object a handler throws (`awsError`,
//    `throttling`), so this proves what the action does with an error, not what the SDK makes of a response.
//    What the handlers answer comes from helpers/ecs-model.ts: the world (prod/web, web:41 → web:42, alarm api-5xx,
//    `basePlan`), builders of answers (`dep`, `svc`, `ev`, `stoppedTask`, `metricAlarm`), one-operation handlers
//    (`script`, `serviceDeployments`, `tasks`, `noTasks`) and the scripted models of a service under each
//    controller (`rollingEcs`, `nativeEcs`, `codeDeployEcs`). A test file writes its script (what AWS says, look
//    by look), never a model of its own: a new shape of answer or a new model goes into ecs-model.ts.
//
// 2. nock (helpers/nock-aws.ts) — what only the SDK and the wire show. `nockClients()` builds the real SDK clients
//    pointed at nock; `nockAws({ 'Target.Operation': handler or replies })` answers per `x-amz-target` and records
//    the request bodies as sent. It proves serialization (preflight's exact request bodies, read-only calls), the
//    SDK's retries and what is left of a fault once they are spent (throttling, 5xx, maxAttempts), HTTP statuses as
//    error names, a failing credentials provider, a refused connection (preflight, watch-http). Engine and watch
//    logic is not tested here: that is the table's, with a fake clock. (Preflight runs all its checks over nock: what
//    it promises is about the wire — read-only calls, these request bodies, every SDK failure a problem line.)
//
// 3. The sandbox (sandbox/) — behaviour against AWS's dynamics: a scheduler that starts and stops tasks over time,
//    the circuit breaker, native lifecycle stages, CodeDeploy task sets, fault injection, over the real wire
//    protocols (e2e-*, sandbox-*; SDK settings in __tests__/sandbox-helpers.ts). helpers/sandbox-fakes.ts drives
//    its ECS emulation in process, step by step (sandbox-ecs-*, sandbox-fidelity): a test of the emulator itself.
//    When a unit test needs one dynamic, it scripts it in ecs-model.ts; when it needs the real one, it is an e2e test.
//
// 4. The ECR stub (helpers/ecr-stub.ts) — the ECR API in front of a real Docker registry, so docker login, build and
//    push run for real (build-image, ecr-login); `registryDigest` asks the registry itself what was pushed.
//
// A new fault the action must survive: what the action does about it is a table test with an SDK-shaped error;
// what the SDK makes of the response (retried? which error?) a nock test; AWS producing it, sandbox/faults.ts.
// Not fakes: helpers/capture.ts (what the runner would log), helpers/docker-env.ts (the real Docker and registry).
import type { Clients } from '../../src/aws/clients.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Handler = (input: any) => unknown

export interface Call {
  op: string
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  input: any
  at: number
}

/** A virtual clock: `sleep` records the pause and moves time on at once. */
export function fakeClock(start = Date.UTC(2026, 0, 1)) {
  const clock = {
    t: start,
    sleeps: [] as number[],
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms)
      clock.t += ms
    },
  }
  return clock
}

/** The action's clients, answered by `handlers` (an operation without one fails the call); every call recorded. */
export function fakeAws(handlers: Record<string, Handler>, clock?: { now: () => number }) {
  const calls: Call[] = []
  const send = async (command: { constructor: { name: string }; input: unknown }) => {
    const op = command.constructor.name.replace(/Command$/, '')
    calls.push({ op, input: command.input, at: clock?.now() ?? 0 })
    const handler = handlers[op]
    if (!handler) throw new Error(`fake AWS: unexpected ${op}`)
    return handler(command.input)
  }
  const client = { send }
  const clients = { ecs: client, ecr: client, cloudwatch: client, logs: client, codedeploy: client } as unknown as Clients
  return { clients, calls, count: (op: string) => calls.filter((c) => c.op === op).length }
}

/** An error as the SDK throws it for an AWS error response: `name`, `message`, HTTP status. */
export function awsError(name: string, message = name, status = 400): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } })
}

export const throttling = (): Error => awsError('ThrottlingException', 'Rate exceeded')
