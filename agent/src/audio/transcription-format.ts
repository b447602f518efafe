/**
 * OpenAI's transcription answers in each `response_format`: json, text, srt, vtt, verbose_json
 * (segments, and words when `timestamp_granularities[]` asks for them). Pure.
 */
import type { Transcript } from '../../../native-runtime/src/index.js'
import type { HttpResult } from '../inference/http-result.js'
import type { TranscriptionFormat } from './transcription-request.js'

export interface FormatInput {
  transcript: Transcript
  format: TranscriptionFormat
  task: 'transcribe' | 'translate'
  /** Length of the audio (s). */
  seconds: number
  words: boolean
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0')

/** `00:01:02,345` (srt) or `00:01:02.345` (vtt). */
export function timestamp(ms: number, sep: ',' | '.'): string {
  const t = Math.max(0, Math.round(ms))
  return `${pad(Math.floor(t / 3_600_000))}:${pad(Math.floor(t / 60_000) % 60)}:${pad(Math.floor(t / 1000) % 60)}${sep}${pad(t % 1000, 3)}`
}

const cues = (t: Transcript, sep: ',' | '.'): string[] => t.segments.map((s) => `${timestamp(s.startMs, sep)} --> ${timestamp(s.endMs, sep)}\n${s.text.trim()}\n`)

export function formatTranscript(i: FormatInput): HttpResult {
  const t = i.transcript
  const usage = { type: 'duration', seconds: Math.ceil(i.seconds) }
  switch (i.format) {
    case 'text':
      return text('text/plain; charset=utf-8', `${t.text}\n`)
    case 'srt':
      return text('application/x-subrip; charset=utf-8', cues(t, ',').map((c, n) => `${n + 1}\n${c}`).join('\n'))
    case 'vtt':
      return text('text/vtt; charset=utf-8', `WEBVTT\n\n${cues(t, '.').join('\n')}`)
    case 'verbose_json': {
      const segments = t.segments.map((s, id) => ({
        id,
        seek: 0,
        start: s.startMs / 1000,
        end: s.endMs / 1000,
        text: s.text,
        tokens: [] as number[],
        temperature: 0,
        avg_logprob: 0,
        compression_ratio: 1,
        no_speech_prob: 0
      }))
      // whisper.cpp gives segment times; a word's time is its share of its segment
      const words = i.words ? t.segments.flatMap((s) => spread(s.text, s.startMs, s.endMs)) : undefined
      return json({ task: i.task, language: t.language, duration: i.seconds, text: t.text, segments, ...(words ? { words } : {}), usage })
    }
    default:
      return json({ text: t.text, usage })
  }
}

function spread(text: string, startMs: number, endMs: number): { word: string; start: number; end: number }[] {
  const words = text.trim().split(/\s+/).filter(Boolean)
  const step = (endMs - startMs) / Math.max(words.length, 1)
  return words.map((word, k) => ({ word, start: (startMs + k * step) / 1000, end: (startMs + (k + 1) * step) / 1000 }))
}

function text(contentType: string, body: string): HttpResult {
  return {
    status: 200,
    headers: { 'content-type': contentType },
    body: (async function* () {
      yield body
    })()
  }
}

function json(value: unknown): HttpResult {
  return text('application/json; charset=utf-8', JSON.stringify(value))
}
