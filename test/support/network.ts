/**
 * Tests reach loopback only: link previews (on by default in the product) would look up and fetch the links
 * messages carry. They stay off in every test server unless a test lets them fetch its stand-in site on
 * loopback (`LINK_PREVIEW_ALLOW_LOOPBACK=true`).
 */
export const sealed = (env: Record<string, string | undefined>) => ({ LINK_PREVIEWS: env.LINK_PREVIEW_ALLOW_LOOPBACK === 'true' ? 'on' : 'off' })
