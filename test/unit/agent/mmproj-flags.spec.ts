import { describe, expect, it } from 'vitest'
import { flagsToConfig, pairedProjectors, PROJECTOR_TAG } from '../../../agent/src/cli/serve.js'
import { InvalidConfigError, loadConfig } from '../../../agent/src/config/index.js'

describe('--mmproj', () => {
  it('pairs each projector with the --model before it (the CLI tags it with that model index)', () => {
    expect(pairedProjectors(['/m/a.gguf', '/m/b.gguf'], [`1${PROJECTOR_TAG}/p/b-mmproj.gguf`])).toEqual({ '/m/b.gguf': '/p/b-mmproj.gguf' })
    expect(pairedProjectors(['/m/a.gguf'], [])).toBeUndefined()
    expect(() => pairedProjectors(['/m/a.gguf'], [`-1${PROJECTOR_TAG}/p/x.gguf`])).toThrow(InvalidConfigError)
  })

  it('reaches the config as vision.projectors with absolute paths, beside the image URL allow list', () => {
    const cfg = loadConfig(flagsToConfig({ model: ['rel/a.gguf'], mmproj: [`0${PROJECTOR_TAG}rel/a-mmproj.gguf`], imageUrlAllow: ['images.lan:8080'], dataDir: '/tmp/llmlb-flags-test' }), {})
    const [[model, projector]] = Object.entries(cfg.vision.projectors) as [[string, string]]
    expect(model).toMatch(/^\/.*\/rel\/a\.gguf$/)
    expect(projector).toMatch(/^\/.*\/rel\/a-mmproj\.gguf$/)
    expect(cfg.vision.imageUrlAllow).toEqual(['images.lan:8080'])
    expect(cfg.vision.maxImageBytes).toBe(20 * 1024 * 1024)
  })
})
