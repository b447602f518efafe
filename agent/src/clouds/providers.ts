/**
 * The cloud providers a node can front, their model-id prefixes and default base URLs, and the
 * settings a provider is served with once its key is known (config file, environment or the
 * cluster's encrypted key entry).
 */
import { z } from 'zod'

export const PROVIDER_KINDS = ['openai', 'anthropic', 'google', 'compatible'] as const
export type ProviderKind = (typeof PROVIDER_KINDS)[number]
export const ProviderKindSchema = z.enum(PROVIDER_KINDS)

/** Prefix pattern of model ids (`<prefix>:<provider's model id>`). */
export const PREFIX_PATTERN = /^[a-z][a-z0-9-]{0,31}$/

/**
 * Base URLs as the providers' own SDKs take them: OpenAI's and OpenAI-compatible ones include `/v1`,
 * Anthropic's and Google's do not (the API version is part of each path).
 */
export const DEFAULT_BASE_URLS: Readonly<Record<Exclude<ProviderKind, 'compatible'>, string>> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  google: 'https://generativelanguage.googleapis.com'
}

/** Fixed prefixes; the OpenAI-compatible provider's prefix is configured (`openrouter`, …). */
export const FIXED_PREFIXES: Readonly<Record<Exclude<ProviderKind, 'compatible'>, string>> = { openai: 'openai', anthropic: 'anthropic', google: 'google' }

/** Where the key a provider is served with came from. */
export type KeySource = 'local' | 'cluster'

/** A provider ready to serve: its key is known on this node. */
export interface ProviderSettings {
  kind: ProviderKind
  prefix: string
  baseUrl: string
  apiKey: string
  keySource: KeySource
}

/** The engine string gossiped with the provider's models (`ModelAdvert.engine`). */
export const engineOf = (kind: ProviderKind): string => `cloud:${kind}`

/** Splits `<prefix>:<id>`; undefined when the id has no prefix. */
export function splitModel(model: string): { prefix: string; id: string } | undefined {
  const colon = model.indexOf(':')
  if (colon <= 0 || colon === model.length - 1) return undefined
  return { prefix: model.slice(0, colon), id: model.slice(colon + 1) }
}

/** Drops trailing slashes so paths can be appended. */
export const trimBase = (url: string): string => url.replace(/\/+$/, '')

/** A provider as `GET /api/clouds` shows it: never the key, only its last characters. */
export interface PublicProvider {
  provider: ProviderKind
  prefix: string | null
  /** Serving on this node now. */
  active: boolean
  /** Where this node's key comes from; null: none here. */
  keySource: KeySource | null
  keyHint: string | null
  /** The cluster entry's allow-list (null: every node); absent without a cluster entry. */
  nodes?: string[] | null
  baseUrl: string | null
  /** Catalog size as last fetched by this node. */
  models: number
}
