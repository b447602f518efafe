/**
 * Where `--auto-pull` puts a model: the node best able to hold it, from the capacity every node
 * gossips. Pure; the caller supplies the candidates (itself included).
 */

/** A node that could take the model. */
export interface PlacementCandidate {
  name: string
  /** The memory budget less what its loaded models hold (bytes). */
  memoryFreeBytes: number
  /** What its model store may still take on disk (bytes). */
  diskFreeBytes: number
}

/**
 * Free disk is compared in steps of this size: nodes on disks of about the same free space (or on
 * one shared disk, whose figure moves with every log line) tie, and the tie-break decides.
 */
export const DISK_STEP_BYTES = 1 << 30

/**
 * Candidates from best to worst: those with room for `needBytes` on disk first (when it is known),
 * then the most free memory budget, then the most free disk (in DISK_STEP_BYTES steps), then by
 * name, so every node that ranks the same adverts picks the same one.
 */
export function rankForPlacement(cands: readonly PlacementCandidate[], needBytes?: number): PlacementCandidate[] {
  const fits = (c: PlacementCandidate): number => (needBytes === undefined || c.diskFreeBytes >= needBytes ? 0 : 1)
  const disk = (c: PlacementCandidate): number => Math.floor(c.diskFreeBytes / DISK_STEP_BYTES)
  return [...cands].sort((a, b) => fits(a) - fits(b) || b.memoryFreeBytes - a.memoryFreeBytes || disk(b) - disk(a) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}
