import { describe, expect, it } from 'vitest'
import { Connection, type Sink } from '../realtime/connection.ts'
import type { StoredMessage } from '../store/ports.ts'
import { createHub } from './render.ts'

const message: StoredMessage = {
  id: '10', roomId: 'r', authorId: 1, authorLogin: 'ada', authorName: 'Ada', nonce: 'n10', body: 'hallo',
  createdAt: new Date(0), rev: '10', editedAt: null, deletedAt: null,
}

describe('the live hub', () => {
  it('renders a pushed message in each reader\'s language', () => {
    const hub = createHub()
    const reader = (userId: number, lang?: string) => {
      const sent: string[] = []
      const sink: Sink = { send: (data) => void sent.push(data), close: () => {}, bufferedAmount: () => 0 }
      const connection = new Connection({ userId, sink, since: 0n, ...(lang ? { lang } : {}) })
      hub.subscribe({ id: 'r', slug: 'r' }, connection)
      connection.goLive()
      return sent
    }
    const [german, english, unknown] = [reader(1, 'de'), reader(2, 'en'), reader(3, 'xx')]
    hub.deliver({ type: 'message', message })
    expect(german.join('')).toContain('>Antworten<')
    expect(german.join('')).not.toContain('>Reply<')
    expect(english.join('')).toContain('>Reply<')
    expect(unknown.join('')).toContain('>Reply<')
  })
})
