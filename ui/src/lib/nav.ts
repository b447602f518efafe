/** The sidebar's entries and who may see them; the router guards use the same table. */
import type { Role } from '../api/types.js'

export interface NavItem {
  href: string
  label: string
  /** Only admins see it (and only admins may open it). */
  admin?: boolean
  testId: string
}

export const NAV_ITEMS: readonly NavItem[] = [
  { href: '/', label: 'Cluster', testId: 'nav-cluster' },
  { href: '/models', label: 'Models', testId: 'nav-models' },
  { href: '/requests', label: 'Requests', testId: 'nav-requests' },
  { href: '/stats', label: 'Statistics', testId: 'nav-stats' },
  { href: '/playground', label: 'Playground', testId: 'nav-playground' },
  { href: '/admin', label: 'Keys & users', admin: true, testId: 'nav-admin' }
]

/** The entries a role sees. `null` role = the node has no accounts yet (auth not enabled): all. */
export function navItemsFor(role: Role | null): NavItem[] {
  return NAV_ITEMS.filter((i) => !i.admin || role === null || role === 'admin')
}
