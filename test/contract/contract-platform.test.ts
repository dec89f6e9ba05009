import { contractSuite } from './contract-suite';

// The API contract (schemathesis, all checks) for the system administrator and the operator; the other identities are in the other
// contract-*.test.ts files. One identity per distinct set of routes: the processing, result, clerk and fee
// officers reach the routes the receiving officer and the unit leader reach (the access test checks every
// route × every role).
contractSuite('platform', ['admin', 'vanhanh']);
