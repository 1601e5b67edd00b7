"""The four staff roles and the rules for combining them."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    admin = "admin"  # regional coordinator: everything but individual answers (nobody sees those)
    ambassador = "ambassador"  # issues tokens for assigned municipalities (and interventions)
    analyst = "analyst"  # results of the assigned municipalities
    regional_analyst = "regional_analyst"  # results of the whole region


MUNICIPAL_ROLES = frozenset({Role.ambassador, Role.analyst})
REGIONAL_ROLES = frozenset({Role.admin, Role.regional_analyst})
# Separation of duties against n-1 attacks (ANONYMITY.md R21): never both for one municipality.
CONFLICTS = {Role.ambassador: Role.analyst, Role.analyst: Role.ambassador}
