import type { Child } from 'hono/jsx'
import type { User } from '../store/ports.ts'
import { APPLE_TOUCH_ICON, THEME } from './appLook.ts'
import { faceSrc } from './Message.tsx'
import { SearchBox } from './SearchBox.tsx'

export interface LayoutProps {
  title: string
  user?: User | undefined
  /** The page fills the window and scrolls inside (the room), instead of scrolling as a whole. */
  fill?: boolean
  /** What the header's search box shows (the current search, on the results page). */
  query?: string | undefined
  /** A "skip to" link, first in the tab order (the room's composer). */
  skip?: { href: string; label: string } | undefined
  children?: Child
}

/**
 * Every full page. htmx may load only the extensions named in its config,
 * and app.js registers one that forbids it from evaluating strings.
 */
export function Layout({ title, user, fill = false, query, skip, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {/* A tab in the background keeps its socket (hx-ws closes it by default): its counts and desktop
            notifications stay live. It says it is hidden (static/js/presence.js), so Web Push still reaches the phone. */}
        <meta name="htmx-config" content='extensions:"rtc-no-eval,ws,upsert" ws.pauseOnBackground:false' />
        <title>{title === 'rtc' ? 'rtc' : `${title} · rtc`}</title>
        <link rel="icon" href="/favicon.ico" type="image/svg+xml" />
        {/* Installable (src/install/manifest.ts); the title bar takes the header's colour in either scheme. */}
        <link rel="manifest" href="/manifest.webmanifest" />
        <link rel="apple-touch-icon" href={APPLE_TOUCH_ICON} />
        <meta name="theme-color" content={THEME.light} media="(prefers-color-scheme: light)" />
        <meta name="theme-color" content={THEME.dark} media="(prefers-color-scheme: dark)" />
        <link rel="stylesheet" href="/static/app.css" />
      </head>
      <body data-me={user ? String(user.id) : undefined} data-me-login={user?.login} class={fill ? 'fill' : undefined}>
        {skip && <a class="skip-link" href={skip.href}>{skip.label}</a>}
        <header class="top">
          <a class="brand" href="/">rtc</a>
          {user && <SearchBox q={query} />}
          {user && (
            <form class="whoami" method="post" action="/logout">
              <a class="me" href="/profile" title="Your profile">
                {faceSrc(user.avatarUrl, 48) && <img class="avatar" src={faceSrc(user.avatarUrl, 48)} alt="" width="24" height="24" />}
                <span class="name">{user.name ?? user.login}</span>
              </a>
              <a class="sessions-link" href="/sessions">Sessions</a>
              <a class="settings-link" href="/settings">Settings</a>
              <button type="submit">Sign out</button>
            </form>
          )}
        </header>
        <main>{children}</main>
        {/* Classic scripts at the end of body run while the document is still loading, so every
            extension is registered before htmx initialises on DOMContentLoaded (with defer, htmx
            may initialise between two deferred scripts and miss the later extensions). */}
        <script src="/static/vendor/htmx.min.js"></script>
        <script src="/static/app.js"></script>
        <script src="/static/js/refusals.js"></script>
        <script src="/static/js/history.js"></script>
        <script src="/static/js/around.js"></script>
        <script src="/static/js/unread.js"></script>
        <script src="/static/js/keyboard.js"></script>
        <script src="/static/js/look.js"></script>
        <script src="/static/js/forms.js"></script>
        <script src="/static/js/delete.js"></script>
        <script src="/static/js/replies.js"></script>
        <script src="/static/js/kept.js"></script>
        <script src="/static/js/export.js"></script>
        <script src="/static/js/profiles.js"></script>
        <script src="/static/js/invites.js"></script>
        <script src="/static/js/removed.js"></script>
        <script src="/static/js/awareness.js"></script>
        <script src="/static/js/notifications.js"></script>
        <script src="/static/js/notifylevel.js"></script>
        <script src="/static/js/presence.js"></script>
        <script src="/static/js/install.js"></script>
        <script src="/static/js/uploads.js"></script>
        <script src="/static/js/attachments.js"></script>
        <script src="/static/js/reactions.js"></script>
        <script src="/static/js/compose.js"></script>
        <script src="/static/js/mentions.js"></script>
        <script src="/static/js/roving.js"></script>
        <script src="/static/js/drawers.js"></script>
        <script src="/static/js/switcher.js"></script>
        <script src="/static/vendor/hx-ws.min.js"></script>
        <script src="/static/vendor/hx-upsert.min.js"></script>
      </body>
    </html>
  )
}
