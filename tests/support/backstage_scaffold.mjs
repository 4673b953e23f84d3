// Dry-runs a Berth software template the way the scaffolder does, with Backstage's own template
// engine (nunjitsu, which @backstage/plugin-scaffolder-common ships): each step's input is
// rendered against {parameters, steps} (a string that is one `${{ }}` keeps its native value),
// the fetch:template:file step renders its skeleton against its `values`.
// Input on stdin: {"template": {...}, "parameters": {...}, "skeletons": {"./skeletons/x": "..."}}.
// Output: {"files": {path: text}, "steps": [{"id", "action", "input"}], "links": [...]}.
import { createRequire } from 'node:module';
import path from 'node:path';
import fs from 'node:fs';

const require = createRequire(path.join(path.resolve(process.argv[2]), 'package.json'));
const scaffolderCommon = require.resolve('@backstage/plugin-scaffolder-common');
const { createTemplateRenderer } = createRequire(scaffolderCommon)('nunjitsu');
const renderer = createTemplateRenderer();

function renderInput(value, context) {
  if (typeof value === 'string') return renderer.renderValue(value, context);
  if (Array.isArray(value)) return value.map((v) => renderInput(v, context));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderInput(v, context)]));
  }
  return value;
}

const { template, parameters, skeletons } = JSON.parse(fs.readFileSync(0, 'utf8'));
const steps = {};
const files = {};
const done = [];
for (const step of template.spec.steps) {
  const input = renderInput(step.input ?? {}, { parameters, steps });
  if (step.action === 'fetch:template:file') {
    const values = Object.fromEntries(Object.entries(input.values ?? {}).filter(([, v]) => v !== undefined));
    files[path.posix.normalize(input.targetPath)] = renderer.render(skeletons[input.url], { values });
  }
  steps[step.id] = { output: { remoteUrl: 'https://example.invalid/pr/1', mergeRequestUrl: 'https://example.invalid/mr/1' } };
  done.push({ id: step.id, action: step.action, input });
}
const links = renderInput(template.spec.output?.links ?? [], { parameters, steps });
process.stdout.write(JSON.stringify({ files, steps: done, links }));
