import type { SessionInfo, User } from '../store/ports.ts'
import { Layout } from './Layout.tsx'

const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`

export interface SessionsPageProps {
  user: User
  sessions: readonly (SessionInfo & { current: boolean })[]
  /** Said after an action, e.g. how many sessions were signed out. */
  notice?: string | undefined
}

/** The user's signed-in sessions, with "sign out everywhere else" and "sign out everywhere". */
export function SessionsPage({ user, sessions, notice }: SessionsPageProps) {
  const others = sessions.filter((s) => !s.current).length
  return (
    <Layout title="Your sessions" user={user}>
      <section class="card">
        <h1>Where you are signed in</h1>
        {notice && <p class="notice" role="status">{notice}</p>}
        <ul id="sessions" class="sessions">
          {sessions.map((s) => (
            <li class={s.current ? 'current' : undefined}>
              {s.current ? <strong>This browser</strong> : <span>Another browser or device</span>}{' '}
              <span class="muted">
                signed in <time datetime={s.createdAt.toISOString()}>{utc(s.createdAt)}</time>,
                expires <time datetime={s.expiresAt.toISOString()}>{utc(s.expiresAt)}</time>
              </span>
            </li>
          ))}
        </ul>
        <form method="post" action="/sessions/end-others">
          <button type="submit" disabled={others === 0}>Sign out everywhere else ({others})</button>
        </form>
        <form method="post" action="/sessions/end-all">
          <button type="submit" class="danger">Sign out everywhere, here too</button>
        </form>
      </section>
    </Layout>
  )
}
