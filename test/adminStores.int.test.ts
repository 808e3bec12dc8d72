import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresBots } from '../src/store/postgres/bots.ts'
import { postgresModeration } from '../src/store/postgres/moderation.ts'
import { postgresNotifications } from '../src/store/postgres/notifications.ts'
import { postgresRooms } from '../src/store/postgres/rooms.ts'
import { postgresSessions } from '../src/store/postgres/sessions.ts'
import { postgresUsers } from '../src/store/postgres/users.ts'
import { databaseBackends, type OpenedDatabase } from './support/databases.ts'

/** The bot and moderation stores on every database the app runs on: PostgreSQL and embedded PGlite. */
describe.each(databaseBackends)('bot and moderation stores on %s', (_name, open) => {
  let opened: OpenedDatabase
  let stores: {
    users: ReturnType<typeof postgresUsers>; rooms: ReturnType<typeof postgresRooms>; bots: ReturnType<typeof postgresBots>; moderation: ReturnType<typeof postgresModeration>
    sessions: ReturnType<typeof postgresSessions>; notifications: ReturnType<typeof postgresNotifications>
  }
  beforeAll(async () => {
    opened = await open()
    const { sql } = opened.db
    stores = {
      users: postgresUsers(sql), rooms: postgresRooms(sql), bots: postgresBots(sql), moderation: postgresModeration(sql),
      sessions: postgresSessions(sql), notifications: postgresNotifications(sql),
    }
  })
  afterAll(() => opened?.cleanup())

  it('gives a bot a negative id of its own, finds it by token hash, and never lets a person take or sign in as its name', async () => {
    const { users, bots } = stores
    const person = await users.upsertLocalUser('pat')
    const bot = await bots.createBot({ login: 'Build-Bot', tokenHash: 'a'.repeat(64), webhookUrl: 'https://8.8.8.8/x', webhookSecret: 's', createdBy: person.id })
    expect(bot).toMatchObject({ login: 'Build-Bot', kind: 'bot' })
    expect(bot.id).toBeLessThan(0)
    expect(bot.id).not.toBe(person.id)
    expect(await bots.botByTokenHash('a'.repeat(64))).toEqual({ bot, banned: false })
    expect(await bots.botByTokenHash('b'.repeat(64))).toBeUndefined()
    await expect(users.upsertLocalUser('build-bot')).rejects.toMatchObject({ code: 'LOGIN_TAKEN' })
    await expect(bots.createBot({ login: 'PAT', tokenHash: 'c'.repeat(64), webhookUrl: null, webhookSecret: null, createdBy: person.id })).rejects.toMatchObject({ code: 'LOGIN_TAKEN' })
    expect((await bots.listBots()).map((b) => [b.user.login, b.webhookUrl])).toEqual([['Build-Bot', 'https://8.8.8.8/x']])
  })

  it('finds the webhooks of the room\'s bots that were mentioned, or all of them, never the author\'s nor a banned bot\'s', async () => {
    const { users, rooms, bots, moderation } = stores
    const owner = await users.upsertLocalUser('hooks-owner')
    const [one, two, quiet] = await Promise.all(['hook-one', 'hook-two', 'no-hook'].map((login, i) =>
      bots.createBot({ login, tokenHash: String(i).repeat(64), webhookUrl: login === 'no-hook' ? null : `https://8.8.8.8/${login}`, webhookSecret: login === 'no-hook' ? null : `secret-${login}`, createdBy: owner.id })))
    const room = await rooms.createRoom({ name: 'Hooks', slug: 'hooks', visibility: 'private', createdBy: owner.id })
    for (const b of [one!, two!, quiet!]) await rooms.addMember(room.id, b.id)
    const logins = async (mentioned: string[], every: boolean, author = owner.id) =>
      (await bots.hooksFor(room.id, author, mentioned, every)).map((h) => `${h.bot.login}:${h.secret}`).sort()
    expect(await logins(['hook-one', 'no-hook', 'pat'], false)).toEqual(['hook-one:secret-hook-one'])
    expect(await logins([], true)).toEqual(['hook-one:secret-hook-one', 'hook-two:secret-hook-two'])
    expect(await logins([], true, one!.id)).toEqual(['hook-two:secret-hook-two'])
    await moderation.setBanned(two!.id, new Date())
    expect(await logins(['hook-two'], true)).toEqual(['hook-one:secret-hook-one'])
    // A banned bot's token still names it, so the API can say it is banned.
    expect(await bots.botByTokenHash('1'.repeat(64))).toEqual({ bot: expect.objectContaining({ id: two!.id }), banned: true })
    expect(await moderation.isBanned(two!.id)).toBe(true)
    await moderation.setBanned(two!.id, null)
    expect(await moderation.isBanned(two!.id)).toBe(false)
  })

  it('lists push subscriptions only of live sessions and never of a banned user; each goes with its session', async () => {
    const { users, rooms, moderation, sessions, notifications } = stores
    const owner = await users.upsertLocalUser('push-owner')
    const [kim, lou] = await Promise.all(['push-kim', 'push-lou'].map((login) => users.upsertLocalUser(login)))
    const room = await rooms.createRoom({ name: 'Pushes', slug: 'pushes', visibility: 'private', createdBy: owner.id })
    for (const u of [kim!, lou!]) await rooms.addMember(room.id, u.id)
    const later = new Date(Date.now() + 3600_000)
    const keys = (endpoint: string) => ({ endpoint: `https://push.example.org/${endpoint}`, p256dh: 'p', auth: 'a' })
    for (const [hash, user, expires] of [['k1', kim!, later], ['k2', kim!, new Date(Date.now() - 1000)], ['l1', lou!, later]] as const) {
      await sessions.createSession(hash.repeat(32), user.id, expires)
    }
    expect(await notifications.addSubscription(kim!.id, 'k1'.repeat(32), keys('kim-1'), 10)).toBe('added')
    expect(await notifications.addSubscription(kim!.id, 'k1'.repeat(32), keys('kim-1'), 10)).toBe('kept')
    // An expired session, another user's session, or none at all holds nothing.
    expect(await notifications.addSubscription(kim!.id, 'k2'.repeat(32), keys('kim-2'), 10)).toBe('ended')
    expect(await notifications.addSubscription(kim!.id, 'l1'.repeat(32), keys('kim-3'), 10)).toBe('ended')
    expect(await notifications.addSubscription(kim!.id, 'zz'.repeat(32), keys('kim-4'), 10)).toBe('ended')
    expect(await notifications.addSubscription(lou!.id, 'l1'.repeat(32), keys('lou-1'), 10)).toBe('added')
    const endpoints = async () => Object.fromEntries((await notifications.recipients(room.id, { logins: [], everyone: true, except: owner.id }))
      .map((r) => [r.login, r.subscriptions.map((s) => s.endpoint.replace('https://push.example.org/', ''))]))
    expect(await endpoints()).toEqual({ 'push-kim': ['kim-1'], 'push-lou': ['lou-1'] })
    expect(await notifications.countSubscriptions(kim!.id)).toBe(1)

    // Banned, even with a live session (the ban ends them, but the recipients never list a banned user anyway).
    await moderation.setBanned(kim!.id, new Date())
    expect(await endpoints()).toEqual({ 'push-lou': ['lou-1'] })
    await moderation.setBanned(kim!.id, null)
    expect(await endpoints()).toEqual({ 'push-kim': ['kim-1'], 'push-lou': ['lou-1'] })

    // The session cap ends lou's older session, sign-out kim's, "sign out everywhere" lou's last.
    await sessions.createSession('l2'.repeat(32), lou!.id, later)
    expect(await notifications.addSubscription(lou!.id, 'l2'.repeat(32), keys('lou-2'), 10)).toBe('added')
    expect(await sessions.trimSessions(lou!.id, 1)).toEqual(['l1'.repeat(32)])
    expect(await endpoints()).toEqual({ 'push-kim': ['kim-1'], 'push-lou': ['lou-2'] })
    await sessions.deleteSession('k1'.repeat(32))
    await sessions.deleteUserSessions(lou!.id)
    expect(await endpoints()).toEqual({ 'push-kim': [], 'push-lou': [] })
    const [left] = await opened.db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM push_subscriptions WHERE user_id IN (${kim!.id}, ${lou!.id})`
    expect(left!.n).toBe(0)
  })

  it('pins administrator logins to the GitHub account holding them, never to a local user or a bot, and never moves a pin', async () => {
    const { users, bots, moderation } = stores
    await users.upsertGithubUser({ id: 9101, login: 'Pin-Held', name: null, avatarUrl: null })
    const local = await users.upsertLocalUser('pin-local')
    await bots.createBot({ login: 'pin-bot', tokenHash: 'p'.repeat(64), webhookUrl: null, webhookSecret: null, createdBy: local.id })
    await moderation.pinAdminLogins(['pin-held', 'pin-local', 'pin-bot', 'pin-free'])
    expect(await moderation.adminLoginHolder('pin-held', 9102)).toBe(9101)
    expect(await moderation.adminLoginHolder('pin-free', 9103)).toBe(9103)
    expect(await moderation.adminLoginHolder('pin-free', 9104)).toBe(9103)
    expect(await moderation.adminLoginHolder('pin-local', 9105)).toBe(9105)
    await moderation.pinAdminLogins(['pin-held'])
    expect(await moderation.adminLoginHolder('pin-held', 9101)).toBe(9101)
    await moderation.pinAdminLogins([])
  })

  it('keeps a room\'s topic, name and archive, lists rooms but direct ones, deletes a room, and pages the audit list newest first', async () => {
    const { users, rooms, moderation } = stores
    const [ann, ben] = await Promise.all([users.upsertLocalUser('ann-mod'), users.upsertLocalUser('ben-mod')])
    const room = await rooms.createRoom({ name: 'Old name', slug: 'old-name', visibility: 'public', createdBy: ann.id })
    const direct = await rooms.directRoom(ann, ben)
    await moderation.setTopic(room.id, 'A topic')
    await moderation.renameRoom(room.id, 'New name')
    const at = new Date('2026-11-28T12:00:00Z')
    await moderation.setArchived(room.id, at)
    expect(await rooms.findRoomBySlug('old-name')).toMatchObject({ name: 'New name', topic: 'A topic', archivedAt: at, createdBy: ann.id })
    const listed = await moderation.listRooms(100)
    expect(listed.find((r) => r.id === room.id)).toMatchObject({ members: 1, createdByLogin: 'ann-mod' })
    expect(listed.some((r) => r.id === direct.id)).toBe(false)
    await moderation.deleteRoom(room.id)
    expect(await rooms.findRoomBySlug('old-name')).toBeUndefined()

    for (let i = 0; i < 5; i++) await moderation.record({ actor: ann, action: `act ${i}`, target: `t${i}`, detail: i % 2 ? 'odd' : null })
    const first = await moderation.auditPage(undefined, 3)
    expect(first.map((e) => e.action)).toEqual(['act 4', 'act 3', 'act 2'])
    expect(first[1]).toMatchObject({ actorId: ann.id, actorLogin: 'ann-mod', target: 't3', detail: 'odd' })
    expect((await moderation.auditPage(first.at(-1)!.id, 3)).map((e) => e.action)).toEqual(['act 1', 'act 0'])
    expect((await moderation.listUsers(100)).find((u) => u.id === ann.id)).toMatchObject({ bannedAt: null })
  })
})
