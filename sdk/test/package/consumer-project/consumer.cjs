// The package from CommonJS: Node 20.19+ loads the ESM package through require(esm).
const sdk = require('@keysync/sdk');

console.log(`cjs: ${Object.keys(sdk).length} exports, normalizeKey -> ${sdk.normalizeKey(' cust-7 ')}, SDK ${sdk.SDK_VERSION}`);
