// Self-hosted runners behind a proxy: the SDK's requests go through HTTPS_PROXY (or HTTP_PROXY for a plain-http
// endpoint), unless NO_PROXY names the endpoint's host — the variables curl and the runner itself honour.
import type { Agent } from 'node:http'
import { HttpProxyAgent } from 'http-proxy-agent'
import { HttpsProxyAgent } from 'https-proxy-agent'

const env = (env: NodeJS.ProcessEnv, name: string): string | undefined => env[name.toLowerCase()] || env[name.toUpperCase()] || undefined

/** NO_PROXY: `*`, or comma/space separated hosts, domains (`.example.com` or `example.com`, matching subdomains) and
 * `host:port`. */
export function bypassesProxy(target: URL, noProxy: string | undefined): boolean {
  const host = target.hostname.toLowerCase()
  const port = target.port || (target.protocol === 'https:' ? '443' : '80')
  return (noProxy ?? '')
    .split(/[,\s]+/)
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean)
    .some((entry) => {
      if (entry === '*') return true
      const [name, entryPort] = entry.split(/:(?=\d+$)/)
      if (entryPort && entryPort !== port) return false
      const domain = name.replace(/^\*?\./, '')
      return host === domain || host.endsWith(`.${domain}`)
    })
}

/** The agents for the SDK's requests to `target` (AWS_ENDPOINT_URL, else a regional AWS endpoint), or none. */
export function proxyAgents(target: URL, environment: NodeJS.ProcessEnv = process.env): { httpAgent?: Agent; httpsAgent?: Agent } {
  if (bypassesProxy(target, env(environment, 'no_proxy'))) return {}
  if (target.protocol === 'https:') {
    const proxy = env(environment, 'https_proxy')
    return proxy ? { httpsAgent: new HttpsProxyAgent(proxy) as unknown as Agent } : {}
  }
  const proxy = env(environment, 'http_proxy')
  return proxy ? { httpAgent: new HttpProxyAgent(proxy) } : {}
}
