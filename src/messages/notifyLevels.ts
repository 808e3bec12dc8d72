import type { NotifyChoice, NotifyLevel, Room } from '../store/ports.ts'

// Which messages notify a member, room by room: the web push notifier, the room's menu, the sidebar and the
// settings page all read these rules.

/** The levels a member picks per room, in the order the menu offers them. */
export const LEVELS: readonly { value: NotifyLevel; label: string; hint: string }[] = [
  { value: 'all', label: 'Every message', hint: 'Each new message notifies you.' },
  { value: 'mentions', label: 'Mentions', hint: 'Only messages that mention you.' },
  { value: 'none', label: 'Nothing', hint: 'This room never notifies you.' },
]

export const isLevel = (value: string): value is NotifyLevel => LEVELS.some((l) => l.value === value)

export const levelLabel = (level: NotifyLevel) => LEVELS.find((l) => l.value === level)!.label

/** A direct room is a conversation with one person: each message is for the reader. Any other room: mentions. */
export const defaultLevel = (room: Pick<Room, 'visibility'>): NotifyLevel => (room.visibility === 'direct' ? 'all' : 'mentions')

/** The room's level for a member: what they set, or the room's default. */
export const levelIn = (room: Pick<Room, 'visibility'>, chosen: NotifyLevel | null | undefined): NotifyLevel => chosen ?? defaultLevel(room)

/**
 * Whether a message notifies a member by Web Push. The room's level decides; the person's setting
 * for all rooms (Settings) can only narrow it: "mentions only" everywhere, or nothing at all.
 */
export function wantsPush(level: NotifyLevel, choice: NotifyChoice, mentioned: boolean): boolean {
  if (choice === 'nothing' || level === 'none') return false
  if (choice === 'mentions' || level === 'mentions') return mentioned
  return true
}
