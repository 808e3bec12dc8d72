/**
 * Whether a login (any case) belongs to a member of the room a message is
 * shown in: only such `@login`s become mention spans (the Markdown renderer,
 * messages/markdown.ts, makes them); anyone else's stays plain text.
 */
export type IsMember = (login: string) => boolean

export const nobodyIsMember: IsMember = () => false
