import { contractSuite } from './contract-suite';

// The API contract (schemathesis, all checks) for the unit leader and administrator, an agency's and a bank's integration accounts; the other identities are in the other
// contract-*.test.ts files. One identity per distinct set of routes: the processing, result, clerk and fee
// officers reach the routes the receiving officer and the unit leader reach (the access test checks every
// route × every role).
contractSuite('agency', ['lanhdao.hn', 'quantri.hn', 'client:stp-hanoi-system', 'client:nh-mot-doisoat']);
