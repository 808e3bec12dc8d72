import { Hono } from 'hono'
import { signedInUser, type AppEnv } from '../context.ts'
import { LobbyPage } from '../views/LobbyPage.tsx'

export function roomRoutes() {
  return new Hono<AppEnv>()
    .get('/', (c) => c.html(<LobbyPage user={signedInUser(c.get('user'))} />))
}
