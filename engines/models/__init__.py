from engines.models.cloud_accounts import CloudAccount
from engines.models.engines import Engine, EngineResource
from engines.models.operations import Operation, OperationLogLine, OperationStep

__all__ = ["CloudAccount", "Engine", "EngineResource", "Operation", "OperationLogLine", "OperationStep"]
