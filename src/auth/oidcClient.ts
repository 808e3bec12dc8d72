import * as client from 'openid-client'
import pRetry from 'p-retry'
import type { Logger } from '../log.ts'
import type { PendingSignIn } from '../store/ports.ts'

/** What is asked of the provider: who the person is, their name and picture, their address (for the login's fallback). */
const SCOPE = 'openid profile email'
/** A discovered provider is asked again after this long (its endpoints rarely move; keys are refetched when unknown). */
const REFRESH_MS = 60 * 60 * 1000
const TIMEOUT_SECONDS = 10

/** Why a sign-in through the provider stopped; `status` is the page's. */
export class OidcSignInError extends Error {
  constructor(
    readonly code: 'OIDC_UNREACHABLE' | 'OIDC_CODE_REFUSED' | 'OIDC_CLIENT_REFUSED' | 'OIDC_UNVERIFIED',
    readonly status: 400 | 401 | 502 | 503,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

export interface OidcClientOptions {
  issuer: string
  clientId: string
  clientSecret: string
  /** `<PUBLIC_URL>/auth/oidc/callback`, as registered with the provider. */
  redirectUri: string
  /** Plain http to the provider: the test provider on loopback only (`OIDC_ALLOW_HTTP_LOOPBACK`). */
  allowHttp: boolean
  log: Logger
  /** Attempts beyond the first when discovery fails (tests of an unreachable provider use 0). */
  discoveryRetries?: number
  now?: () => number
}

const failedToReach = (err: unknown) =>
  (err instanceof TypeError && (err as { code?: unknown }).code === undefined)
  || (err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError'))

/**
 * An OpenID Connect relying party on `openid-client`: authorization code with
 * PKCE (S256), `state` and `nonce`, and the ID token checked in full — its
 * signature against the provider's published keys (`enableNonRepudiationChecks`;
 * openid-client alone trusts TLS for it), issuer, audience, expiry and nonce.
 * The provider's discovery document is fetched on first use, retried, and kept.
 */
export function oidcClient(options: OidcClientOptions) {
  const { issuer, clientId, clientSecret, redirectUri, allowHttp, log, discoveryRetries = 2, now = Date.now } = options
  const execute = [client.enableNonRepudiationChecks, ...(allowHttp ? [client.allowInsecureRequests] : [])]
  let kept: { configuration: client.Configuration; at: number } | undefined
  let discovering: Promise<client.Configuration> | undefined

  const discover = () => pRetry(
    () => client.discovery(new URL(issuer), clientId, clientSecret, undefined, { execute, timeout: TIMEOUT_SECONDS }),
    { retries: discoveryRetries, minTimeout: 250, factor: 3 },
  )

  /** The provider's configuration; a failed refresh keeps the one it had, a failed first discovery is tried again next time. */
  async function configuration(): Promise<client.Configuration> {
    if (kept && now() - kept.at < REFRESH_MS) return kept.configuration
    discovering ??= discover()
      .then((configuration) => {
        kept = { configuration, at: now() }
        return configuration
      })
      .finally(() => { discovering = undefined })
    try {
      return await discovering
    } catch (err) {
      log.warn({ err: { message: (err as Error).message, code: (err as { code?: string }).code }, issuer }, 'oidc discovery failed')
      if (kept) return kept.configuration
      throw new OidcSignInError('OIDC_UNREACHABLE', 503, 'The sign-in provider is unreachable right now. Please try again in a moment.', { cause: err })
    }
  }

  return {
    /** Where to send the browser, and what the server keeps until it comes back (only `state` travels with it). */
    async start(): Promise<{ url: URL; state: string; pending: PendingSignIn }> {
      const config = await configuration()
      const codeVerifier = client.randomPKCECodeVerifier()
      const state = client.randomState()
      const nonce = client.randomNonce()
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: SCOPE,
        state,
        nonce,
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
      })
      return { url, state, pending: { codeVerifier, nonce } }
    },

    /**
     * Trades the callback's code for tokens and answers the verified ID token's claims, with the provider's
     * userinfo over them where it has one (many providers put the profile only there). `callbackUrl` is the
     * registered redirect URI with the query the provider sent.
     */
    async finish(callbackUrl: URL, state: string, pending: PendingSignIn): Promise<client.IDToken & Record<string, unknown>> {
      const config = await configuration()
      let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>
      try {
        tokens = await client.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: pending.codeVerifier, expectedState: state, expectedNonce: pending.nonce, idTokenExpected: true,
        })
      } catch (err) {
        throw refusal(err)
      }
      const claims = tokens.claims()!
      if (!config.serverMetadata().userinfo_endpoint) return claims
      try {
        const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub)
        // Who it is stays what the signed ID token says.
        return { ...claims, ...info, iss: claims.iss, sub: claims.sub }
      } catch (err) {
        log.warn({ err: { message: (err as Error).message, code: (err as { code?: string }).code } }, 'oidc userinfo failed; signing in with the ID token\'s claims')
        return claims
      }
    },
  }
}

/** A failed code exchange, by whose fault: the network's, the code's, this server's credentials', or the answer's. */
function refusal(err: unknown): OidcSignInError {
  if (failedToReach(err)) {
    return new OidcSignInError('OIDC_UNREACHABLE', 503, 'The sign-in provider is unreachable right now. Please try again in a moment.', { cause: err })
  }
  if (err instanceof client.WWWAuthenticateChallengeError || (err instanceof client.ResponseBodyError && err.error === 'invalid_client')) {
    return new OidcSignInError('OIDC_CLIENT_REFUSED', 502, 'The sign-in provider did not accept this server. An administrator should check OIDC_CLIENT_ID and OIDC_CLIENT_SECRET.', { cause: err })
  }
  if (err instanceof client.ResponseBodyError) {
    return new OidcSignInError('OIDC_CODE_REFUSED', 400, 'That sign-in expired or was already used. Please sign in again.', { cause: err })
  }
  return new OidcSignInError('OIDC_UNVERIFIED', 401, 'The sign-in provider\'s answer could not be verified, so no one was signed in. Please try again.', { cause: err })
}

export type OidcClient = ReturnType<typeof oidcClient>
