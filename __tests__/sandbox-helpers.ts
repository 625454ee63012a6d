// Shared by the sandbox tests: SDK client settings pointed at a running sandbox.
export function clientConfig(url: string, maxAttempts = 1) {
  return { endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts }
}

/** POST an AWS JSON request by hand (for what SDK clients would refuse to send). */
export async function rawCall(url: string, target: string, body: string, contentType = 'application/x-amz-json-1.1') {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType, 'x-amz-target': target }, body })
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> }
}
