"""A Kubernetes API client for one cluster, on the official `kubernetes` package.

Requests go through `kubernetes.client.ApiClient.call_api`, so TLS, the CA bundle and
timeouts are the official client's. The bearer token comes from a token source and is
set on every request. When the API server answers 401, the client renews the token and
retries that request once; a second 401 is raised.
"""

import json
import logging
from urllib.parse import urlencode

from kubernetes.client import ApiClient, Configuration
from kubernetes.client.exceptions import ApiException

from engines.providers.kube.resources import manifest_path, resource_path

logger = logging.getLogger(__name__)

FIELD_MANAGER = "aichor-portal"
APPLY_PATCH = "application/apply-patch+yaml"
# (connect, read) timeouts in seconds: a step never waits long on an unresponsive API server.
REQUEST_TIMEOUT = (10, 30)


class KubeClient:
    """get, list, apply and delete on one cluster, with token renewal on 401."""

    def __init__(self, host: str, token_source, *, ca_data: str | None = None, label: str = ""):
        configuration = Configuration(host=host.rstrip("/"), ca_cert_data=ca_data)
        # The typed APIs (CoreV1Api and the like) read the token from here before each request.
        configuration.api_key = {"authorization": ""}
        configuration.api_key_prefix = {"authorization": "Bearer"}
        configuration.refresh_api_key_hook = self._refresh_api_key
        self.configuration = configuration
        self.api_client = ApiClient(configuration)
        self.token_source = token_source
        self.label = label or host

    def _refresh_api_key(self, configuration) -> None:
        configuration.api_key["authorization"] = self.token_source.token()

    def request(self, method: str, path: str, *, body=None, content_type: str = "application/json",
                query: dict | None = None) -> dict | None:
        """Send one request and return the decoded JSON body; raise ApiException on an error status."""
        url = self.configuration.host + path
        if query:
            url += "?" + urlencode({key: value for key, value in query.items() if value is not None})
        for attempt in (1, 2):
            headers = {"Accept": "application/json", "Authorization": f"Bearer {self.token_source.token()}"}
            if body is not None or method in ("POST", "PUT", "PATCH"):
                headers["Content-Type"] = content_type
            response = self.api_client.call_api(method, url, header_params=headers, body=body,
                                                _request_timeout=REQUEST_TIMEOUT)
            response.read()
            if response.status == 401 and attempt == 1:
                logger.info("cluster=%s rejected the bearer token; renewing it and retrying once", self.label)
                self.token_source.invalidate()
                continue
            if response.status >= 400:
                text = response.data.decode("utf-8", "replace") if response.data else ""
                raise ApiException.from_response(http_resp=response, body=text, data=None)
            return json.loads(response.data) if response.data else None
        raise AssertionError("unreachable")

    def get(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> dict | None:
        """Return one object, or None when it does not exist."""
        try:
            return self.request("GET", resource_path(api_version, kind, name=name, namespace=namespace))
        except ApiException as error:
            if error.status == 404:
                return None
            raise

    def list(self, api_version: str, kind: str, namespace: str | None = None, *,
             label_selector: str | None = None) -> list[dict]:
        """Return the objects of a kind, in one namespace or in all of them."""
        document = self.request("GET", resource_path(api_version, kind, namespace=namespace),
                                query={"labelSelector": label_selector})
        return document.get("items", [])

    def apply(self, manifest: dict, *, field_manager: str = FIELD_MANAGER) -> dict:
        """Server-side apply a manifest, taking over fields other managers own, and return the object."""
        return self.request("PATCH", manifest_path(manifest), body=manifest, content_type=APPLY_PATCH,
                            query={"fieldManager": field_manager, "force": "true"})

    def delete(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> bool:
        """Delete one object and its dependents in the background; return False when it was already absent."""
        try:
            self.request("DELETE", resource_path(api_version, kind, name=name, namespace=namespace),
                         body={"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"})
        except ApiException as error:
            if error.status == 404:
                return False
            raise
        return True

    def close(self) -> None:
        self.api_client.close()
