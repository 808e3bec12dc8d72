export async function fullStack(_o: { members: number; rate: number; measureMs: number }): Promise<Record<string, unknown>[]> {
  return []
}
