import Bowser from 'bowser'

/** Longer user agents are not read: a parser's regular expressions stay cheap whatever a client sends. */
const MAX_AGENT_CHARS = 512

/**
 * What the sessions page calls a browser: "Firefox 128 on Linux, desktop",
 * "Safari 17 on iOS, iPhone", from the User-Agent at sign-in (bowser's
 * tables). Undefined when the agent names no browser (curl, a bot).
 */
export function deviceOf(userAgent: string | undefined): string | undefined {
  if (!userAgent) return undefined
  const { browser, os, platform } = Bowser.parse(userAgent.slice(0, MAX_AGENT_CHARS))
  if (!browser.name) return undefined
  const major = browser.version?.split('.')[0]
  const where = [os.name, platform.model ?? platform.type].filter(Boolean)
  return `${browser.name}${major ? ` ${major}` : ''}${where.length > 0 ? ` on ${where.join(', ')}` : ''}`.slice(0, 100)
}
