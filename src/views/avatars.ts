/** Only GitHub's avatar host (the one the Content-Security-Policy allows), over https. */
const GITHUB_AVATAR = /^https:\/\/avatars\.githubusercontent\.com\/[^\s"<>]+$/

/**
 * Whether a stored avatar address is drawn as an image. Others (a single sign-on provider's `picture`)
 * are kept but not drawn: the page may load images only from GitHub's avatar host.
 */
export const isShownAvatar = (url: string | null | undefined): url is string => GITHUB_AVATAR.test(url ?? '')
