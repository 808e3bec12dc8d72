import { Hono, type Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { hashSessionToken, newSessionToken } from '../auth/session.ts'
import { parseWebhookUrl, checkWebhookTarget, WebhookTargetRefused } from '../bots/targets.ts'
import { signedInUser, type AppEnv } from '../context.ts'
import { readForm, textField as field } from '../http/forms.ts'
import type { BotStore, ModerationStore, UserStore } from '../store/ports.ts'
import { AdminPage, BotCreatedPage } from '../views/AdminPage.tsx'
import { requireAdmin, type Administrators } from './admins.ts'
import type { Bans } from '../auth/bans.ts'
import type { InviteService } from '../invites/service.ts'

export interface AdminRoutesOptions {
  users: UserStore
  bots: BotStore
  moderation: ModerationStore
  bans: Bans
  admins: Administrators
  /** The active invite links, listed with the form that makes one (invites/routes.tsx answers it). */
  invites?: InviteService | undefined
  webhookAllowHosts: readonly string[]
  /** For the curl example on the bot's page. */
  publicUrl: string
  now?: () => Date
}

const AUDIT_PAGE = 50
const LISTED = 200
/** A bot's name is a login (so it can be @mentioned), GitHub's shape. */
const BOT_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/

/**
 * `/admin`: the audit list, users with ban and unban, bots, rooms. Every
 * route answers 404 to anyone but an administrator, so the page's existence
 * is not revealed.
 */
export function adminRoutes({ users, bots, moderation, bans, admins, invites, webhookAllowHosts, publicUrl, now = () => new Date() }: AdminRoutesOptions) {
  const app = new Hono<AppEnv>()
  app.use('/admin', requireAdmin)
  app.use('/admin/*', requireAdmin)

  const page = async (c: Context<AppEnv>, extra: { status?: 200 | 400 | 404 | 409; notice?: string; error?: string; botDraft?: { name: string; webhookUrl: string } } = {}) => {
    const before = c.req.query('before')
    const cursor = before !== undefined && /^\d{1,19}$/.test(before) ? before : undefined
    const [audit, people, botList, roomList, inviteList] = await Promise.all([
      moderation.auditPage(cursor, AUDIT_PAGE + 1), moderation.listUsers(LISTED), bots.listBots(), moderation.listRooms(LISTED), invites?.active(),
    ])
    const adminIds = new Set((await Promise.all(people.map(async (u) => ((await admins.isAdmin(u)) ? u.id : undefined)))).filter((id) => id !== undefined))
    return c.html(
      <AdminPage
        user={signedInUser(c.get('user'))}
        audit={audit.slice(0, AUDIT_PAGE)}
        olderAudit={audit.length > AUDIT_PAGE ? audit[AUDIT_PAGE - 1]!.id : undefined}
        auditFrom={cursor}
        users={people}
        admins={adminIds}
        bots={botList}
        rooms={roomList}
        invites={inviteList}
        notice={extra.notice}
        error={extra.error}
        botDraft={extra.botDraft}
      />,
      extra.status ?? 200,
    )
  }

  app.get('/admin', (c) => page(c))

  const target = async (c: Context<AppEnv>) => {
    const user = await users.findUserByLogin(c.req.param('login') ?? '')
    if (!user) throw new HTTPException(404, { message: 'There is no user with that login.' })
    return user
  }

  app.post('/admin/users/:login/ban', async (c) => {
    const me = signedInUser(c.get('user'))
    const user = await target(c)
    if (user.id === me.id) return page(c, { status: 400, error: 'You cannot ban yourself.' })
    if (await admins.isAdmin(user)) return page(c, { status: 400, error: `@${user.login} is an administrator (ADMIN_LOGINS or ADMIN_GITHUB_IDS); remove them there first.` })
    const ended = await bans.ban(user.id, now())
    await moderation.record({ actor: me, action: 'ban', target: `@${user.login}`, detail: `${ended} session${ended === 1 ? '' : 's'} ended` })
    c.get('log').info({ userId: user.id, ended }, 'user banned')
    return c.redirect('/admin#users', 303)
  })

  app.post('/admin/users/:login/unban', async (c) => {
    const user = await target(c)
    await bans.unban(user.id)
    await moderation.record({ actor: signedInUser(c.get('user')), action: 'unban', target: `@${user.login}` })
    return c.redirect('/admin#users', 303)
  })

  app.post('/admin/bots', async (c) => {
    const me = signedInUser(c.get('user'))
    const form = await readForm(c)
    const name = field(form, 'name').replace(/^@/, '')
    const rawUrl = field(form, 'webhook_url')
    const draft = { name, webhookUrl: rawUrl }
    if (!BOT_NAME.test(name)) {
      return page(c, { status: 400, error: 'A bot name is 1 to 39 letters, digits or single dashes, so it can be @mentioned.', botDraft: draft })
    }
    let webhookUrl: string | null = null
    if (rawUrl) {
      try {
        webhookUrl = (await checkWebhookTarget(parseWebhookUrl(rawUrl), webhookAllowHosts)).url.href
      } catch (err) {
        if (!(err instanceof WebhookTargetRefused)) throw err
        return page(c, { status: 400, error: err.message, botDraft: draft })
      }
    }
    const token = newSessionToken()
    const secret = webhookUrl ? newSessionToken() : null
    const bot = await bots.createBot({ login: name, tokenHash: await hashSessionToken(token), webhookUrl, webhookSecret: secret, createdBy: me.id })
      .catch((err: { code?: string }) => {
        if (err.code === 'LOGIN_TAKEN') return undefined
        throw err
      })
    if (!bot) return page(c, { status: 409, error: `The name @${name} is taken by a person or another bot.`, botDraft: draft })
    await moderation.record({ actor: me, action: 'create bot', target: `@${bot.login}`, detail: webhookUrl ? `webhook to ${new URL(webhookUrl).host}` : null })
    // The one chance to copy them: the token is kept only as a hash, the secret is never shown again.
    c.header('Cache-Control', 'no-store')
    return c.html(<BotCreatedPage user={me} bot={bot} token={token} secret={secret} webhookUrl={webhookUrl} publicUrl={publicUrl} />)
  })

  return app
}
