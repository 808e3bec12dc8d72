import type { Member } from '../store/ports.ts'
import { profileHref } from './Message.tsx'
import { useT } from '../i18n/translate.ts'

/** The room's members with an online mark or when they were last seen; redrawn live as presence changes. */
export function MemberList({ members, online, oob = false }: { members: readonly Member[]; online: ReadonlySet<number>; oob?: boolean }) {
  const t = useT()
  return (
    <ul id="members" {...(oob ? { 'hx-swap-oob': 'true' } : {})}>
      {members.map((m) => (
        <li class={online.has(m.id) ? 'online' : 'offline'}>
          <span class="dot" aria-hidden="true"></span>
          <a class="member-name" href={profileHref(m.login)}><bdi>{m.name ?? m.login}</bdi></a> <span class="muted">@{m.login}</span>{' '}
          {m.kind === 'bot' && <><span class="badge">{t('room.bot')}</span>{' '}</>}
          {online.has(m.id) ? <span class="presence">{t('room.online')}</span>
            : m.lastSeenAt ? <span class="presence">{t.rich('room.lastSeen', { time: <time class="ago" datetime={m.lastSeenAt.toISOString()}>{t.dateTime(m.lastSeenAt)}</time> })}</span>
            : null}
        </li>
      ))}
    </ul>
  )
}

/** "alice is typing…", pushed to the room; empty when no one is. */
export function TypingLine({ names, oob = false }: { names: readonly string[]; oob?: boolean }) {
  const t = useT()
  const text = names.length === 0 ? '' : names.length === 1 ? t('room.typingOne', { name: names[0]! })
    : names.length === 2 ? t('room.typingTwo', { a: names[0]!, b: names[1]! }) : t('room.typingMany')
  return <p id="typing" class="typing" aria-live="off" {...(oob ? { 'hx-swap-oob': 'true' } : {})}>{text}</p>
}
