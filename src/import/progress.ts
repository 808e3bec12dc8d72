/** Where an import stands: what the command line prints and the page shows. */
export interface ImportProgress {
  phase: 'checking' | 'people' | 'rooms' | 'messages' | 'done'
  /** Day files (an rtc transcript: messages, `of`): read while checking, then imported. */
  days: { done: number; total: number }
  /** What `days` counts: a Slack export's day files, or an rtc transcript's messages. */
  of?: 'days' | 'messages'
  people: { matched: number; placeholders: number; known: number }
  rooms: { made: number; known: number }
  messages: { imported: number; known: number; notices: number; replies: number }
  reactions: { added: number; unknown: number }
  files: { attached: number; noted: number }
  /** The conversation being imported. */
  current?: string | undefined
}

export const newProgress = (): ImportProgress => ({
  phase: 'checking',
  days: { done: 0, total: 0 },
  people: { matched: 0, placeholders: 0, known: 0 },
  rooms: { made: 0, known: 0 },
  messages: { imported: 0, known: 0, notices: 0, replies: 0 },
  reactions: { added: 0, unknown: 0 },
  files: { attached: 0, noted: 0 },
})

const n = (x: number) => x.toLocaleString('en-US')

/** One line, for the command line's progress and log. */
export function progressLine(p: ImportProgress): string {
  const days = `${n(p.days.done)}/${n(p.days.total)} ${p.of ?? 'days'}`
  if (p.phase === 'checking') return `checking the archive: ${p.of === 'messages' ? `${n(p.days.total)} messages` : days} read`
  return [
    p.phase === 'done' ? 'done' : `${p.phase}${p.current ? ` (${p.current})` : ''}`,
    days,
    `${n(p.messages.imported)} messages imported (${n(p.messages.known)} already there, ${n(p.messages.notices)} notices left out)`,
    `${n(p.people.matched)} people matched, ${n(p.people.placeholders)} placeholders (${n(p.people.known)} known from before)`,
    `${n(p.rooms.made)} rooms made (${n(p.rooms.known)} already there)`,
    `${n(p.reactions.added)} reactions (${n(p.reactions.unknown)} custom emoji left out)`,
    `${n(p.files.attached)} files attached, ${n(p.files.noted)} noted by name`,
  ].join(' · ')
}
