import type { AuditEntry, BotInfo, Invite, RoomListing, User, UserListing } from '../store/ports.ts'
import { InviteForm, InviteList } from './Invites.tsx'
import { Layout } from './Layout.tsx'
import { telltaleSlug } from '../lib/slug.ts'

const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`
/** A moment as the admin pages show it: to the minute, in UTC. */
export const When = ({ at }: { at: Date }) => <time datetime={at.toISOString()}>{utc(at)}</time>

export interface AdminPageProps {
  user: User
  audit: readonly AuditEntry[]
  /** The id to page back from when older entries exist. */
  olderAudit: string | undefined
  /** Set when this page shows older entries than the newest. */
  auditFrom: string | undefined
  users: readonly UserListing[]
  /** Ids of the listed users who are administrators. */
  admins: ReadonlySet<number>
  bots: readonly BotInfo[]
  rooms: readonly RoomListing[]
  /** The active invite links; undefined where invites are off. */
  invites?: readonly Invite[] | undefined
  notice?: string | undefined
  error?: string | undefined
  /** What was typed into a refused "new bot" form; the error then shows beside it. */
  botDraft?: { name: string; webhookUrl: string } | undefined
}

/** The administrator's page: the audit list, then people, bots and rooms with what can be done to each. */
export function AdminPage(p: AdminPageProps) {
  return (
    <Layout title="Administration" user={p.user}>
      <div class="admin">
        <h1>Administration</h1>
        <p><a href="/admin/import">Import from Slack</a></p>
        {p.notice && <p class="notice" role="status">{p.notice}</p>}
        {p.error && !p.botDraft && <p class="error" role="alert">{p.error}</p>}

        <section id="audit" class="card">
          <h2>Audit list</h2>
          {p.audit.length === 0 ? <p class="muted">No administrative action yet.</p> : (
            <div class="table-wrap">
              <table class="audit">
                <thead><tr><th>When</th><th>Who</th><th>What</th><th>Target</th><th>Detail</th></tr></thead>
                <tbody>
                  {p.audit.map((e) => (
                    <tr>
                      <td><When at={e.at} /></td><td>@{e.actorLogin}</td><td>{e.action}</td><td>{e.target}</td><td>{e.detail ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <p class="pager">
            {p.auditFrom && <a href="/admin#audit">Newest</a>}{' '}
            {p.olderAudit && <a href={`/admin?before=${p.olderAudit}#audit`}>Older entries</a>}
          </p>
        </section>

        <section id="users" class="card">
          <h2>People and bots</h2>
          <ul class="admin-list">
            {p.users.map((u) => (
              <li class={u.bannedAt ? 'banned' : undefined}>
                <span>{u.name && u.name !== u.login ? <><bdi>{u.name}</bdi> </> : null}<span class={u.name && u.name !== u.login ? 'muted' : undefined}>@{u.login}</span></span>
                {u.kind === 'bot' && <span class="badge">bot</span>}
                {p.admins.has(u.id) && <span class="badge">admin</span>}
                {u.bannedAt && <span class="badge danger">banned</span>}
                {u.id !== p.user.id && (
                  <form method="post" action={`/admin/users/${encodeURIComponent(u.login)}/${u.bannedAt ? 'unban' : 'ban'}`}
                    {...(u.bannedAt ? {} : { 'data-confirm': `Ban @${u.login}? Their sessions end at once.` })}>
                    <button type="submit" class={u.bannedAt ? 'link' : 'link danger'}>{u.bannedAt ? 'Unban' : 'Ban'}</button>
                  </form>
                )}
              </li>
            ))}
          </ul>
        </section>

        <section id="bots" class="card">
          <h2>Bots</h2>
          {p.bots.length === 0 ? <p class="muted">No bots yet.</p> : (
            <ul class="admin-list">
              {p.bots.map((b) => (
                <li>
                  <span class="avatar-initial" aria-hidden="true">{b.user.login.slice(0, 1).toUpperCase()}</span>
                  <span>@{b.user.login}</span>
                  <span class="muted">{b.webhookUrl ? `webhook to ${new URL(b.webhookUrl).host}` : 'no webhook'}</span>
                </li>
              ))}
            </ul>
          )}
          <form class="stack" method="post" action="/admin/bots">
            <h3>New bot</h3>
            <label for="bot-name">Name (how people @mention it)</label>
            <input id="bot-name" name="name" required maxlength={39} autocomplete="off" value={p.botDraft?.name ?? ''} autofocus={p.botDraft !== undefined} />
            <label for="bot-webhook">Outgoing webhook URL (optional)</label>
            <input id="bot-webhook" name="webhook_url" type="url" maxlength={2000} autocomplete="off" placeholder="https://ci.example.org/rtc" value={p.botDraft?.webhookUrl ?? ''} />
            {p.error && p.botDraft && <p class="error" role="alert">{p.error}</p>}
            <button type="submit" class="primary">Create bot</button>
          </form>
        </section>

        {p.invites && (
          <section id="invites" class="card">
            <h2>Invite links</h2>
            <InviteList invites={p.invites} back={{ kind: 'admin' }} />
            <InviteForm rooms={p.rooms.filter((r) => !r.archivedAt)} />
          </section>
        )}

        <section id="rooms" class="card">
          <h2>Rooms</h2>
          <ul class="admin-list">
            {p.rooms.map((r) => (
              <li>
                <span>{r.visibility === 'public' ? <a href={`/rooms/${r.slug}`}><bdi>{r.name}</bdi></a> : <bdi>{r.name}</bdi>}{telltaleSlug(r) && <span class="slug"> #{telltaleSlug(r)}</span>} <span class="muted">{r.members} member{r.members === 1 ? '' : 's'}{r.createdByLogin ? `, by @${r.createdByLogin}` : ''}</span></span>
                <span class="badge">{r.visibility}</span>
                {r.archivedAt && <span class="badge">archived</span>}
                <form method="post" action={`/rooms/${r.slug}/${r.archivedAt ? 'unarchive' : 'archive'}`}>
                  <input type="hidden" name="from" value="admin" />
                  <button type="submit" class="link">{r.archivedAt ? 'Unarchive' : 'Archive'}</button>
                </form>
                <form method="post" action={`/rooms/${r.slug}/delete`} data-confirm={`Delete the room "${r.name}" and all its messages? This cannot be undone.`}>
                  <input type="hidden" name="from" value="admin" />
                  <button type="submit" class="link danger">Delete</button>
                </form>
              </li>
            ))}
          </ul>
        </section>
      </div>
    </Layout>
  )
}

export interface BotCreatedProps {
  user: User
  bot: User
  token: string
  secret: string | null
  webhookUrl: string | null
  publicUrl: string
}

/** Shown once, right after the bot is made: its token (and webhook secret), which are not shown again. */
export function BotCreatedPage({ user, bot, token, secret, webhookUrl, publicUrl }: BotCreatedProps) {
  return (
    <Layout title={`Bot @${bot.login}`} user={user}>
      <section class="card bot-created">
        <h1>Bot @{bot.login} created</h1>
        <p class="notice" role="status">Copy the token now: it is shown only on this page. rtc keeps only its hash.</p>
        <label for="bot-token">Token</label>
        <input id="bot-token" class="secret" readonly value={token} />
        {secret && webhookUrl && (
          <>
            <label for="bot-secret">Webhook signing secret (for {new URL(webhookUrl).host})</label>
            <input id="bot-secret" class="secret" readonly value={secret} />
          </>
        )}
        <p>Add <strong>@{bot.login}</strong> to a room like a person (the room's "Add a member" form), then post as it:</p>
        <pre><code>{`curl -X POST ${publicUrl}/api/rooms/ROOM/messages \\\n  -H "Authorization: Bearer $RTC_BOT_TOKEN" \\\n  -H "Content-Type: application/json" \\\n  -d '{"body": "Hello from ${bot.login}"}'`}</code></pre>
        <p><a href="/admin#bots">Back to administration</a></p>
      </section>
    </Layout>
  )
}
