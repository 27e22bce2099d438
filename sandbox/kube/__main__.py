"""Run the Kubernetes sandbox on 127.0.0.1: `python -m sandbox.kube --port 8443 --cluster demo`."""

from __future__ import annotations

import argparse
import logging
import signal

from .manifests import karpenter_crds
from .server import KubeSandbox


def main(argv: list[str] | None = None) -> None:
    """Parse the command line, register the named clusters and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m sandbox.kube", description=__doc__)
    parser.add_argument("--port", type=int, default=8443, help="TCP port on 127.0.0.1 (0 picks a free port)")
    parser.add_argument("--cluster", action="append", default=[], metavar="KEY",
                        help="register a cluster at start; repeat for more (others via POST /sandbox/clusters/KEY)")
    auth = parser.add_mutually_exclusive_group()
    auth.add_argument("--token", help="static bearer token that the clusters registered at start accept")
    auth.add_argument("--eks", action="store_true", help="check EKS token shape and expiry on those clusters")
    parser.add_argument("--karpenter", action="store_true", help="install the Karpenter CRDs in those clusters")
    parser.add_argument("--latency", type=float, default=0.0, help="delay of every request, in seconds")
    parser.add_argument("--log-level", default="INFO", help="logging level, such as DEBUG or INFO")
    args = parser.parse_args(argv)

    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    sandbox = KubeSandbox(port=args.port)
    for key in args.cluster:
        sandbox.add_cluster(key, token=args.token, eks=args.eks, latency=args.latency,
                            objects=karpenter_crds() if args.karpenter else ())
    # SIGTERM stops the server as Ctrl-C does, so that `kill PID` closes the socket cleanly.
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    sandbox.serve_forever()


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    main()
