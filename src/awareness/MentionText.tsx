import { splitMentions } from '../chat/mentions.ts'

/** Whether a login (any case) belongs to a member of the room the text is shown in. */
export type IsMember = (login: string) => boolean

export const nobodyIsMember: IsMember = () => false

/**
 * A run of plain text with members' `@login`s as mention spans; a login of
 * anyone else stays plain text. The one place mention markup is made: a body
 * renderer (plain or Markdown) calls it for each text run. The login only
 * reaches `data-login` after the parser matched it, so it is letters, digits
 * and hyphens.
 */
export function MentionText({ text, isMember }: { text: string; isMember: IsMember }) {
  return (
    <>
      {splitMentions(text).map((part) =>
        typeof part === 'string' ? part
          : isMember(part.login) ? <span class="mention" data-login={part.login}>@{part.login}</span>
          : `@${part.login}`)}
    </>
  )
}
