/**
 * Provider keys set through the admin API: one control-plane entry per provider,
 * `cloudkey/<provider>` → a sealed key (key-seal.ts), its masked hint, and the nodes allowed to use it.
 * The entry replicates like every control-plane value; only nodes on its list open and use it.
 */
import { z } from 'zod'
import type { ControlStore } from '../control-plane/index.js'
import { open, seal, maskKey } from './key-seal.js'
import { PREFIX_PATTERN, ProviderKindSchema, type ProviderKind } from './providers.js'

/** Control-map prefix of provider keys. */
export const CLOUD_KEY_PREFIX = 'cloudkey/'

export const CloudKeyRecordSchema = z.object({
  provider: ProviderKindSchema,
  /** base64(iv | tag | ciphertext), AES-256-GCM under the cluster-derived key. */
  sealed: z.string().min(1).max(4096),
  /** Last characters of the key, to recognise it (not a secret). */
  hint: z.string().max(8),
  /** Node names allowed to use the key; null: every node. */
  nodes: z.array(z.string().min(1).max(128)).max(256).nullable(),
  /** Base URL override (Azure, a proxy); null: the provider's default. */
  baseUrl: z.string().url().max(512).nullable(),
  /** The OpenAI-compatible provider's prefix (`openrouter`…); null for the others. */
  prefix: z.string().regex(PREFIX_PATTERN).nullable(),
  updatedAt: z.number().int().min(0)
})
export type CloudKeyRecord = z.infer<typeof CloudKeyRecordSchema>

/** What `PUT /api/clouds/:provider` takes. */
export const SetCloudKeyBodySchema = z.object({
  apiKey: z.string().min(8).max(1024),
  nodes: z.array(z.string().min(1).max(128)).max(256).nullish(),
  baseUrl: z.string().url().max(512).nullish(),
  prefix: z.string().regex(PREFIX_PATTERN).nullish()
})
export type SetCloudKeyBody = z.infer<typeof SetCloudKeyBodySchema>

export class CloudKeyStore {
  constructor(
    private readonly store: ControlStore,
    private readonly sealKey: Buffer,
    private readonly now: () => number = Date.now
  ) {}

  /** Every well-formed record (a peer's malformed one is ignored). */
  list(): CloudKeyRecord[] {
    const out: CloudKeyRecord[] = []
    for (const e of this.store.list(CLOUD_KEY_PREFIX)) {
      const r = CloudKeyRecordSchema.safeParse(e.v)
      if (e.v !== null && r.success) out.push(r.data)
    }
    return out
  }

  get(provider: ProviderKind): CloudKeyRecord | undefined {
    const r = CloudKeyRecordSchema.safeParse(this.store.get(CLOUD_KEY_PREFIX + provider))
    return r.success ? r.data : undefined
  }

  /** The key in clear, for a node allowed to use it; undefined otherwise (or when it does not open). */
  keyFor(record: CloudKeyRecord, nodeName: string): string | undefined {
    if (record.nodes && !record.nodes.includes(nodeName)) return undefined
    return open(this.sealKey, record.sealed, CLOUD_KEY_PREFIX + record.provider)
  }

  async set(provider: ProviderKind, body: SetCloudKeyBody): Promise<CloudKeyRecord> {
    const record: CloudKeyRecord = {
      provider,
      sealed: seal(this.sealKey, body.apiKey, CLOUD_KEY_PREFIX + provider),
      hint: maskKey(body.apiKey),
      nodes: body.nodes ?? null,
      baseUrl: body.baseUrl ?? null,
      prefix: body.prefix ?? null,
      updatedAt: this.now()
    }
    await this.store.set(CLOUD_KEY_PREFIX + provider, record)
    return record
  }

  async delete(provider: ProviderKind): Promise<boolean> {
    if (!this.get(provider)) return false
    await this.store.delete(CLOUD_KEY_PREFIX + provider)
    return true
  }

  /** Calls `listener` when a provider key entry changes (here or on a peer). */
  onChange(listener: () => void): () => void {
    return this.store.onChange((entries) => {
      if (entries.some((e) => e.k.startsWith(CLOUD_KEY_PREFIX))) listener()
    })
  }
}
