// RegisterTaskDefinition limits ECS documents: the image reference (ContainerDefinition.image in the API reference)
// and the size of the task definition ("Max allowed length is '65536' bytes", ClientException).
import { clientError } from './validate.js'
import type { JsonObject } from '../types.js'

const MAX_TASK_DEFINITION_BYTES = 65_536
/** Letters, numbers, hyphens, underscores, colons, periods, forward slashes and number signs. */
const IMAGE_CHARS = /^[A-Za-z0-9\-_:./#]+$/

export function checkTaskDefinitionSize(input: JsonObject): void {
  const bytes = Buffer.byteLength(JSON.stringify(input))
  if (bytes > MAX_TASK_DEFINITION_BYTES) throw clientError(`Actual length: '${bytes}'. Max allowed length is '${MAX_TASK_DEFINITION_BYTES}' bytes.`)
}

/** `repository-url/image:tag` up to 255 characters, or `repository-url/image@sha256:<64 hex>` with 255 before the @. */
export function checkImage(image: string): void {
  const at = image.indexOf('@')
  const name = at < 0 ? image : image.slice(0, at)
  if (name.length > 255) throw clientError('Container.image should be 255 characters or less.')
  if (!IMAGE_CHARS.test(name)) throw clientError('Container.image contains invalid characters.')
  if (at >= 0 && !/^sha256:[A-Fa-f0-9]{64}$/.test(image.slice(at + 1))) {
    throw clientError(
      'Container.image digest is not valid: the only supported hash function is sha256, and the hash value after sha256: must be exactly 64 characters (A-F, a-f, 0-9).',
    )
  }
}
