// Reads a JSON list of strings on stdin; prints, for each, X's own count from twitter-text.
const twitter = require('twitter-text');

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const texts = JSON.parse(input);
  const out = texts.map((text) => {
    const parsed = twitter.parseTweet(text);
    return { weightedLength: parsed.weightedLength, valid: parsed.valid };
  });
  process.stdout.write(JSON.stringify(out));
});
