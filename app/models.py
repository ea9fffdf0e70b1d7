"""Every model, imported once so that Base.metadata (alembic's target) knows all tables."""

from app.auth.models import ApiToken, AuthEvent, Role, SignInThrottle, User, UserDistrict, UserSession
from app.backfill.models import AnnualFigure, AnnualFigureHistory
from app.core.db import Base
from app.districts.models import District, DistrictLevel
from app.indicators.models import Indicator
from app.reports.models import ReportEdition
from app.reviews.models import Reminder, ReviewAction, ReviewEvent
from app.submissions.models import DataSource, SourceFormat, Submission, SubmissionStatus
from app.values.models import (
    Activity,
    ActivityKind,
    MonthlyValue,
    MonthReport,
    ReviewStatus,
    ValueHistory,
    YearlyValue,
)

__all__ = [
    "Activity",
    "ActivityKind",
    "AnnualFigure",
    "AnnualFigureHistory",
    "ApiToken",
    "AuthEvent",
    "Base",
    "DataSource",
    "District",
    "DistrictLevel",
    "Indicator",
    "MonthReport",
    "MonthlyValue",
    "Reminder",
    "ReportEdition",
    "ReviewAction",
    "ReviewEvent",
    "ReviewStatus",
    "Role",
    "SignInThrottle",
    "SourceFormat",
    "Submission",
    "SubmissionStatus",
    "User",
    "UserDistrict",
    "UserSession",
    "ValueHistory",
    "YearlyValue",
]
