import type { IsMember } from '../messages/mentionable.ts'
import type { MentionDirectory } from '../messages/mentionDirectory.ts'
import type { ReplyDirectory, ReplyOf } from '../messages/replies.ts'
import type { StoredMessage } from '../store/ports.ts'
import { ChangedFrame, CreatedFrame, html } from '../views/Message.tsx'
import { Hub } from '../realtime/hub.ts'
import { ConnectionNotice } from '../views/RoomPage.tsx'

/** Said on an open page whose reader is no longer a member (js/removed.js then drops the composer and the room's sidebar entry). */
export const REMOVED = {
  manager: 'You were removed from this room by its owner or an administrator.',
  self: 'You left this room in another tab.',
  unknown: 'You are no longer a member of this room.',
} as const

/**
 * The live hub, rendering each pushed message with the one message component; the feed has loaded its
 * mentions into `directory` and the messages its replies answer into `replies`.
 */
export function createHub(directory?: MentionDirectory, replies?: ReplyDirectory): Hub {
  return new Hub({
    render: (message, roomSlug, created) => {
      const isMember = directory?.isMember(message.roomId)
      const replyOf = replies?.replyOf(message.roomId)
      return html(created ? CreatedFrame({ messages: [message], roomSlug, isMember, replyOf }) : ChangedFrame({ message, roomSlug, isMember, replyOf }))
    },
    evicted: (by) => html(ConnectionNotice({ text: REMOVED[by ?? 'unknown'] })),
  })
}

/** Replayed history: new messages inserted in order, changes to older ones replaced where the reader has them. */
export function renderReplay(messages: readonly StoredMessage[], roomSlug: string, since: bigint, isMember?: IsMember, replyOf?: ReplyOf): string {
  const created = messages.filter((m) => BigInt(m.id) > since)
  const changed = messages.filter((m) => BigInt(m.id) <= since)
  return (created.length ? html(CreatedFrame({ messages: created, roomSlug, isMember, replyOf })) : '') +
    changed.map((message) => html(ChangedFrame({ message, roomSlug, isMember, replyOf }))).join('')
}
