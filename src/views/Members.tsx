import type { Member } from '../store/ports.ts'
import { profileHref } from './Message.tsx'

const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`

/** The room's members with an online mark or when they were last seen; redrawn live as presence changes. */
export function MemberList({ members, online, oob = false }: { members: readonly Member[]; online: ReadonlySet<number>; oob?: boolean }) {
  return (
    <ul id="members" {...(oob ? { 'hx-swap-oob': 'true' } : {})}>
      {members.map((m) => (
        <li class={online.has(m.id) ? 'online' : 'offline'}>
          <span class="dot" aria-hidden="true"></span>
          <a class="member-name" href={profileHref(m.login)}><bdi>{m.name ?? m.login}</bdi></a> <span class="muted">@{m.login}</span>{' '}
          {m.kind === 'bot' && <><span class="badge">bot</span>{' '}</>}
          {online.has(m.id) ? <span class="presence">online</span>
            : m.lastSeenAt ? <span class="presence">last seen <time class="ago" datetime={m.lastSeenAt.toISOString()}>{utc(m.lastSeenAt)}</time></span>
            : null}
        </li>
      ))}
    </ul>
  )
}

/** "alice is typing…", pushed to the room; empty when no one is. */
export function TypingLine({ names, oob = false }: { names: readonly string[]; oob?: boolean }) {
  const text = names.length === 0 ? '' : names.length === 1 ? `${names[0]} is typing…`
    : names.length === 2 ? `${names[0]} and ${names[1]} are typing…` : 'Several people are typing…'
  return <p id="typing" class="typing" aria-live="off" {...(oob ? { 'hx-swap-oob': 'true' } : {})}>{text}</p>
}
