import type { StoredMessage } from '../store/ports.ts'
import { ChangedFrame, CreatedFrame, html } from '../views/Message.tsx'
import { Hub } from './hub.ts'

/** The live hub, rendering each pushed message with the one message component. */
export function createHub(): Hub {
  return new Hub({
    render: (message, roomSlug, created) =>
      html(created ? CreatedFrame({ messages: [message], roomSlug }) : ChangedFrame({ message, roomSlug })),
  })
}

/** Replayed history: new messages inserted in order, changes to older ones replaced where the reader has them. */
export function renderReplay(messages: readonly StoredMessage[], roomSlug: string, since: bigint): string {
  const created = messages.filter((m) => BigInt(m.id) > since)
  const changed = messages.filter((m) => BigInt(m.id) <= since)
  return (created.length ? html(CreatedFrame({ messages: created, roomSlug })) : '') +
    changed.map((message) => html(ChangedFrame({ message, roomSlug }))).join('')
}
