// Templates a blueprint's skeleton the way Backstage's fetch:template does (its SecureTemplater:
// the npm `nunjucks` package, `${{ }}` as the variable delimiters, no autoescaping, the values
// under `values`), file names included. With a fourth argument `nunjitsu`, with the engine
// @backstage/plugin-scaffolder-common ships instead (newer scaffolders render with it).
// Arguments: <folder holding node_modules> <skeleton folder> <output folder> [nunjitsu];
// values on stdin.
import { createRequire } from 'node:module';
import path from 'node:path';
import fs from 'node:fs';

const require = createRequire(path.join(path.resolve(process.argv[2]), 'package.json'));
function engine(name) {
  if (name === 'nunjitsu') {
    const common = require.resolve('@backstage/plugin-scaffolder-common');
    const renderer = createRequire(common)('nunjitsu').createTemplateRenderer();
    return { renderString: (text, context) => renderer.render(text, context) };
  }
  const nunjucks = require('nunjucks');
  return new nunjucks.Environment(null, {
    autoescape: false,
    tags: { variableStart: '${{', variableEnd: '}}' },
  });
}
const env = engine(process.argv[5] ?? 'nunjucks');
const [source, target] = [path.resolve(process.argv[3]), path.resolve(process.argv[4])];
const values = JSON.parse(fs.readFileSync(0, 'utf8'));
const written = [];

function walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const from = path.join(dir, entry.name);
    if (entry.isDirectory()) { walk(from); continue; }
    const relative = env.renderString(path.relative(source, from), { values });
    const to = path.join(target, relative);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.writeFileSync(to, env.renderString(fs.readFileSync(from, 'utf8'), { values }));
    written.push(relative);
  }
}
walk(source);
process.stdout.write(JSON.stringify(written));
