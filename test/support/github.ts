import { Hono } from 'hono'

export interface FakeGithubUser {
  id: number
  login: string
  name: string | null
  avatar_url: string
}

/**
 * Plays github.com and api.github.com behind `globalThis.fetch`. It issues a
 * code per authorization, trades each code for a token once, and refuses the
 * e-mail list to tokens without the `user:email` scope, as GitHub does.
 */
export function fakeGithub(clientId: string, clientSecret: string) {
  let nextUser: FakeGithubUser | undefined
  const codes = new Map<string, { user: FakeGithubUser; scope: string }>()
  const tokens = new Map<string, { user: FakeGithubUser; scope: string }>()
  const requests: string[] = []
  let n = 0

  const github = new Hono()
    .post('/login/oauth/access_token', async (c) => {
      const body = await c.req.json<{ client_id: string; client_secret: string; code: string }>()
      if (body.client_id !== clientId || body.client_secret !== clientSecret) {
        return c.json({ error: 'incorrect_client_credentials', error_description: 'The client_id and/or client_secret passed are incorrect.' })
      }
      const grant = codes.get(body.code)
      codes.delete(body.code)
      if (!grant) return c.json({ error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' })
      const token = `gho_fake${++n}_${Math.random().toString(36).slice(2)}`
      tokens.set(token, grant)
      return c.json({ access_token: token, token_type: 'bearer', scope: grant.scope })
    })
    .get('/user', (c) => {
      const grant = tokens.get(c.req.header('authorization')?.replace('Bearer ', '') ?? '')
      return grant ? c.json({ ...grant.user, type: 'User' }) : c.json({ message: 'Bad credentials' }, 401)
    })
    .get('/user/emails', (c) => {
      const grant = tokens.get(c.req.header('authorization')?.replace('Bearer ', '') ?? '')
      if (!grant) return c.json({ message: 'Bad credentials' }, 401)
      if (!grant.scope.split(',').includes('user:email')) return c.json({ message: 'Not Found' }, 404)
      return c.json([{ email: `${grant.user.login}@example.org`, primary: true, verified: true }])
    })

  const realFetch = globalThis.fetch
  return {
    requests,
    /** The user who will approve the next authorization. */
    setUser(user: FakeGithubUser) { nextUser = user },
    /** What GitHub's authorize page does when the user approves: a code bound to the scope asked for. */
    approve(authorizeUrl: string): string {
      const url = new URL(authorizeUrl)
      if (url.origin !== 'https://github.com' || url.pathname !== '/login/oauth/authorize') throw new Error(`not an authorize URL: ${authorizeUrl}`)
      if (url.searchParams.get('client_id') !== clientId) throw new Error('wrong client_id')
      if (!nextUser) throw new Error('setUser first')
      const code = `code${++n}`
      codes.set(code, { user: nextUser, scope: url.searchParams.get('scope') ?? '' })
      return code
    },
    install() {
      requests.length = 0
      globalThis.fetch = async (input, init) => {
        const request = new Request(input, init)
        const url = new URL(request.url)
        if (url.hostname !== 'github.com' && url.hostname !== 'api.github.com') {
          throw new Error(`unexpected fetch to ${url.origin} in a test`)
        }
        requests.push(`${request.method} ${url.hostname}${url.pathname}`)
        return github.fetch(new Request(`http://github.test${url.pathname}${url.search}`, request))
      }
    },
    uninstall() { globalThis.fetch = realFetch },
  }
}
