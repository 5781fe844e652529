"""A validating admission webhook: refuse at ``kubectl apply`` the pods Kata would refuse.

The pipeline, top-down:

* :mod:`.config` reads the webhook's configuration file (a ConfigMap mount):
  the cluster's CRI and Kata configuration files and the policy (which
  verdicts deny, which warn, per namespace), and builds the
  :class:`~kata_oci.k8s.Cluster` once per load;
* :mod:`.review` turns an ``admission.k8s.io/v1`` AdmissionReview into its
  response (pure functions over bytes and a loaded configuration);
* :mod:`.reload` watches files (the configuration, the TLS certificate and
  key) by inode, size and mtime, as a ConfigMap's ``..data`` symlink swap or
  cert-manager's rotation changes them;
* :mod:`.metrics` holds the Prometheus metrics;
* :mod:`.server` is the ASGI application and runs it on uvicorn over HTTPS.

Only :mod:`.server` and :mod:`.metrics` need the ``webhook`` extra
(``pip install kata-oci[webhook]``); :mod:`.review` works with the core alone
(``kata-oci webhook --review FILE``).
"""

from __future__ import annotations

from .config import Policy, WebhookConfig, load_config
from .review import ReviewError, ReviewResult, review, review_bytes

__all__ = ["Policy", "ReviewError", "ReviewResult", "WebhookConfig", "load_config", "review", "review_bytes"]
