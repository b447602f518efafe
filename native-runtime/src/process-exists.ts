/** Whether a process with this pid exists. EPERM means it does but is not ours (pid reuse); only ESRCH means gone. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH'
  }
}
