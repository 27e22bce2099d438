"""AWS errors sorted once into transient (retry) and permanent (fail with a fix)."""

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from engines.provisioning.steps import PermanentError, StepError, TransientError
from engines.providers.kube.errors import classify as classify_kubernetes

TRANSIENT_CODES = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "TooManyRequestsException",
    "SlowDown",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "InternalError",
    "InternalFailure",
    "InternalServerError",
    "ServerException",
    "RequestTimeout",
    "RequestTimeoutException",
    "PriorRequestNotComplete",
    "ConcurrentModification",
    "ConcurrentModificationException",
    "OperationInProgress",
    "IncorrectState",
    "DependencyViolation",
    "ResourceInUseException",
    # EFS: mount targets still being deleted, or a file system or mount target not yet available.
    "FileSystemInUse",
    "IncorrectFileSystemLifeCycleState",
    "IncorrectMountTargetState",
}
ACCESS_CODES = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "AuthorizationError",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "ExpiredToken",
}
QUOTA_CODES = {
    "LimitExceeded",
    "LimitExceededException",
    "VpcLimitExceeded",
    "ResourceLimitExceeded",
    "AddressLimitExceeded",
    "InternetGatewayLimitExceeded",
    "RouteTableLimitExceeded",
    "ServiceQuotaExceededException",
    "VcpuLimitExceeded",
}
NETWORK_ERRORS = (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ConnectionClosedError)


def classify(error: Exception) -> StepError | None:
    """Return the portal error for an AWS SDK error (or a Kubernetes API error of a cluster), or None."""
    kubernetes_error = classify_kubernetes(error)
    if kubernetes_error is not None:
        return kubernetes_error
    if isinstance(error, NETWORK_ERRORS):
        return TransientError(f"Cannot reach AWS: {error}", code=type(error).__name__)
    if not isinstance(error, ClientError):
        return None

    code = error.response.get("Error", {}).get("Code", "Unknown")
    message = error.response.get("Error", {}).get("Message", "")
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    text = f"{error.operation_name} returned {code}: {message}"

    if code in TRANSIENT_CODES or status >= 500 or _is_new_role_not_yet_usable(code, message):
        return TransientError(text, code=code)
    # moto's JSON services return a denial as status 403 with an XML body, so without an error code.
    if code in ACCESS_CODES or (status == 403 and code == "403"):
        return PermanentError(
            text,
            code=code,
            fix="The customer role lacks a permission the portal needs. Deploy the policy from the cloud "
            "account page again (or its CloudFormation template), then run pre-flight and retry.",
        )
    if code in QUOTA_CODES:
        return PermanentError(
            text,
            code=code,
            fix="An AWS quota is reached in this account and region. Request an increase in the Service "
            "Quotas console, or free capacity, then retry.",
        )
    return PermanentError(text, code=code, fix="Correct the cause named in the message, then retry.")


def _is_new_role_not_yet_usable(code: str, message: str) -> bool:
    """IAM is eventually consistent: a role created seconds ago can be refused by EKS as not assumable."""
    lowered = message.lower()
    return code == "InvalidParameterException" and "role" in lowered and (
        "assume" in lowered or "cannot be found" in lowered or "does not exist" in lowered
    )


def error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")
