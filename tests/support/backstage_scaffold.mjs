// Dry-runs a Berth software template the way the scaffolder does, with Backstage's own template
// engine (nunjitsu, which @backstage/plugin-scaffolder-common ships): each step's input is
// rendered against {parameters, steps} (a string that is one `${{ }}` keeps its native value),
// the fetch:template:file step renders its skeleton against its `values`; a step or link whose
// `if` renders falsy (the scaffolder's rule: false, undefined, null, "", 0, []) is left out.
// A publish step's outputs are fixed stand-ins (`commitHash`: FAKE_COMMIT below); fetch:template
// (a whole folder) is only listed, with its rendered input: the caller templates the folder.
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

const FAKE_COMMIT = '0123456789abcdef0123456789abcdef01234567';
const falsy = (v) => v === false || v === undefined || v === null || v === '' || v === 0 || (Array.isArray(v) && v.length === 0);
const skipped = (item, context) => item.if !== undefined && falsy(renderInput(item.if, context));

const { template, parameters, skeletons } = JSON.parse(fs.readFileSync(0, 'utf8'));
const steps = {};
const files = {};
const done = [];
for (const step of template.spec.steps) {
  if (skipped(step, { parameters, steps })) continue;
  const input = renderInput(step.input ?? {}, { parameters, steps });
  if (step.action === 'fetch:template:file') {
    const values = Object.fromEntries(Object.entries(input.values ?? {}).filter(([, v]) => v !== undefined));
    files[path.posix.normalize(input.targetPath)] = renderer.render(skeletons[input.url], { values });
  }
  steps[step.id] = step.action.startsWith('fetch:') ? { output: {} } : {
    output: step.action.endsWith('request')
      ? { remoteUrl: 'https://example.invalid/pr/1', mergeRequestUrl: 'https://example.invalid/mr/1' }
      : { remoteUrl: 'https://example.invalid/repo', commitHash: FAKE_COMMIT },
  };
  done.push({ id: step.id, action: step.action, input });
}
const links = renderInput(
  (template.spec.output?.links ?? []).filter((link) => !skipped(link, { parameters, steps })),
  { parameters, steps },
).map(({ if: _, ...link }) => link);
process.stdout.write(JSON.stringify({ files, steps: done, links }));
