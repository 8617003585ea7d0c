"""Which roles may call which RPC. One table, enforced in one interceptor
(kaoping.api.auth); data-scoped checks (own categories, own village) are in the
use cases. Methods not listed are refused, so a new RPC is closed until added here."""
from __future__ import annotations

from kaoping.domain.principal import ADMIN_ROLES, ROLES, SCORER_ROLES

ADMIN = ADMIN_ROLES   # of the townships they reach (kaoping.usecases.townships checks the reach)
SUBMITTERS = (*ADMIN_ROLES, *SCORER_ROLES, "system")
VILLAGE = ("village",)  # answers only for its own village (checked in the use case)
# the village, or the township office entering what it signed on paper: an administrator
# only with on_behalf, within its reach (kaoping.usecases.workflow.base._answering)
VILLAGE_OR_OFFICE = ("village", *ADMIN_ROLES)
READERS = ROLES  # everyone authenticated may read; the village role is scoped to its village
REFLECTION = ("/grpc.reflection.v1alpha.ServerReflection/", "/grpc.reflection.v1.ServerReflection/")
OPEN = ("/grpc.health.v1.Health/", *REFLECTION)   # reflection: unless --reflection-requires-token

POLICY: dict[str, tuple[str, ...]] = {
    "/kaoping.v1.FactService/SubmitFact": SUBMITTERS,
    "/kaoping.v1.FactService/SubmitFacts": SUBMITTERS,
    "/kaoping.v1.FactService/StreamFacts": SUBMITTERS,
    "/kaoping.v1.FactService/CorrectFact": SUBMITTERS,
    "/kaoping.v1.FactService/ListFacts": READERS,
    "/kaoping.v1.EvaluationService/GetMonthlyScores": READERS,
    "/kaoping.v1.EvaluationService/GetRanking": READERS,
    "/kaoping.v1.EvaluationService/GetFeedbackNotice": READERS,
    "/kaoping.v1.EvaluationService/ExplainScore": READERS,
    "/kaoping.v1.EvaluationService/WatchScores": READERS,   # a village: its own village only
    "/kaoping.v1.RuleSetService/ValidateRuleSet": ADMIN,
    "/kaoping.v1.RuleSetService/UploadRuleSet": ADMIN,
    "/kaoping.v1.RuleSetService/ActivateRuleSet": ADMIN,
    "/kaoping.v1.RuleSetService/RollbackRuleSet": ADMIN,
    "/kaoping.v1.RuleSetService/ListRuleSets": ADMIN,
    "/kaoping.v1.RuleSetService/DryRunRuleSet": ADMIN,
    "/kaoping.v1.RuleSetService/GetActiveRuleSet": READERS,
    "/kaoping.v1.RuleSetService/PublishTemplate": ADMIN,
    "/kaoping.v1.RuleSetService/GetTemplate": READERS,
    "/kaoping.v1.RegistryService/CreateTownship": ADMIN,
    "/kaoping.v1.RegistryService/UpdateTownship": ADMIN,
    "/kaoping.v1.RegistryService/ListTownships": READERS,
    "/kaoping.v1.RegistryService/GetTownship": READERS,
    "/kaoping.v1.RegistryService/ListVillages": READERS,
    "/kaoping.v1.RegistryService/ListOfficials": READERS,
    "/kaoping.v1.RegistryService/ListScorers": READERS,
    "/kaoping.v1.RegistryService/ListRosterEntries": READERS,   # a village: its own officials
    "/kaoping.v1.RegistryService/PutVillage": ADMIN,
    "/kaoping.v1.RegistryService/PutOfficial": ADMIN,
    "/kaoping.v1.RegistryService/PutScorer": ADMIN,
    "/kaoping.v1.RegistryService/ImportRoster": ADMIN,
    "/kaoping.v1.RegistryService/ListRosterEntries": READERS,
    # Workflow: the same roles as kaoping.domain.workflow.ACTIONS (the use cases check too).
    "/kaoping.v1.WorkflowService/GetMonthState": READERS,
    "/kaoping.v1.WorkflowService/Aggregate": ADMIN,
    "/kaoping.v1.WorkflowService/Reopen": ADMIN,
    "/kaoping.v1.WorkflowService/Approve": ADMIN,
    "/kaoping.v1.WorkflowService/Confirm": VILLAGE_OR_OFFICE,
    "/kaoping.v1.WorkflowService/Appeal": VILLAGE_OR_OFFICE,
    "/kaoping.v1.WorkflowService/ResolveAppeal": ADMIN,
    "/kaoping.v1.WorkflowService/ListAppeals": READERS,
    "/kaoping.v1.WorkflowService/Publish": ADMIN,
    "/kaoping.v1.WorkflowService/MarkPaid": ADMIN,
    "/kaoping.v1.WorkflowService/GetVillageFeedback": READERS,
    "/kaoping.v1.WorkflowService/GetPublicNotice": READERS,
    "/kaoping.v1.WorkflowService/GetYearToDateRanking": READERS,
    "/kaoping.v1.WorkflowService/GetYearEnd": READERS,
    "/kaoping.v1.WorkflowService/GetPayList": READERS,
    # The year-end workflow: admins move a year (kaoping.domain.yearflow checks too).
    "/kaoping.v1.YearEndService/GetYearState": READERS,
    "/kaoping.v1.YearEndService/AggregateYear": ADMIN,
    "/kaoping.v1.YearEndService/ReopenYear": ADMIN,
    "/kaoping.v1.YearEndService/ApproveYear": ADMIN,
    "/kaoping.v1.YearEndService/PublishYear": ADMIN,
    "/kaoping.v1.YearEndService/RecordYearPayout": ADMIN,
    "/kaoping.v1.YearEndService/CloseYear": ADMIN,
    # Rectification (整改): admins of the township write; a village reads its own items.
    "/kaoping.v1.RectificationService/RecordRectification": ADMIN,
    "/kaoping.v1.RectificationService/ReportProgress": ADMIN,
    "/kaoping.v1.RectificationService/CloseRectification": ADMIN,
    "/kaoping.v1.RectificationService/GetRectification": READERS,
    "/kaoping.v1.RectificationService/ListRectifications": READERS,
    "/kaoping.v1.AuditService/ListAuditEntries": ADMIN,
    # Tokens within the caller's reach (kaoping.usecases.token_reach).
    "/kaoping.v1.TokenService/IssueToken": ("admin", "county_admin"),
    "/kaoping.v1.TokenService/RevokeToken": ("admin", "county_admin"),
    "/kaoping.v1.TokenService/ListTokens": ("admin", "county_admin"),
}


def is_open(method: str) -> bool:
    return method.startswith(OPEN)


def is_reflection(method: str) -> bool:
    return method.startswith(REFLECTION)


def allowed(method: str, role: str) -> bool:
    if is_reflection(method):   # when it asks for a token, any authenticated role may use it
        return role in ROLES
    return role in POLICY.get(method, ())
