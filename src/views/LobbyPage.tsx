import type { User } from '../store/ports.ts'
import { Layout } from './Layout.tsx'

export function LobbyPage({ user }: { user: User }) {
  return (
    <Layout title="rtc" user={user}>
      <h1>Hello, {user.name ?? user.login}</h1>
      <p class="empty">You are in no rooms yet.</p>
    </Layout>
  )
}
