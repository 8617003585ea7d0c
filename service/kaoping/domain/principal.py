"""Who is calling. The gRPC layer turns a bearer token into a Principal; use cases
take it as an argument and apply the data-scoped checks (a scorer's categories, a
village's own records) that a per-method role table cannot express."""
from __future__ import annotations

from dataclasses import dataclass

SCORER_ROLES = ("main_leader", "contact_leader", "station", "resident_cadre")
ROLES = ("admin", *SCORER_ROLES, "system", "village", "reader")


@dataclass(frozen=True)
class Principal:
    name: str
    role: str
    scorer_id: str = ""            # scorer roles: the registry scorer this caller is
    village_id: str = ""           # village role: the one village it may read and answer for
    categories: tuple[str, ...] = ()  # system role: the categories it may submit
    token_id: int | None = None    # the API token it authenticated with; None in-process

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


# In-process callers (server-side tools, tests of the use cases) act as this admin;
# every RPC passes the Principal the interceptor authenticated instead.
INTERNAL = Principal("internal", "admin")

# Used only when the server is started with --insecure-dev: every call acts as admin.
INSECURE_DEV = Principal("insecure-dev", "admin")
