"""Every table, one module per aggregate: this package is the schema contract Alembic targets."""

from sqlmodel import SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

from app.models.batch_secret import BatchSecret  # noqa: E402
from app.models.draft import Draft  # noqa: E402
from app.models.geography import Intervention, Municipality  # noqa: E402
from app.models.questionnaire import QuestionnaireVersion  # noqa: E402
from app.models.response import Answer, Response, ResponseInbox  # noqa: E402
from app.models.results import (  # noqa: E402
    ApiToken,
    BiasCount,
    ClosedPeriod,
    ResultCount,
    SuppressionPattern,
)
from app.models.staff import (  # noqa: E402
    AuditEvent,
    LoginFailure,
    PasswordToken,
    StaffRole,
    StaffSession,
    StaffUser,
)
from app.models.token import Batch, Channel, Token, TokenState  # noqa: E402

__all__ = [
    "Answer",
    "ApiToken",
    "AuditEvent",
    "LoginFailure",
    "PasswordToken",
    "StaffRole",
    "StaffSession",
    "StaffUser",
    "Batch",
    "BatchSecret",
    "Channel",
    "ClosedPeriod",
    "Draft",
    "Intervention",
    "Municipality",
    "QuestionnaireVersion",
    "Response",
    "ResponseInbox",
    "ResultCount",
    "BiasCount",
    "SuppressionPattern",
    "Token",
    "TokenState",
]
