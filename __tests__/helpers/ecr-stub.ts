// A stand-in for the ECR API in front of a real registry: GetAuthorizationToken hands out the registry's
// credentials with proxyEndpoint http://<registry>; DescribeImages answers from the registry's own HTTP API, so it
// knows exactly what was pushed there. (The sandbox's ECR can learn of pushed images the same way.)
import { ECRClient } from '@aws-sdk/client-ecr'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface EcrStub {
  client: ECRClient
  url: string
  /** Operations called, in order. */
  calls: string[]
  stop(): Promise<void>
}

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ')

/**
 * Docker-Content-Digest of `repository:reference` in the registry; otherwise the registry's error code
 * (NAME_UNKNOWN: no such repository, MANIFEST_UNKNOWN: no such tag or digest).
 */
export async function registryDigest(registry: string, user: string, password: string, repository: string, reference: string): Promise<{ digest?: string; error?: string }> {
  const get = (path: string, accept = 'application/json') =>
    fetch(`http://${registry}/v2/${repository}/${path}`, { headers: { Accept: accept, Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } })
  const errorOf = async (res: Response) => ((await res.json().catch(() => ({}))) as { errors?: { code?: string }[] }).errors?.[0]?.code ?? `HTTP ${res.status}`
  // A manifest lookup says MANIFEST_UNKNOWN for a missing repository too; the tag list tells them apart.
  const tags = await get('tags/list')
  if (!tags.ok) return { error: await errorOf(tags) }
  await tags.arrayBuffer()
  const res = await get(`manifests/${reference}`, MANIFEST_TYPES)
  if (!res.ok) return { error: await errorOf(res) }
  await res.arrayBuffer()
  return { digest: res.headers.get('docker-content-digest') ?? undefined }
}

export async function startEcrStub(registry: string, user: string, password: string): Promise<EcrStub> {
  const calls: string[] = []
  const handle = async (operation: string, input: Record<string, unknown>): Promise<[number, unknown]> => {
    switch (operation) {
      case 'GetAuthorizationToken':
        return [
          200,
          {
            authorizationData: [
              {
                authorizationToken: Buffer.from(`${user}:${password}`).toString('base64'),
                expiresAt: Date.now() / 1000 + 12 * 3600,
                proxyEndpoint: `http://${registry}`,
              },
            ],
          },
        ]
      case 'DescribeImages': {
        const repository = input.repositoryName as string
        const id = (input.imageIds as { imageTag?: string; imageDigest?: string }[])[0]
        const found = await registryDigest(registry, user, password, repository, id.imageDigest ?? id.imageTag ?? 'latest')
        if (found.error === 'NAME_UNKNOWN') return [400, { __type: 'RepositoryNotFoundException', message: `The repository with name '${repository}' does not exist` }]
        if (!found.digest)
          return [400, { __type: 'ImageNotFoundException', message: `The image with imageId ${JSON.stringify(id)} does not exist within the repository with name '${repository}'` }]
        return [200, { imageDetails: [{ repositoryName: repository, imageDigest: found.digest, imageTags: id.imageTag ? [id.imageTag] : [] }] }]
      }
    }
    return [400, { __type: 'UnknownOperationException', message: operation }]
  }
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? ''
      calls.push(operation)
      handle(operation, body ? (JSON.parse(body) as Record<string, unknown>) : {})
        .then(([status, out]) => {
          res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' })
          res.end(JSON.stringify(out))
        })
        .catch((err: Error) => {
          res.writeHead(500, { 'content-type': 'application/x-amz-json-1.1' })
          res.end(JSON.stringify({ __type: 'ServerException', message: err.message }))
        })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const client = new ECRClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 })
  return {
    client,
    url,
    calls,
    stop: async () => {
      client.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
