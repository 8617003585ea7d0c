"""Who is calling, and how far they reach. The gRPC layer turns a bearer token into a
Principal; use cases take it as an argument and apply the data-scoped checks (a
township's records, a scorer's categories, a village's own records) that a
per-method role table cannot express.

Reach (README "Townships and roles"): a token bound to a township sees and changes
only that township; county_admin and county_reader span every township of their
county; a token bound to neither (issued on the server host) spans the deployment.
"""
from __future__ import annotations

from dataclasses import dataclass

SCORER_ROLES = ("main_leader", "contact_leader", "station", "resident_cadre")
COUNTY_ROLES = ("county_admin", "county_reader")
ROLES = ("admin", *SCORER_ROLES, "system", "village", "reader", *COUNTY_ROLES)
ADMIN_ROLES = ("admin", "county_admin")      # may write in the townships they reach
PAYING_ROLES = ADMIN_ROLES                   # may see ID numbers and bank accounts


@dataclass(frozen=True)
class Principal:
    name: str
    role: str
    scorer_id: str = ""            # scorer roles: the registry scorer this caller is
    village_id: str = ""           # village role: the one village it may read and answer for
    categories: tuple[str, ...] = ()  # system role: the categories it may submit
    token_id: int | None = None    # the API token it authenticated with; None in-process
    township_id: str = ""          # the one township it reaches; "" for county or deployment
    county: str = ""               # county roles: the county whose townships it reaches

    @property
    def is_admin(self) -> bool:
        """An administrator of the townships it reaches."""
        return self.role in ADMIN_ROLES

    @property
    def is_deployment_admin(self) -> bool:
        return self.role == "admin" and not self.township_id and not self.county

    @property
    def sees_personal(self) -> bool:
        """May read officials' ID numbers and bank accounts (the pay list's)."""
        return self.role in PAYING_ROLES

    def reaches(self, township_id: str, county: str) -> bool:
        """Whether this caller's reach covers the township (id, county)."""
        if self.township_id:
            return township_id == self.township_id
        if self.county:
            return county == self.county
        return True

    @property
    def scope_text(self) -> str:
        if self.township_id:
            return f"township {self.township_id!r}"
        if self.county:
            return f"county {self.county!r}"
        return "the deployment"


# In-process callers (server-side tools, tests of the use cases) act as this admin;
# every RPC passes the Principal the interceptor authenticated instead.
INTERNAL = Principal("internal", "admin")

# Used only when the server is started with --insecure-dev: every call acts as admin.
INSECURE_DEV = Principal("insecure-dev", "admin")
