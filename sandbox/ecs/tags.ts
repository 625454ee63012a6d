// TagResource / ListTagsForResource on clusters, services, task definitions and tasks.
import { AwsError, type JsonObject } from '../types.js'
import type { Ctx } from './state.js'
import type { Tag } from './validate.js'
import { invalidParameter, mergeTags, parseTags, requireString } from './validate.js'

/** The tag list of the resource an ARN names (a live reference, so it can be changed in place). */
function holderOf(ctx: Ctx, arn: string): { tags: Tag[] } {
  const { arns, state } = ctx
  if (arns.isArnOf(arn, 'cluster')) {
    const c = state.clusters.get(arns.resourcePart(arn, 'cluster'))
    if (!c) throw new AwsError('ClusterNotFoundException', 'Cluster not found.')
    return c
  }
  const found = arns.isArnOf(arn, 'service')
    ? state.services.get(arns.resourcePart(arn, 'service'))
    : arns.isArnOf(arn, 'task-definition')
      ? [...state.taskDefinitions.values()].flat().find((t) => t.arn === arn)
      : arns.isArnOf(arn, 'task')
        ? state.tasks.get(arn.slice(arn.lastIndexOf('/') + 1))
        : undefined
  if (!found) throw invalidParameter(`The specified resource is not found: ${arn}`)
  return found
}

export function tagResource(ctx: Ctx, input: JsonObject): JsonObject {
  const arn = requireString(input, 'resourceArn')
  const tags = parseTags(input)
  if (!tags) throw invalidParameter('tags must be specified.')
  const holder = holderOf(ctx, arn)
  const merged = mergeTags(holder.tags, tags)
  if (merged.length > 50) throw invalidParameter('Too many tags: at most 50 tags per resource.')
  holder.tags.splice(0, holder.tags.length, ...merged)
  return {}
}

export function listTagsForResource(ctx: Ctx, input: JsonObject): JsonObject {
  return { tags: holderOf(ctx, requireString(input, 'resourceArn')).tags }
}
