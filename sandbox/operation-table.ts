import type { AwsService, JsonObject } from './types.js'

/** `has` and `handle` for a service whose operations are a table of functions of one context. */
export function operationTable<C>(service: string, operations: Record<string, (ctx: C, input: JsonObject) => JsonObject>, ctx: C): Pick<AwsService, 'has' | 'handle'> {
  return {
    has: (operation) => Object.hasOwn(operations, operation),
    handle(operation, input) {
      const op = operations[operation]
      if (!op) throw new Error(`${service} operation ${operation} is not emulated (the server should have answered UnknownOperationException).`)
      return op(ctx, input ?? {})
    },
  }
}
