"""Every model, imported once so that Base.metadata (alembic's target) knows all tables."""

from app.auth.models import ApiToken, AuthEvent, Role, User, UserDistrict
from app.core.db import Base
from app.districts.models import District, DistrictLevel
from app.indicators.models import Indicator
from app.reports.models import ReportEdition
from app.submissions.models import DataSource, SourceFormat, Submission, SubmissionStatus
from app.values.models import Activity, ActivityKind, MonthlyValue, MonthReport, ValueHistory, YearlyValue

__all__ = [
    "Activity",
    "ActivityKind",
    "ApiToken",
    "AuthEvent",
    "Base",
    "DataSource",
    "District",
    "DistrictLevel",
    "Indicator",
    "MonthReport",
    "MonthlyValue",
    "ReportEdition",
    "Role",
    "SourceFormat",
    "Submission",
    "SubmissionStatus",
    "User",
    "UserDistrict",
    "ValueHistory",
    "YearlyValue",
]
