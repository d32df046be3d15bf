// Bluesky's app on each text: RichText finds the links, each link's text is shortened as the
// app's toShortUrl does (the host, then path + query + hash cut to 13 and "..." past 15, read
// by this runtime's WHATWG URL), and the count is the shortened RichText's graphemeLength.
// stdin: {"texts": [...], "urls": [...]}; stdout: {"posts": [...], "short": [...], "tlds": [...]}
'use strict'

const path = require('path')

function toShortUrl(url) {
  let parsed
  try {
    parsed = new URL(url)
  } catch {
    return url
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return url
  const rest = (parsed.pathname === '/' ? '' : parsed.pathname) + parsed.search + parsed.hash
  return rest.length > 15 ? parsed.host + rest.slice(0, 13) + '...' : parsed.host + rest
}

function links(rt) {
  return (rt.facets || [])
    .filter((f) => f.features.some((x) => x.$type === 'app.bsky.richtext.facet#link'))
    .map((f) => ({
      byteStart: f.index.byteStart,
      byteEnd: f.index.byteEnd,
      uri: f.features.find((x) => x.$type === 'app.bsky.richtext.facet#link').uri,
    }))
}

function asPosted(RichText, UnicodeString, text) {
  const rt = new RichText({ text })
  rt.detectFacetsWithoutResolution()
  const detected = links(rt)
  const out = rt.clone()
  // The app's shortenLinks: replace each link's text in place, keeping its facet on it.
  for (const facet of out.facets || []) {
    if (!facet.features.some((x) => x.$type === 'app.bsky.richtext.facet#link')) continue
    const { byteStart, byteEnd } = facet.index
    const shown = new UnicodeString(toShortUrl(out.unicodeText.slice(byteStart, byteEnd)))
    out.insert(byteStart, shown.utf16)
    facet.index.byteStart = byteStart
    facet.index.byteEnd = byteStart + shown.length
    out.delete(byteStart + shown.length, byteEnd + shown.length)
  }
  return {
    detected,
    text: out.text,
    graphemeLength: out.graphemeLength,
    bytes: out.length,
    facets: links(out),
  }
}

async function main() {
  const chunks = []
  for await (const chunk of process.stdin) chunks.push(chunk)
  const input = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  const { RichText, UnicodeString } = await import('@atproto/api')
  // The TLD list @atproto/api's detection reads, from the copy it resolves.
  const api = path.dirname(require.resolve('@atproto/api'))
  const tlds = require(require.resolve('tlds', { paths: [api] }))
  const result = {
    posts: (input.texts || []).map((t) => asPosted(RichText, UnicodeString, t)),
    short: (input.urls || []).map(toShortUrl),
    tlds: tlds.filter((t) => /^[a-z0-9-]+$/.test(t)),
  }
  process.stdout.write(JSON.stringify(result))
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err))
  process.exit(1)
})
