// Prints a CTX.json ({url: contextDocument}) built from the JSON-LD contexts
// that ship inside the installed npm packages (credentials v1/v2,
// data-integrity v1/v2, multikey v1). Nothing is fetched.
// usage: node contexts-from-npm.mjs > CTX.json
import {contexts as credentialsContexts} from
  '@digitalbazaar/credentials-context';
import dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import multikeyContext from '@digitalbazaar/multikey-context';

const all = new Map([
  ...credentialsContexts,
  ...dataIntegrityContext.contexts,
  ...multikeyContext.contexts
]);
process.stdout.write(JSON.stringify(Object.fromEntries(all), null, 2) + '\n');
