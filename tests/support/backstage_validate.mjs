// Validates Backstage entities with Backstage's own code: the catalog's default entity policies
// (envelope, field formats, no foreign root fields, schema), then the validator of the entity's
// kind, scaffolder templates with @backstage/plugin-scaffolder-common's validator.
// Input on stdin: a JSON array of entities. Output on stdout: a JSON array, one
// {"ref": "...", "error": null | "..."} per entity. Exit 0 unless the input cannot be read.
// Usage: node backstage_validate.mjs <folder holding node_modules/@backstage/...>
import { createRequire } from 'node:module';
import path from 'node:path';
import fs from 'node:fs';

const require = createRequire(path.join(path.resolve(process.argv[2]), 'package.json'));
const model = require('@backstage/catalog-model');
const scaffolder = require('@backstage/plugin-scaffolder-common');

const policy = model.EntityPolicies.allOf([
  new model.DefaultNamespaceEntityPolicy(),
  new model.NoForeignRootFieldsEntityPolicy(),
  new model.FieldFormatEntityPolicy(),
  new model.SchemaValidEntityPolicy(),
]);
const validators = [
  model.apiEntityV1alpha1Validator,
  model.componentEntityV1alpha1Validator,
  model.domainEntityV1alpha1Validator,
  model.groupEntityV1alpha1Validator,
  model.locationEntityV1alpha1Validator,
  model.resourceEntityV1alpha1Validator,
  model.systemEntityV1alpha1Validator,
  model.userEntityV1alpha1Validator,
  scaffolder.templateEntityV1beta3Validator,
];

async function check(entity) {
  const out = await policy.enforce(entity);
  if (!out) throw new Error('rejected by the entity policies');
  // Each kind validator answers false for other kinds and throws on a bad entity of its kind.
  const results = await Promise.all(validators.map((v) => v.check(out)));
  if (!results.some(Boolean)) throw new Error(`no validator knows ${entity.apiVersion} ${entity.kind}`);
}

const entities = JSON.parse(fs.readFileSync(0, 'utf8'));
const report = [];
for (const entity of entities) {
  const ref = `${entity?.kind}:${entity?.metadata?.namespace ?? 'default'}/${entity?.metadata?.name}`;
  try {
    await check(entity);
    report.push({ ref, error: null });
  } catch (e) {
    report.push({ ref, error: String(e?.message ?? e) });
  }
}
process.stdout.write(JSON.stringify(report));
