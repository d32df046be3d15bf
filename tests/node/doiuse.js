// Reads JSON {html, clients} on stdin (clients: caniemail ids such as "gmail.ios"); prints, for
// each client, what doiuse-email finds in the HTML: feature titles unsupported and partly
// supported, and caniemail's notes per feature.
const { DoIUseEmail } = require('doiuse-email');

const TICKED = /^`(.+)` is (?:not|only partially) supported by `(.+)`$/;
const NOTE = /^Note about `(.+)` support for `(.+)`: (.*)$/s;

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const { html, clients } = JSON.parse(input);
  const out = {};
  for (const client of clients) {
    // The package's own glob list omits some caniemail clients (outlook.outlook-com), so the
    // checker is made for any client and then pointed at this one; the check is its own code.
    const checker = new DoIUseEmail({ emailClients: ['*'] });
    checker.emailClients = [client];
    const result = checker.check(html);
    const titles = (messages) => [...new Set((messages || []).map((m) => {
      const match = TICKED.exec(m);
      if (!match || match[2] !== client) throw new Error(`unexpected message: ${m}`);
      return match[1];
    }))].sort();
    const notes = {};
    for (const m of result.notes || []) {
      const match = NOTE.exec(m);
      if (!match || match[2] !== client) throw new Error(`unexpected note: ${m}`);
      (notes[match[1]] = notes[match[1]] || new Set()).add(match[3]);
    }
    out[client] = {
      unsupported: titles(result.errors),
      partial: titles(result.warnings),
      notes: Object.fromEntries(Object.entries(notes).map(([k, v]) => [k, [...v].sort()])),
    };
  }
  process.stdout.write(JSON.stringify(out));
});
