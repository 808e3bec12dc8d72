import { Hono, type Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { signedInUser, type AppEnv } from '../context.ts'
import { readAllForm, readForm, type Form } from '../http/forms.ts'
import { FormRefused } from '../http/multipart.ts'
import { requireMember, requireReader } from '../http/roomAccess.ts'
import { renderRoomPage, type RoomPageDeps } from '../rooms/page.tsx'
import type { StoredMessage } from '../store/ports.ts'
import { Layout } from '../views/Layout.tsx'
import { MessageEditor } from '../views/MessageEditor.tsx'
import { MessageItem } from '../views/Message.tsx'
import { QuickEmojis, ReactionForm } from '../views/Reactions.tsx'
import { QUICK_EMOJIS } from '../messages/reactions.ts'
import { NewerGap, OlderEdge } from '../views/RoomPage.tsx'
import { isId } from '../messages/ids.ts'
import { ChatError, PAGE_SIZE } from '../messages/service.ts'
import { excerptOf, type ReplyOf } from '../messages/replies.ts'
import { nonceFrom } from '../messages/validate.ts'
import type { IsMember } from '../messages/mentionable.ts'
import { Composer, MentionNote } from '../views/RoomPage.tsx'
import { MAX_FILES, UploadError, type UploadService } from '../uploads/service.ts'

const isHtmx = (c: Context) => c.req.header('hx-request') === 'true'

function messageId(c: Context<AppEnv>): string {
  const id = c.req.param('id')
  if (!isId(id)) throw new HTTPException(404, { message: 'There is no such message in this room.' })
  return id
}

/** Messages of a room: history pages, send, edit, delete. Room access is loaded by the room routes. */
const first = (value: Form[string] | undefined) => (Array.isArray(value) ? value[0] : value)
/** The non-empty `file` parts of a send (a form with an empty file input sends one of size 0). */
const filesIn = (form: Form): File[] => [form.file ?? []].flat().filter((f): f is File => typeof f !== 'string' && f.size > 0)

export function messageRoutes(deps: RoomPageDeps & { uploads?: UploadService | undefined }) {
  const { chat, mentions } = deps
  const app = new Hono<AppEnv>()
  const item = (c: Context<AppEnv>, m: StoredMessage, isMember: IsMember, replyOf: ReplyOf) =>
    <MessageItem message={m} roomSlug={c.get('room').slug} mine={m.authorId === signedInUser(c.get('user')).id} isMember={isMember} replyOf={replyOf} />
  /** The messages' markup with their members' mentions marked. */
  const items = async (c: Context<AppEnv>, list: readonly StoredMessage[]) => {
    const [isMember, replyOf] = await Promise.all([mentions.load(c.get('room').id, list.map((m) => m.body)), deps.replies.load(c.get('room').id, list)])
    return list.map((m) => item(c, m, isMember, replyOf))
  }
  const backToMessage = (c: Context<AppEnv>, id: string, unknown: readonly string[] = [], nobody: readonly string[] = []) => {
    const query = new URLSearchParams([...(unknown.length ? [['unknown', unknown.join(',')]] : []), ...(nobody.length ? [['nobody', nobody.join(',')]] : [])])
    return c.redirect(`/rooms/${c.get('room').slug}${query.size ? `?${query}` : ''}#m-${id}`, 303)
  }
  /** One message as it now is: htmx swaps it in place, a plain request goes to it in the room. */
  const messageAnswer = async (c: Context<AppEnv>, message: StoredMessage) =>
    isHtmx(c) ? c.html(<>{await items(c, [message])}</>) : backToMessage(c, message.id)
  /** The path's message in the room, unless it is missing or deleted (404). */
  const liveMessage = async (c: Context<AppEnv>) => {
    const message = await chat.find(c.get('room'), messageId(c))
    if (!message || message.deletedAt) throw new HTTPException(404, { message: 'There is no such message in this room.' })
    return message
  }

  app.get('/rooms/:room/messages', requireReader, async (c) => {
    const room = c.get('room')
    const before = c.req.query('before')
    const after = c.req.query('after')
    if (before !== undefined && !isId(before)) throw new HTTPException(400, { message: 'before must be a message id.' })
    if (after !== undefined && !isId(after)) throw new HTTPException(400, { message: 'after must be a message id.' })
    if (!isHtmx(c) && after === undefined) return c.redirect(`/rooms/${room.slug}${before ? `?before=${before}` : ''}`, 303)
    const asked = Math.trunc(Number(c.req.query('limit') ?? PAGE_SIZE))
    const limit = Math.min(Math.max(1, asked || PAGE_SIZE), PAGE_SIZE * 4)
    const page = await chat.page(room, { before, after }, limit + 1)
    if (after !== undefined) {
      // Filling the gap of a room opened around a message: this edge goes, the next one comes while more remain.
      const rest = page.slice(0, limit)
      return c.html(<>
        <p id={`gap-${after}`} hx-swap-oob="delete"></p>
        {await items(c, rest)}
        {page.length > limit && <NewerGap room={room} after={rest.at(-1)!.id} />}
      </>)
    }
    const hasOlder = page.length > limit
    const shown = hasOlder ? page.slice(1) : page
    return c.html(<>{await items(c, shown)}<OlderEdge room={room} before={shown[0]?.id} hasOlder={hasOlder} oob /></>)
  })

  /** A refused send: the reason beside the composer, which keeps its text (without JavaScript, on the room's page). */
  const refuseSend = (c: Context<AppEnv>, status: 400 | 403 | 404 | 409 | 413 | 422, reason: string, draft: Form[string] | undefined) => {
    const text = first(draft)
    if (!isHtmx(c)) return renderRoomPage(c, deps, { status, error: reason, draft: typeof text === 'string' ? text : '' })
    c.header('HX-Retarget', '#composer-error')
    c.header('HX-Reswap', 'textContent')
    return c.text(reason, status)
  }

  app.post('/rooms/:room/messages', requireMember, async (c) => {
    let form: Form
    try {
      // Files are read only up to the limits, whether or not this server takes them: the composer always sends its file input.
      form = await readAllForm(c, { files: MAX_FILES, fileBytes: deps.uploads?.maxBytes ?? 0 })
    } catch (err) {
      if (err instanceof FormRefused) return refuseSend(c, err.status as 400 | 413 | 422, err.message, err.fields.body)
      throw err
    }
    const user = signedInUser(c.get('user'))
    try {
      const files = filesIn(form)
      if (files.length > 0 && !deps.uploads) throw new ChatError('INVALID_BODY', 'This server does not take files.', 422)
      const attachments = files.length > 0 ? await deps.uploads!.storeAll(user.id, files) : []
      const { message, notMembers, nobody } = await chat.send(user, c.get('room'), first(form.body), first(form.nonce), attachments, { replyTo: first(form.reply_to) })
      // The note beside the composer is always sent, so a send without one clears the last.
      return isHtmx(c) ? c.html(<>{await items(c, [message])}<MentionNote logins={notMembers} nobody={nobody} room={c.get('room')} oob /></>) : backToMessage(c, message.id, notMembers, nobody)
    } catch (err) {
      if (!(err instanceof ChatError) && !(err instanceof UploadError)) throw err
      return refuseSend(c, err.status, err.message, form.body)
    }
  })

  // A message's stable address: htmx gets the message as it now is, a browser the room opened around it.
  app.get('/rooms/:room/messages/:id', requireReader, async (c) => {
    const id = messageId(c)
    const message = await chat.find(c.get('room'), id)
    if (!message) throw new HTTPException(404, { message: 'There is no such message in this room.' })
    if (isHtmx(c)) return messageAnswer(c, message)
    return c.redirect(`/rooms/${c.get('room').slug}?around=${message.id}#m-${message.id}`, 303)
  })

  const editor = (c: Context<AppEnv>, message: StoredMessage, error?: string, status: 200 | ChatError['status'] = 200) => {
    const form = <MessageEditor message={message} roomSlug={c.get('room').slug} error={error} />
    return c.html(isHtmx(c) ? form : <Layout title="Edit message" user={c.get('user')}>{form}</Layout>, status)
  }

  // Answering a message without JavaScript: the message, and a composer that answers it (js/replies.js sets the
  // room page's composer instead).
  app.get('/rooms/:room/messages/:id/reply', requireMember, async (c) => {
    const room = c.get('room')
    const original = await liveMessage(c)
    if (room.archivedAt) throw new HTTPException(409, { message: 'This room is archived: it can be read, not written to.' })
    return c.html(
      <Layout title={`Reply in ${room.name}`} user={c.get('user')}>
        <section class="card reply-page">
          <h1>Reply in <bdi>{room.name}</bdi></h1>
          <div class="messages">{await items(c, [original])}</div>
          <Composer room={room} nonce={nonceFrom(undefined)} replying={excerptOf(original)} />
          <p><a href={`/rooms/${room.slug}/messages/${original.id}`}>Back to the room</a></p>
        </section>
      </Layout>,
    )
  })

  app.get('/rooms/:room/messages/:id/edit', requireMember, async (c) => {
    const message = await liveMessage(c)
    if (message.authorId !== signedInUser(c.get('user')).id) throw new HTTPException(403, { message: 'Only its author can change a message.' })
    return editor(c, message)
  })

  app.post('/rooms/:room/messages/:id', requireMember, async (c) => {
    const id = messageId(c)
    const form = await readForm(c)
    try {
      const message = await chat.edit(signedInUser(c.get('user')), c.get('room'), id, form.body)
      return messageAnswer(c, message)
    } catch (err) {
      if (!(err instanceof ChatError) || err.code !== 'INVALID_BODY') throw asHttp(err)
      const current = await chat.find(c.get('room'), id)
      return editor(c, { ...current!, body: typeof form.body === 'string' ? form.body : '' }, err.message, err.status)
    }
  })

  app.post('/rooms/:room/messages/:id/delete', requireMember, async (c) => {
    const id = messageId(c)
    try {
      const message = await chat.remove(signedInUser(c.get('user')), c.get('room'), id)
      return messageAnswer(c, message)
    } catch (err) {
      throw asHttp(err)
    }
  })

  /** Adding a reaction without JavaScript: the message, and the form (again with the reason, if refused). */
  const reactionPage = async (c: Context<AppEnv>, message: StoredMessage, error?: string, status: 200 | 404 | 409 | 422 = 200) => c.html(
    <Layout title="Add a reaction" user={c.get('user')}>
      <section class="card react-page">
        <h1>Add a reaction</h1>
        <div class="messages">{await items(c, [message])}</div>
        <ReactionForm action={`/rooms/${c.get('room').slug}/messages/${message.id}/reactions`} error={error} />
        <QuickEmojis emojis={QUICK_EMOJIS} />
        <p><a href={`/rooms/${c.get('room').slug}#m-${message.id}`}>Back to the room</a></p>
      </section>
    </Layout>, status)

  app.get('/rooms/:room/messages/:id/reactions', requireMember, async (c) => reactionPage(c, await liveMessage(c)))

  app.post('/rooms/:room/messages/:id/reactions', requireMember, async (c) => {
    const id = messageId(c)
    const form = await readForm(c)
    try {
      const message = await chat.toggleReaction(signedInUser(c.get('user')), c.get('room'), id, form.emoji)
      return messageAnswer(c, message)
    } catch (err) {
      if (!(err instanceof ChatError)) throw err
      if (isHtmx(c)) {
        // A toggle's refusal leaves the message where it is (its state comes over the socket); the picker shows the reason.
        c.header('HX-Reswap', 'none')
        return c.text(err.message, err.status)
      }
      const message = err.code === 'INVALID_EMOJI' ? await chat.find(c.get('room'), id) : undefined
      if (!message) throw asHttp(err)
      return reactionPage(c, message, err.message, 422)
    }
  })

  return app
}

function asHttp(err: unknown): unknown {
  return err instanceof ChatError ? new HTTPException(err.status, { message: err.message }) : err
}
