// Validates compiled n8n workflow files with n8n's official `@n8n/workflow-sdk`:
// `validateWorkflow(json, { strictMode: true })` on each file. Prints every error and every
// warning (including the ones the SDK marks `informational`, such as DISCONNECTED_NODE) as
// `SEVERITY CODE FILE [NODE]: MESSAGE`, and exits 1 if there is any.
//
// Usage: node tests/n8n/validate.mjs SDK_DIR [--n8n NODE_MODULES --definitions DIR] FILE.json...
//
// SDK_DIR is the npm prefix the SDK is installed into (see tests/n8n/validate.sh).
//
// Without `--n8n`, the SDK checks the graph only: it has no node type descriptions, so it checks
// no node parameter. With `--n8n NODE_MODULES` (an installed n8n's node_modules), the node
// descriptions of that n8n (`n8n-nodes-base` and `@n8n/n8n-nodes-langchain`, their
// `dist/types/nodes.json`) are given to the validator the way n8n's workflow builder does it:
// the SDK's own generator turns them into parameter schemas in DIR (once; it skips the work when
// they are up to date), and a node-types provider built from them lets the SDK check versions,
// input and output indices, and sub-node wiring.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const EXPECTED_VERSION = '0.34.0';
const NODE_PACKAGES = ['n8n-nodes-base', '@n8n/n8n-nodes-langchain'];

function usage() {
  console.error('usage: node tests/n8n/validate.mjs SDK_DIR [--n8n NODE_MODULES --definitions DIR] FILE.json...');
  process.exit(2);
}

const args = process.argv.slice(2);
const sdkDir = args.shift();
let n8nModules;
let definitionsDir;
while (args[0] === '--n8n' || args[0] === '--definitions') {
  const flag = args.shift();
  const value = args.shift();
  if (value === undefined) usage();
  if (flag === '--n8n') n8nModules = value;
  else definitionsDir = value;
}
if (!sdkDir || args.length === 0 || (n8nModules === undefined) !== (definitionsDir === undefined)) {
  usage();
}
const files = args;

const sdkRequire = createRequire(join(sdkDir, 'package.json'));
const version = sdkRequire('@n8n/workflow-sdk/package.json').version;
if (version !== EXPECTED_VERSION) {
  console.error(`error: @n8n/workflow-sdk ${version} in ${sdkDir}, expected ${EXPECTED_VERSION}`);
  process.exit(2);
}
const sdk = sdkRequire('@n8n/workflow-sdk');
const options = { strictMode: true };

// Node type descriptions of the installed n8n, by full type name (`n8n-nodes-base.set`).
const descriptions = new Map();
if (n8nModules !== undefined) {
  // The SDK's own module, so that its `instanceof NodeVersionNotFoundError` holds.
  const { NodeVersionNotFoundError } = createRequire(
    sdkRequire.resolve('@n8n/workflow-sdk/package.json'),
  )('n8n-workflow');
  const { generateNodeDefinitions } = sdkRequire(
    '@n8n/workflow-sdk/dist/generate-types/generate-node-defs-cli',
  );
  const schemaDirs = [];
  for (const pkg of NODE_PACKAGES) {
    const nodesJsonPath = join(n8nModules, pkg, 'dist', 'types', 'nodes.json');
    const outputDir = join(definitionsDir, pkg.replace('/', '__'));
    const log = console.log;
    console.log = () => {}; // the generator's progress lines
    try {
      await generateNodeDefinitions({ nodesJsonPath, outputDir, packageName: pkg });
    } finally {
      console.log = log;
    }
    schemaDirs.push(outputDir);
    for (const description of JSON.parse(readFileSync(nodesJsonPath, 'utf8'))) {
      const name = description.name.includes('.') ? description.name : `${pkg}.${description.name}`;
      if (!descriptions.has(name)) descriptions.set(name, []);
      descriptions.get(name).push(description);
    }
  }
  sdk.setSchemaBaseDirs(schemaDirs);
  const versionsOf = (d) => (Array.isArray(d.version) ? d.version : [d.version]);
  options.nodeTypesProvider = {
    getKnownTypes: () => Object.fromEntries([...descriptions.keys()].map((name) => [name, {}])),
    getByName: (type) => {
      const all = descriptions.get(type);
      return all === undefined ? undefined : { description: all[0] };
    },
    getByNameAndVersion: (type, typeVersion) => {
      const all = descriptions.get(type);
      if (all === undefined) return undefined; // reported below as UNKNOWN_NODE_TYPE
      const wanted = typeVersion ?? Math.max(...all.flatMap(versionsOf));
      const description = all.find((d) => versionsOf(d).includes(wanted));
      if (description === undefined) {
        throw new NodeVersionNotFoundError(type, wanted, all.flatMap(versionsOf).sort((a, b) => a - b));
      }
      return { description };
    },
  };
  // The SDK silently skips a node whose schema does not load: prove that the schemas and the
  // provider are in use, on a workflow with one wrong parameter and one wrong version.
  const probe = sdk.validateWorkflow(
    {
      nodes: [
        { name: 'start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, parameters: {} },
        { name: 'set', type: 'n8n-nodes-base.set', typeVersion: 3.4, parameters: { mode: 42 } },
        { name: 'noop', type: 'n8n-nodes-base.noOp', typeVersion: 99, parameters: {} },
      ],
      connections: {
        start: { main: [[{ node: 'set', type: 'main', index: 0 }]] },
        set: { main: [[{ node: 'noop', type: 'main', index: 0 }]] },
      },
    },
    options,
  );
  const codes = probe.warnings.map((w) => w.code).sort().join(',');
  if (codes !== 'INVALID_PARAMETER,UNKNOWN_NODE_VERSION') {
    console.error(`error: the node descriptions did not load into the validator (probe gave [${codes}])`);
    process.exit(2);
  }
}

let issues = 0;
function report(severity, code, file, node, path, message) {
  const at = node === undefined ? '' : ` [${node}]`;
  const where = path === undefined ? '' : ` (${path})`;
  console.log(`${severity} ${code} ${file}${at}${where}: ${message}`);
  issues++;
}

for (const file of files) {
  let json;
  let result;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
    result = sdk.validateWorkflow(json, options);
  } catch (e) {
    report('error', 'EXCEPTION', file, undefined, undefined, `the validator could not check this file: ${e.message}`);
    continue;
  }
  for (const issue of [...result.errors, ...result.warnings]) {
    report(issue.severity, issue.code, file, issue.nodeName, issue.parameterPath ?? issue.parameterName, issue.message);
  }
  if (!result.valid && result.errors.length === 0) {
    report('error', 'INVALID', file, undefined, undefined, 'the validator says invalid without naming an error');
  }
  // The SDK skips node types its provider does not know; n8n would refuse to import them.
  if (n8nModules !== undefined) {
    for (const node of json.nodes ?? []) {
      if (!descriptions.has(node.type)) {
        report('error', 'UNKNOWN_NODE_TYPE', file, node.name, undefined, `this n8n has no node type \`${node.type}\` (handoff's check, not the SDK's)`);
      }
    }
  }
}
const mode = n8nModules === undefined ? 'graph only' : `with the node descriptions of ${n8nModules}`;
if (issues > 0) {
  console.error(`error: @n8n/workflow-sdk ${version} (strict, ${mode}) reported ${issues} issue(s) in ${files.length} file(s)`);
  process.exit(1);
}
console.log(`@n8n/workflow-sdk ${version} (strict, ${mode}): ${files.length} files, no errors, no warnings`);
