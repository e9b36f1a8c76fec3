"""Database models, one module per aggregate. Importing this package registers them all."""

from app.models.api import (  # noqa: F401
    ApiClient,
    ApiToken,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from app.models.applications import (  # noqa: F401
    RUNNING_STATUSES,
    Application,
    ApplicationStatus,
    Attachment,
)
from app.models.audit import CaseEvent  # noqa: F401
from app.models.audit_trail import AuditChainHead, AuditRecord  # noqa: F401
from app.models.base import utcnow  # noqa: F401
from app.models.catalogue import (  # noqa: F401
    Holiday,
    ProcessVersion,
    Service,
    ServiceVersion,
    TaskForm,
)
from app.models.companies import AgentAuthorisation, Company  # noqa: F401
from app.models.ecertificates import ECertificate  # noqa: F401
from app.models.jobs import Job, JobStatus, SchedulerRound  # noqa: F401
from app.models.materials import MaterialSubstitute  # noqa: F401
from app.models.notices import Notice  # noqa: F401
from app.models.notifications import DeliveryStatus, Notification, NotificationDelivery  # noqa: F401
from app.models.ratings import Rating  # noqa: F401
from app.models.rollups import (  # noqa: F401
    CaseRollup,
    DurationRollup,
    StepDurationRollup,
    StepRollup,
    TaskRollup,
)
from app.models.users import Department, LoginThrottle, Role, User  # noqa: F401
from app.models.workflow import HumanTask, Incident, TaskStatus, WorkflowInstance  # noqa: F401
from app.models.workspace import CaseNote, SavedFilter  # noqa: F401
