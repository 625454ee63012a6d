// Shared by the tests that talk to a running sandbox (sandbox-*, e2e-*): SDK client settings, raw requests, the
// control API, and a release pushed to its ECR.
import { ECRClient, PutImageCommand } from '@aws-sdk/client-ecr'

export function clientConfig(url: string, maxAttempts = 1) {
  return { endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts }
}

/** POST an AWS JSON request by hand (for what SDK clients would refuse to send). */
export async function rawCall(url: string, target: string, body: string, contentType = 'application/x-amz-json-1.1') {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType, 'x-amz-target': target }, body })
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> }
}

/** A request to the sandbox's control API (`/_sandbox/<path>`): GET, or POST when there is a body. */
export async function controlRequest(url: string, path: string, init?: { method?: string; body?: unknown }) {
  const res = await fetch(`${url}/_sandbox/${path}`, {
    method: init?.method ?? (init?.body === undefined ? 'GET' : 'POST'),
    headers: { 'content-type': 'application/json' },
    body: init?.body === undefined ? undefined : JSON.stringify(init.body),
  })
  // The control API's JSON, read field by field.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: (await res.json()) as any }
}

const ECR_HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com'

/** A release pushed to the sandbox's ECR repository `web` (as CI would have pushed it): its image by tag. */
export async function pushImage(url: string, tag: string): Promise<string> {
  // The SDK's own retries (3 attempts), as a pipeline's push would have.
  const ecr = new ECRClient(clientConfig(url, 3))
  const manifest = { schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: { digest: `sha256:${tag}` }, layers: [] }
  await ecr.send(new PutImageCommand({ repositoryName: 'web', imageTag: tag, imageManifest: JSON.stringify(manifest) }))
  ecr.destroy()
  return `${ECR_HOST}/web:${tag}`
}
