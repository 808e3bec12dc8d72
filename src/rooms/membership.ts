import type { Logger } from '../log.ts'
import type { Bus } from '../store/ports.ts'

/**
 * Tells every instance that a user joined or left a room: their sockets
 * follow the change (a removed member's close at once) and member lists are
 * redrawn. Local sockets are closed even when the other instances cannot be
 * told (the bus reaches this one first).
 */
export const announceMembership = (bus: Bus, log: Logger, roomId: string, userId: number, member: boolean, by?: 'self' | 'manager') =>
  bus.publish({ type: 'membership', roomId, userId, member, ...(by ? { by } : {}) })
    .catch((err: unknown) => log.error({ err, roomId }, 'membership change not published to other instances'))
