// Identifiers and ARNs in the shapes ECS uses, and the epoch-seconds conversion of the wire format.
import { randomBytes, randomUUID } from 'node:crypto'
import type { Account } from '../types.js'

/** Epoch ms (simulated) → epoch seconds, the awsJson timestamp format. */
export const toEpochSeconds = (ms: number): number => ms / 1000

export const hex32 = (): string => randomBytes(16).toString('hex')
export const uuid = (): string => randomUUID()

/** 19 decimal digits, as in deployment ids and service-revision ARNs (first digit never 0). */
function digits19(): string {
  const bytes = randomBytes(19)
  let out = String(1 + (bytes[0]! % 9))
  for (let i = 1; i < 19; i++) out += String(bytes[i]! % 10)
  return out
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'
/** The 21-character id at the end of a service-deployment ARN. */
function serviceDeploymentId(): string {
  return Array.from(randomBytes(21), (b) => ID_ALPHABET[b % 64]).join('')
}

export function newDeploymentId(): string {
  return `ecs-svc/${digits19()}`
}

export class Arns {
  constructor(private readonly account: Account) {}
  private prefix(): string {
    return `arn:aws:ecs:${this.account.region}:${this.account.accountId}`
  }
  cluster(name: string): string {
    return `${this.prefix()}:cluster/${name}`
  }
  service(cluster: string, name: string): string {
    return `${this.prefix()}:service/${cluster}/${name}`
  }
  taskDefinition(family: string, revision: number): string {
    return `${this.prefix()}:task-definition/${family}:${revision}`
  }
  task(cluster: string, id: string): string {
    return `${this.prefix()}:task/${cluster}/${id}`
  }
  container(cluster: string, taskId: string): string {
    return `${this.prefix()}:container/${cluster}/${taskId}/${uuid()}`
  }
  serviceDeployment(cluster: string, service: string): string {
    return `${this.prefix()}:service-deployment/${cluster}/${service}/${serviceDeploymentId()}`
  }
  serviceRevision(cluster: string, service: string): string {
    return `${this.prefix()}:service-revision/${cluster}/${service}/${digits19()}`
  }
  /** Who registered a task definition: the sandbox's account root. */
  principal(): string {
    return `arn:aws:iam::${this.account.accountId}:root`
  }
  /** True when `s` is an ECS ARN of this region/account of the given resource type. */
  isArnOf(s: string, type: string): boolean {
    return s.startsWith(`${this.prefix()}:${type}/`)
  }
  /** The part after `<type>/` of an ECS ARN. */
  resourcePart(arn: string, type: string): string {
    return arn.slice(`${this.prefix()}:${type}/`.length)
  }
}
