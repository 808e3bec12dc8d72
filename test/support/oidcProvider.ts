import { generateKeyPairSync } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import Provider from 'oidc-provider'

/** A person the provider signs in next: `sub` and the claims it states. */
export interface TestAccount {
  sub: string
  preferred_username?: string
  name?: string
  email?: string
  picture?: string
}

export interface TestClient {
  client_id: string
  client_secret: string
  redirect_uris: string[]
}

const signingKey = () => ({ ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), kid: 'test-signing-key', use: 'sig', alg: 'RS256' })

/**
 * A real OpenID provider (`oidc-provider`, the certified implementation) on a
 * loopback port of the test process. Every client must use PKCE; there is no
 * login form: the interaction signs in whoever `signInNext` named and grants
 * what the client asked for, so a test (or a browser) just follows redirects.
 * `requests` lists each request's method and path, in order.
 */
export async function startTestProvider(clients: TestClient[], { port = 0, issuer: publicIssuer }: { port?: number; issuer?: string } = {}) {
  let next: TestAccount | undefined
  const accounts = new Map<string, TestAccount>()
  const requests: string[] = []
  let provider!: Provider
  let callback!: ReturnType<Provider['callback']>

  async function interact(req: IncomingMessage, res: ServerResponse) {
    const details = await provider.interactionDetails(req, res)
    const account = next
    if (!account) throw new Error('signInNext first')
    accounts.set(account.sub, account)
    const grant = new provider.Grant({ accountId: account.sub, clientId: String(details.params.client_id) })
    grant.addOIDCScope(String(details.params.scope))
    await provider.interactionFinished(req, res, { login: { accountId: account.sub }, consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: false })
  }

  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url?.split('?')[0]}`)
    if (req.url?.startsWith('/interaction/')) {
      interact(req, res).catch((err: unknown) => {
        res.statusCode = 500
        res.end(String(err))
      })
      return
    }
    void callback(req, res)
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  // Another issuer: a proxy in front, at whose address every endpoint is published.
  const issuer = publicIssuer ?? `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  provider = new Provider(issuer, {
    clients: clients.map((c) => ({ ...c, grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' })),
    pkce: { required: () => true },
    claims: { openid: ['sub'], profile: ['name', 'preferred_username', 'picture'], email: ['email'] },
    findAccount: (_ctx, id) => {
      const account = accounts.get(id)
      return account && { accountId: id, claims: () => ({ ...account }) }
    },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['oidc-provider test cookie key, not a secret'] },
    ttl: { AccessToken: 600, Grant: 600, IdToken: 600, Interaction: 600, Session: 600 },
    jwks: { keys: [signingKey()] },
  })
  callback = provider.callback()

  return {
    issuer,
    /** Where the provider itself answers (the issuer's address unless a proxy is in front). */
    address,
    provider,
    requests,
    /** The person the next interaction signs in. */
    signInNext(account: TestAccount) { next = account },
    /** Stops answering, as a provider that is down. */
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    }),
  }
}

export type TestProvider = Awaited<ReturnType<typeof startTestProvider>>

/**
 * Follows a browser's way through the provider from the authorize URL, keeping the provider's cookies, until
 * the provider sends the browser back to `redirectPrefix`; answers that URL.
 */
export async function throughProvider(authorizeUrl: string, redirectPrefix: string): Promise<string> {
  const jar = new Map<string, string>()
  let url = authorizeUrl
  for (let hop = 0; hop < 10; hop++) {
    if (url.startsWith(redirectPrefix)) return url
    const res = await fetch(url, { redirect: 'manual', headers: jar.size ? { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } : {} })
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const [name, value = ''] = pair!.split('=')
      jar.set(name!.trim(), value)
    }
    const location = res.headers.get('location')
    if (!location) throw new Error(`the provider answered ${res.status} at ${url}: ${(await res.text()).slice(0, 300)}`)
    url = new URL(location, url).href
  }
  throw new Error('too many redirects at the provider')
}
