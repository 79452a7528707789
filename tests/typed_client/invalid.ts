// Must NOT compile: a state the supervision-case machine does not have
// (tests/api/test_typed_client.py).
import type { components } from "./api";

export const caseState: components["schemas"]["CaseOut"]["state"] = "no_such_state";
