"""Database models, one module per aggregate. Importing this package registers them all."""
from app.models.base import utcnow  # noqa: F401
from app.models.users import Department, User, Role, LoginThrottle  # noqa: F401
from app.models.catalogue import Service, ProcessVersion, Holiday  # noqa: F401
from app.models.applications import Application, Attachment, ApplicationStatus  # noqa: F401
from app.models.workflow import WorkflowInstance, HumanTask, TaskStatus, Incident  # noqa: F401
from app.models.audit import CaseEvent  # noqa: F401
from app.models.jobs import Job, JobStatus  # noqa: F401
from app.models.ratings import Rating  # noqa: F401
from app.models.notifications import Notification, NotificationDelivery, DeliveryStatus  # noqa: F401
