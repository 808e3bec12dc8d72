import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../context.ts'
import { isLanguage, negotiateLanguage } from './languages.ts'
import { inLanguage } from './translate.ts'

/**
 * Chooses the request's language: the signed-in user's setting, else the browser's `Accept-Language`.
 * Every page and fragment this request renders through `c.html` is rendered in it (`inLanguage`, set
 * here once rather than a language prop threaded through every component).
 */
export const chooseLanguage: MiddlewareHandler<AppEnv> = async (c, next) => {
  const chosen = c.get('user')?.language
  const lang = isLanguage(chosen) ? chosen : negotiateLanguage(c.req.header('accept-language'))
  c.set('lang', lang)
  const html = c.html
  // c.html turns its markup into text before it first awaits, so the whole render happens inside.
  c.html = ((...args: unknown[]) => inLanguage(lang, () => (html as (...args: unknown[]) => unknown)(...args))) as typeof c.html
  c.header('Content-Language', lang)
  c.header('Vary', 'Accept-Language', { append: true })
  await next()
}
