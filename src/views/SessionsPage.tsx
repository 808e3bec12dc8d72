import type { SessionInfo, User } from '../store/ports.ts'
import { Layout } from './Layout.tsx'

const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`

export interface SessionsPageProps {
  user: User
  sessions: readonly (SessionInfo & { current: boolean; handle: string })[]
  /** Said after an action, e.g. how many sessions were signed out. */
  notice?: string | undefined
}

/** The user's signed-in sessions, each with its browser, device, last use and "End"; "sign out everywhere else" and "sign out everywhere". */
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
              <span class="session-what">
                <strong>{s.device ?? 'Unknown browser'}</strong>{s.current && <span class="badge">This browser</span>}
                <span class="muted">
                  last active <time datetime={s.lastActiveAt.toISOString()}>{utc(s.lastActiveAt)}</time>,
                  signed in <time datetime={s.createdAt.toISOString()}>{utc(s.createdAt)}</time>,
                  expires <time datetime={s.expiresAt.toISOString()}>{utc(s.expiresAt)}</time>
                </span>
              </span>
              <form method="post" action={`/sessions/${s.handle}/end`}>
                <button type="submit" aria-label={`${s.current ? 'Sign out' : 'End'}: ${s.device ?? 'unknown browser'}, signed in ${utc(s.createdAt)}`}>{s.current ? 'Sign out' : 'End'}</button>
              </form>
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
