// Computes, with rdf-canonize, the canonical N-Quads of each input and the least
// maxDeepIterations that canonicalizes it; also the Permuter's walk over a few lists.
const canon = require('rdf-canonize');
const Permuter = require('rdf-canonize/lib/Permuter');
const fs = require('fs');
const opts = n => ({algorithm: 'RDFC-1.0', inputFormat: 'application/n-quads', maxDeepIterations: n});
async function least(input) {
  let lo = 0, hi = 4096;
  const ok = async n => { try { await canon.canonize(input, opts(n)); return true; } catch (e) { return false; } };
  if (!(await ok(hi))) return null;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (await ok(mid)) hi = mid; else lo = mid + 1; }
  return lo;
}
(async () => {
  const [inputsPath, suiteDir, outPath] = process.argv.slice(2);
  const cases = JSON.parse(fs.readFileSync(inputsPath, 'utf8'));
  for (const c of cases) {
    c.canonical = await canon.canonize(c.nquads, {algorithm: 'RDFC-1.0', inputFormat: 'application/n-quads', maxWorkFactor: Infinity});
    c.leastMaxDeepIterations = await least(c.nquads);
  }
  const suite = {};
  for (const f of fs.readdirSync(suiteDir).filter(f => f.endsWith('-in.nq')).sort()) {
    if (f === 'test074-in.nq') continue; // the poison graph: refused at any small bound
    suite[f] = await least(fs.readFileSync(suiteDir + '/' + f, 'utf8'));
  }
  const walks = {};
  for (const list of [['b', 'a', 'b', 'a'], ['a', 'b', 'c', 'c'], ['d', 'c', 'b', 'a'], ['x', 'y', 'y'], ['a', 'a', 'b', 'b', 'c'], ['g', 'g', 'g'], ['a', 'b', 'c', 'c', 'c'], ['c', 'b', 'a', 'a']]) {
    const p = new Permuter(list.slice()); const seq = [];
    while (p.hasNext()) seq.push(p.next().join(''));
    walks[list.join('')] = seq;
  }
  fs.writeFileSync(outPath, JSON.stringify({cases, suite, walks}, null, 1) + '\n');
})();
