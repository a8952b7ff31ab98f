// Validates compiled n8n workflow files with n8n's official `@n8n/workflow-sdk`:
// `validateWorkflow(json, { strictMode: true })` on each file. Prints every error and every
// warning (including the ones the SDK marks `informational`, such as DISCONNECTED_NODE) as
// `SEVERITY CODE FILE [NODE]: MESSAGE`, and exits 1 if there is any.
//
// Usage: node tests/n8n/validate.mjs SDK_DIR FILE.json...
// SDK_DIR is the npm prefix the SDK is installed into (see tests/n8n/validate.sh).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const EXPECTED_VERSION = '0.34.0';
const [sdkDir, ...files] = process.argv.slice(2);
if (!sdkDir || files.length === 0) {
  console.error('usage: node tests/n8n/validate.mjs SDK_DIR FILE.json...');
  process.exit(2);
}
const require = createRequire(join(sdkDir, 'package.json'));
const version = require('@n8n/workflow-sdk/package.json').version;
if (version !== EXPECTED_VERSION) {
  console.error(`error: @n8n/workflow-sdk ${version} in ${sdkDir}, expected ${EXPECTED_VERSION}`);
  process.exit(2);
}
const { validateWorkflow } = require('@n8n/workflow-sdk');

let issues = 0;
for (const file of files) {
  let result;
  try {
    result = validateWorkflow(JSON.parse(readFileSync(file, 'utf8')), { strictMode: true });
  } catch (e) {
    console.log(`error EXCEPTION ${file}: the validator could not check this file: ${e.message}`);
    issues++;
    continue;
  }
  for (const issue of [...result.errors, ...result.warnings]) {
    const node = issue.nodeName === undefined ? '' : ` [${issue.nodeName}]`;
    const path = issue.parameterPath ?? issue.parameterName;
    const where = path === undefined ? '' : ` (${path})`;
    console.log(`${issue.severity} ${issue.code} ${file}${node}${where}: ${issue.message}`);
    issues++;
  }
  if (!result.valid && result.errors.length === 0) {
    console.log(`error INVALID ${file}: the validator says invalid without naming an error`);
    issues++;
  }
}
if (issues > 0) {
  console.error(`error: @n8n/workflow-sdk ${version} reported ${issues} issue(s) in ${files.length} file(s)`);
  process.exit(1);
}
console.log(`n8n workflow-sdk ${version}: ${files.length} files valid (strict), no errors, no warnings`);
