// Compiles against the client generated from the OpenAPI document: every value is one the
// contract lists (tests/api/test_typed_client.py).
import type { components, paths } from "./api";

type Schemas = components["schemas"];
type CaseQuery = NonNullable<paths["/api/v1/supervision-cases"]["get"]["parameters"]["query"]>;

export const caseState: Schemas["CaseOut"]["state"] = "awaiting_feedback";
export const suggestionState: Schemas["SuggestionOut"]["state"] = "partially_adopted";
export const ratingState: Schemas["RatingOut"]["state"] = "upper_review";
export const filter: CaseQuery["state"] = "escalated";
export const evaluate: Schemas["Evaluate"] = { action: "evaluate", rating: "basically_satisfied" };
export const studio: Schemas["StudioCreate"] = {
  kind: "parlour",
  name: "委员会客厅",
  lat: 29.8,
  lon: 121.5,
  active: true,
};
export const role: Schemas["UserOut"]["role"] = "department";
