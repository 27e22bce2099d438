"""EKS behaviour that moto 5.2.5 lacks: a creation time, and an endpoint and issuer per cluster.

moto reports a new EKS cluster ACTIVE at once, while AWS takes 10 to 15 minutes. With a
delay set, the sandbox reports each cluster CREATING until that many seconds after its
CreateCluster call, so that waiting steps and benchmarks meet a realistic wait.

moto also draws one API endpoint and one OIDC issuer per process and gives them to every
cluster, so two engines would share (and one's teardown would delete) an OIDC provider.
The sandbox gives each cluster its own, as AWS does.
"""

import json
import re
import threading
import time

from werkzeug.wrappers import Response

_EKS_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/eks/aws4_request")
_CLUSTER_PATH = re.compile(r"^/clusters(?:/([^/]+))?/?$")


class EksCreationDelay:
    """A rewriter of moto's EKS responses, so that a new cluster stays CREATING for `seconds`."""

    def __init__(self, seconds: float = 0.0):
        self.seconds = seconds
        self._created: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        """Forget the clusters created so far (the delay itself stays set)."""
        with self._lock:
            self._created.clear()

    def handles(self, environ) -> bool:
        """Tell whether a request is an EKS cluster call that this delay may rewrite."""
        if self.seconds <= 0:
            return False
        return bool(_EKS_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))) and bool(
            _CLUSTER_PATH.match(environ.get("PATH_INFO", ""))
        )

    def __call__(self, moto_app, environ, start_response):
        region = _EKS_SCOPE.search(environ["HTTP_AUTHORIZATION"]).group(1)
        method = environ["REQUEST_METHOD"]
        response = Response.from_app(moto_app, environ)
        if response.status_code != 200 or not response.is_json:
            return response(environ, start_response)

        body = json.loads(response.get_data())
        cluster = body.get("cluster")
        if isinstance(cluster, dict) and cluster.get("name"):
            key = (region, cluster["name"])
            now = time.monotonic()
            with self._lock:
                if method == "POST":
                    self._created[key] = now
                elif method == "DELETE":
                    self._created.pop(key, None)
                started = self._created.get(key)
            if started is not None and now - started < self.seconds and cluster.get("status") == "ACTIVE":
                cluster["status"] = "CREATING"
                response.set_data(json.dumps(body))
        return response(environ, start_response)


def give_each_cluster_its_own_identity() -> None:
    """Make moto draw a new API endpoint and OIDC issuer for each EKS cluster it creates."""
    from moto.eks import models
    from moto.moto_api._internal import mock_random as random

    if getattr(models.Cluster, "_aichor_patched", False):
        return
    original_init = models.Cluster.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        region = self.arn.split(":")[3]
        self.identity = {"oidc": {"issuer": f"https://oidc.eks.{region}.amazonaws.com/id/"
                                            f"{random.get_random_string(length=32).upper()}"}}
        self.endpoint = (f"https://{random.get_random_string(length=32).upper()}."
                         f"{random.get_random_string(length=3).lower()}.{region}.eks.amazonaws.com")

    models.Cluster.__init__ = init
    models.Cluster._aichor_patched = True
