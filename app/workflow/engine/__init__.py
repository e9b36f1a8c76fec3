"""Pure SpiffWorkflow engine layer (no Flask, no SQLAlchemy): deploy, run, sandbox, persist.

bundle = deploy_bundle(files, departments=..., forms=..., operators=registry.names())
handle = WorkflowHandle.start(bundle.spec_json, data, operators=registry)
state = handle.dump_state()        # store; later WorkflowHandle.load(spec_json, state, ...)
"""

from . import diagram_summary
from .deploy import SpecBundle, content_hash, deploy_bundle
from .errors import (
    DeployError,
    EngineError,
    EngineFailure,
    OperatorError,
    ScriptError,
    StepBudgetExceeded,
    ValidationIssue,
)
from .handle import ReadyTask, ServiceCall, TaskNotFound, WorkflowHandle, migrate_state
from .juel import JuelError, translate_juel
from .migration import MigrationPlan, MigrationRefused
from .model_info import TimerInfo, UserTaskInfo
from .operators import Operator, OperatorRegistry
from .parsing import XmlRefused
from .sandbox import ScriptRunner, default_runner

__all__ = [
    "diagram_summary",
    "deploy_bundle",
    "DeployError",
    "ValidationIssue",
    "SpecBundle",
    "WorkflowHandle",
    "OperatorRegistry",
    "Operator",
    "OperatorError",
    "ScriptError",
    "EngineError",
    "EngineFailure",
    "StepBudgetExceeded",
    "ReadyTask",
    "ServiceCall",
    "TaskNotFound",
    "UserTaskInfo",
    "TimerInfo",
    "content_hash",
    "translate_juel",
    "JuelError",
    "ScriptRunner",
    "default_runner",
    "MigrationRefused",
    "MigrationPlan",
    "migrate_state",
    "XmlRefused",
]
