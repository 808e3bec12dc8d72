import { Hono, type Context, type MiddlewareHandler } from 'hono'
import type { UpgradeWebSocket } from 'hono/ws'
import { authRoutes } from './auth/routes.tsx'
import { requireSignIn } from './auth/requireSignIn.ts'
import { sessionRoutes } from './auth/sessionRoutes.tsx'
import { sessionCookies } from './auth/session.ts'
import { idMaker, type IdMaker } from './messages/ids.ts'
import { createRealtime, type Realtime } from './chat/realtime.ts'
import { messageRoutes } from './chat/routes.tsx'
import { sendLimit } from './chat/sendLimit.ts'
import { messageService, type StoredListener } from './messages/service.ts'
import { socketRoutes } from './chat/socket.ts'
import type { Config } from './config.ts'
import type { AppEnv } from './context.ts'
import { notFound, onError } from './http/errors.tsx'
import { faviconRoutes } from './http/favicon.ts'
import { healthRoutes } from './http/health.ts'
import { manifestRoutes } from './install/manifest.ts'
import { requestLog } from './http/requestLog.ts'
import { clientAddress, runtimeRemoteAddress, type RemoteAddress } from './http/clientAddress.ts'
import { rateLimits, type RateLimits } from './http/rateLimits.ts'
import { checkOrigin, limitBody, requestIds, securityHeaders } from './http/security.ts'
import { refuseNulInUrl } from './http/forms.ts'
import type { Logger } from './log.ts'
import type { Metrics } from './metrics/metrics.ts'
import { serviceWorkerScope, webPush } from './notify/webPush.ts'
import { attention } from './presence/attention.ts'
import { typingRoutes } from './presence/routes.ts'
import { roomRoutes } from './rooms/routes.tsx'
import { memberRoutes } from './rooms/members.tsx'
import { readRoutes } from './awareness/routes.ts'
import type { BotStore, Bus, HealthCheck, InviteStore, KeptStore, MessageSearch, MessageStore, ModerationStore, NotificationStore, ProfileStore, ReadStateStore, RoomStore, SessionStore, SignInStateStore, SlackImportStore, UploadStore, UserStore } from './store/ports.ts'
import { administrators, loadAdmin } from './admin/admins.ts'
import { bans as makeBans } from './auth/bans.ts'
import { adminRoutes } from './admin/routes.tsx'
import { botApiRoutes } from './bots/api.ts'
import { webhooks as makeWebhooks, type WebhookOptions } from './bots/webhooks.ts'
import { roomManageRoutes } from './rooms/manage.tsx'
import { keptRoutes } from './kept/routes.tsx'
import { PinsList } from './views/Kept.tsx'
import { html } from './views/Message.tsx'
import { keptService } from './kept/service.ts'
import { searchRoutes } from './search/routes.tsx'
import { searchService } from './search/service.ts'
import { uploadFiles, type UploadFiles } from './uploads/files.ts'
import { uploadRoutes } from './uploads/routes.ts'
import { uploadService } from './uploads/service.ts'
import { deferredActivity, type DeferredActivity } from './store/activity.ts'
import { linkPreviews, type LinkPreviewsOptions } from './previews/previews.ts'
import { previewRoutes } from './previews/routes.ts'
import { exportRoutes } from './export/routes.ts'
import { AVATAR_MAX_BYTES } from './profiles/avatar.ts'
import { profileRoutes } from './profiles/routes.tsx'
import { admissions, pendingInvitation } from './auth/admit.tsx'
import { inviteService } from './invites/service.ts'
import { pendingInvites } from './invites/pending.ts'
import { inviteRoutes } from './invites/routes.tsx'
import { claimingPlaceholders } from './import/claims.ts'
import { importFiles } from './import/files.ts'
import { importJobs } from './import/job.ts'
import { importRoutes } from './import/routes.tsx'

export interface AppDeps {
  config: Config
  log: Logger
  users: UserStore
  sessions: SessionStore
  /** OpenID Connect sign-ins under way; needed when `config.oidc` is set. */
  signInStates?: SignInStateStore
  rooms: RoomStore
  messages: MessageStore
  /** Read markers and mentions (PostgreSQL, whatever holds the messages). */
  reads: ReadStateStore
  /** Notification choices, mutes and push subscriptions; without it there is no /settings and no push. */
  notifications?: NotificationStore
  /** Bots, their tokens and webhooks. */
  bots: BotStore
  /** Bans, room settings and the audit list. */
  moderation: ModerationStore
  /** Message search over the same store as `messages`; without it there is no /search. */
  search?: MessageSearch
  /** Pinned and saved messages; without it there are neither. */
  kept?: KeptStore
  /**
   * Display names, bios, time zones and avatars; without it there is no /profile and no cards. Its writes must
   * reach the caches in front of `users` and `sessions` (store/cached.ts, store/local.ts), so a send after a change carries it.
   */
  profiles?: ProfileStore
  /** Invite links; without it there are none (and with `SIGNUP=invite` only known people sign in). */
  invites?: InviteStore
  bus: Bus
  health: readonly HealthCheck[]
  /** The runtime's WebSocket helper (`@hono/node-server` or `hono/deno`); without it /ws is 404. */
  upgradeWebSocket?: UpgradeWebSocket
  /** The runtime's static file middleware, serving `static/` under /static. */
  serveStatic?: MiddlewareHandler
  /** The live side (hub, feed, presence); the entry makes it to close it on shutdown, tests let the app make one. */
  realtime?: Realtime
  /** The rate limits (shared through Redis by the entries); tests let the app make in-process ones from config. */
  limits?: RateLimits
  /** The runtime's peer address, for limits per client address; by default read from what Node's and Deno's servers pass as env. */
  remoteAddress?: RemoteAddress
  nextId?: IdMaker
  now?: () => Date
  /** Counts sends and their latency; the entry serves it on its own address. */
  metrics?: Metrics
  /** Told of each new message once it is stored: who it mentions, and a direct room's recipient (notifications). */
  onStored?: readonly StoredListener[]
  /** Timing of outgoing webhooks (tests shorten the backoff and the circuit's pause). */
  webhookTiming?: Pick<WebhookOptions, 'timeoutMs' | 'retries' | 'minBackoffMs' | 'breakAfter' | 'breakForMs'>
  /** Who stored which files (the quota); without it messages take no files. */
  uploadStore?: UploadStore
  /** The sent files on disk; by default under `DATA_DIR/uploads` (tests hold its previews back). */
  uploadFiles?: UploadFiles
  /** Batches a send's room activity and read marker; the entry makes it over `rooms` and `reads` to flush it on shutdown. */
  activity?: DeferredActivity
  /** What Slack imports made; without it there is no /admin/import and no placeholder is claimed at sign-in. */
  slackImports?: SlackImportStore
  /** Link previews' timing and bounds (tests shorten the fetch's time cap); on unless `LINK_PREVIEWS=off`. */
  linkPreviewOptions?: Pick<LinkPreviewsOptions, 'timeoutMs' | 'cacheTtlMs' | 'concurrency' | 'maxQueued' | 'leanQueued' | 'budgetMs'>
}

/**
 * Builds the whole HTTP app from its dependencies; opens nothing itself.
 * The feed and hub listen to the bus here, so every stored message reaches
 * this instance's sockets.
 */
export function createApp(given: AppDeps) {
  // A send's room activity and read marker are written a batch at a time; everything here reads through stores that wait for them.
  const activity = given.activity ?? deferredActivity({ rooms: given.rooms, reads: given.reads, log: given.log })
  const deps = { ...given, rooms: activity.rooms, reads: activity.reads }
  const { config, log, rooms, bus } = deps
  const session = sessionCookies({
    sessions: deps.sessions, secureCookies: config.secureCookies, bus, log, maxSessionsPerUser: config.limits?.maxSessionsPerUser, now: deps.now,
  })
  const realtime = deps.realtime ?? createRealtime({
    messages: deps.messages, rooms, users: deps.users, sessions: deps.sessions, reads: deps.reads, bus, log, maxSocketsPerUser: config.limits?.maxSocketsPerUser,
  })
  const limits = deps.limits ?? rateLimits(config.limits)
  const { hub, feed, presence, tracker } = realtime
  const tabs = attention({ presence, idleMs: config.presenceIdleMs, log })
  const webhooks = makeWebhooks({
    bots: deps.bots, log, allowHosts: config.webhookAllowHosts, ...deps.webhookTiming,
    reply: async (bot, room, body, nonce) => {
      // The answer comes seconds after the message: the room may have been archived or deleted since (the
      // send checks the room as it is now), the bot removed from it or banned.
      const now = await rooms.findRoomById(room.id)
      if (!now) throw new Error('the room is gone')
      if (!(await rooms.isMember(now.id, bot.id))) throw new Error('the bot is no longer a member of the room')
      if (await deps.moderation.isBanned(bot.id)) throw new Error('the bot is banned')
      await limits.take('send', String(bot.id))
      await chat.send(bot, now, body, nonce)
    },
  })
  const bans = makeBans({ moderation: deps.moderation, sessions: deps.sessions, bus, log })
  const admins = administrators({ logins: config.adminLogins, githubIds: config.adminGithubIds }, deps.moderation)
  const pending = pendingInvites(config.secureCookies)
  const invites = deps.invites && inviteService({ store: deps.invites, rooms, moderation: deps.moderation, bus, log, publicUrl: config.publicUrl, now: deps.now })
  const admit = admissions({ signup: config.signup, invites, pending, admins })
  const clientAddressOf = (c: Context<AppEnv>) => clientAddress(c, deps.remoteAddress ?? runtimeRemoteAddress, config.trustedProxies)
  const push = deps.notifications && webPush({ config, log, notifications: deps.notifications, rooms, presence, bus, limits })
  const disk = deps.uploadFiles ?? uploadFiles({ dir: `${config.dataDir}/uploads`, previewMaxPixels: config.uploads.previewMaxPixels })
  const uploads = deps.uploadStore && uploadService({
    files: disk, store: deps.uploadStore, maxBytes: config.uploads.maxBytes, quotaBytes: config.uploads.quotaBytes,
  })
  const nextId = deps.nextId ?? idMaker(config.instanceId)
  const chat = messageService({
    messages: deps.messages, rooms, reads: deps.reads, bus, activity, log, now: deps.now, nextId,
    attachments: uploads?.references, users: deps.users,
  })
  const slackImports = deps.slackImports && importJobs({
    deps: {
      users: deps.users, rooms, messages: deps.messages, moderation: deps.moderation, reads: deps.reads, imports: deps.slackImports,
      files: deps.uploadStore && importFiles(deps.uploadStore, disk), nextId, log,
    },
    options: { limits: { maxExpandedBytes: config.imports.maxExpandedBytes, maxFileBytes: config.uploads.maxBytes } },
    log, now: deps.now,
  })
  for (const listener of deps.onStored ?? []) chat.onStored(listener)
  if (push) chat.onStored(({ room, message }) => push.stored(room, message))
  chat.onStored(({ message, room, author }) => webhooks.stored(message, room, author))

  const kept = deps.kept && keptService({ kept: deps.kept, rooms, chat, bus, moderation: deps.moderation, log })
  // What every room page shows beside its messages (sidebar counts, mentions, replies, pins).
  const awareness = { awareness: realtime.awareness, mentions: realtime.mentions, replies: realtime.replies, reads: deps.reads, kept, idleSeconds: config.presenceIdleMs / 1000 }
  if (kept) {
    // A deleted message leaves the pins and saved lists; a pins change redraws the list on every live page of the room.
    chat.onRemoved((message) => kept.forget(message))
    // Lives as long as the bus, as the app does.
    bus.subscribe((event) => {
      if (event.type !== 'pins' || !hub.serves(event.roomId)) return
      void (async () => {
        const room = await rooms.findRoomById(event.roomId)
        if (!room) return
        // Sockets are members only (checked before the 101): each may unpin.
        const list = html(PinsList({ room, pins: await kept.pinsOf(room), canUnpin: true, oob: true }))
        hub.pushToRoom(room.id, () => list)
      })().catch((err: unknown) => log.warn({ err, roomId: event.roomId }, 'pins not redrawn'))
    })
  }

  // Off, no new cards are made; cards made before still show, and their authors can still remove them.
  const previews = linkPreviews({
    chat, dir: `${config.dataDir}/previews`, log, allowLoopback: config.linkPreviews.allowLoopback,
    maxPixels: config.uploads.previewMaxPixels, ...deps.linkPreviewOptions,
  })
  if (config.linkPreviews.enabled) {
    chat.onStored(previews.stored)
    chat.onEdited(previews.edited)
  }
  deps.metrics?.watch({ cards: previews.counts })

  // A deleted message's files stop counting against its author's quota (and go from disk once nothing references them).
  if (uploads) chat.onRemoved((message) => (message.attachments?.length ? uploads.references.release(message.authorId, message.nonce, message.attachments) : undefined))

  const app = new Hono<AppEnv>()
  app.use(requestIds())
  app.use(requestLog(log))
  app.use(securityHeaders())
  if (deps.serveStatic) app.use('/static/sw.js', serviceWorkerScope)
  if (deps.serveStatic) app.use('/static/*', deps.serveStatic)
  app.use(limitBody({ uploadMaxBytes: uploads?.maxBytes, avatarMaxBytes: deps.profiles && AVATAR_MAX_BYTES, importMaxBytes: slackImports && config.imports.uploadMaxBytes }))
  app.use(refuseNulInUrl)
  // Bearer tokens, no cookies: before the Origin check and the session.
  if (deps.metrics) app.post('/api/rooms/:room/messages', timeSends(deps.metrics))
  app.route('/', botApiRoutes({ bots: deps.bots, rooms, chat, limits }))
  app.use(checkOrigin(config.publicUrl))
  app.route('/', healthRoutes(deps.health))
  app.route('/', faviconRoutes())
  app.route('/', manifestRoutes())
  // Metrics live on their own listener only: here they are not found, signed in or not.
  app.all('/metrics', (c) => c.notFound())
  const sends = sendLimit(limits, session.sessionHashOf)
  app.post('/rooms/:room/messages', sends.beforeSession)
  // Timed after the limit's first look, so refusals do not count as sends.
  if (deps.metrics) app.post('/rooms/:room/messages', timeSends(deps.metrics))
  app.use(session.loadSession)
  app.use(loadAdmin(admins))
  app.use(requireSignIn)
  app.route('/', authRoutes({
    config, users: deps.slackImports ? claimingPlaceholders(deps.users, deps.slackImports, log) : deps.users, signInStates: deps.signInStates, log, session, limits, clientAddress: clientAddressOf,
    isBanned: bans.isBanned, admit, invitedTo: pendingInvitation({ invites, pending }),
  }))
  app.route('/', sessionRoutes({ sessions: deps.sessions, session, now: deps.now }))
  app.post('/rooms/:room/messages', sends.afterSession)
  app.post('/rooms/:room/messages/:id', sends.change)
  app.post('/rooms/:room/messages/:id/reactions', sends.change)
  const uploadMaxBytes = uploads ? config.uploads.maxBytes : undefined
  app.route('/', roomRoutes({ rooms, users: deps.users, chat, bus, presence, limits, notifications: deps.notifications, uploadMaxBytes, ...awareness }))
  if (push) app.route('/', push.routes)
  // Before the message routes: an administrator's delete of anyone's message is answered here.
  app.route('/', roomManageRoutes({ rooms, users: deps.users, moderation: deps.moderation, chat, messages: deps.messages, bus, limits, now: deps.now }))
  app.route('/', messageRoutes({ rooms, chat, presence, uploads, uploadMaxBytes, ...awareness }))
  app.route('/', memberRoutes({ rooms, presence }))
  if (uploads) app.route('/', uploadRoutes({ chat, uploads }))
  app.route('/', previewRoutes({ chat, previews }))
  app.route('/', readRoutes({ chat }))
  if (kept) app.route('/', keptRoutes({ kept, limits }))
  app.route('/', exportRoutes({ messages: deps.messages, rooms, reads: deps.reads, notifications: deps.notifications, files: uploads && { read: (sha256) => uploads.read(sha256) }, origin: config.publicUrl, limits, now: deps.now }))
  if (deps.profiles) app.route('/', profileRoutes({ profiles: deps.profiles, presence, limits, maxPixels: config.uploads.previewMaxPixels, now: deps.now }))
  // Before the admin routes: a private room's owner makes and revokes invites to it under /admin/invites too.
  if (invites) app.route('/', inviteRoutes({ invites, rooms, limits, pending, clientAddress: clientAddressOf }))
  if (slackImports) {
    app.route('/', importRoutes({
      jobs: slackImports, imports: deps.slackImports!, users: deps.users, moderation: deps.moderation, dataDir: config.dataDir,
      uploadMaxBytes: config.imports.uploadMaxBytes,
    }))
  }
  app.route('/', adminRoutes({
    users: deps.users, bots: deps.bots, moderation: deps.moderation, bans, admins, invites,
    webhookAllowHosts: config.webhookAllowHosts, publicUrl: config.publicUrl, now: deps.now,
  }))
  app.route('/', typingRoutes({ bus, limiter: realtime.typingLimiter }))
  if (deps.search) app.route('/', searchRoutes({ search: searchService({ search: deps.search, rooms, users: deps.users }), limits }))
  if (deps.upgradeWebSocket) {
    app.route('/', socketRoutes({
      upgradeWebSocket: deps.upgradeWebSocket, publicUrl: config.publicUrl, rooms, chat, hub, feed, tracker, attention: tabs, sockets: realtime.sockets, limits,
      awareness: realtime.awareness, mentions: realtime.mentions, replies: realtime.replies,
    }))
  }

  app.onError(onError)
  app.notFound(notFound)
  return app
}

export type App = ReturnType<typeof createApp>

function timeSends(metrics: Metrics): MiddlewareHandler {
  return async (_c, next) => {
    const started = performance.now()
    await next()
    metrics.observeSend((performance.now() - started) / 1000)
  }
}
