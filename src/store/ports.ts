/**
 * Ports: the small interfaces the app core depends on. Adapters live beside
 * them (postgres/ today; cassandra/ and redis/ later) and are chosen only by
 * the composition roots.
 */
export interface User {
  /** GitHub's numeric id; local (demo) users have negative ids, so they never collide. */
  readonly id: number
  readonly login: string
  readonly name: string | null
  readonly avatarUrl: string | null
}

export interface GithubProfile {
  readonly id: number
  readonly login: string
  readonly name: string | null
  readonly avatarUrl: string | null
}

export interface UserStore {
  upsertGithubUser(profile: GithubProfile): Promise<User>
  /** Finds or creates the local (demo) user with this login. */
  upsertLocalUser(login: string): Promise<User>
  findUserById(id: number): Promise<User | undefined>
  findUserByLogin(login: string): Promise<User | undefined>
}

export interface SessionRecord {
  readonly user: User
  readonly expiresAt: Date
}

/** Sessions are found by the hash of their token; the token itself is never stored. */
export interface SessionStore {
  createSession(tokenHash: string, userId: number, expiresAt: Date): Promise<void>
  findSession(tokenHash: string, now: Date): Promise<SessionRecord | undefined>
  renewSession(tokenHash: string, expiresAt: Date): Promise<void>
  deleteSession(tokenHash: string): Promise<void>
  deleteExpiredSessions(now: Date): Promise<number>
}

/** A backend the app depends on, as `/readyz` reports it. */
export interface HealthCheck {
  readonly name: string
  readonly backend: string
  check(): Promise<void>
}
