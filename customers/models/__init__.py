# Each capability keeps its models in its own module; import them here so Django finds them.
from .followups import FollowUpReason, FollowUpTask  # noqa: F401
from .interactions import (  # noqa: F401
    CadenceRule,
    CalendarFeedToken,
    Interaction,
    InteractionChannel,
    Purpose,
    ReminderDelivery,
)
from .records import (  # noqa: F401
    CapitalSegment,
    Contract,
    Customer,
    CustomerCoServer,
    CustomerDocument,
    CustomerKind,
    Holding,
    InstitutionContact,
    InstitutionType,
    KYCProfile,
    MonthlyAggregate,
    Product,
    RiskAssessment,
    RiskClass,
    RiskLevel,
    Tier,
    VipLevel,
)
from .sales import *  # noqa: F401,F403  (issue 9: sales and service management)
from .transfers import CustomerImport, PiiExport, SavedFilter, StagedImport  # noqa: F401
