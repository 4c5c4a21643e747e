"""The consumer API: load a released dataset and check it (``resource_registry.dataset``).

A public face over :mod:`resource_registry.release.dataset`, so that consumers import a
name that does not move when the code inside does.
"""

from resource_registry.release.dataset import (
    Dataset,
    DatasetError,
    load,
    load_all,
    verify,
    verify_files,
)

__all__ = ["Dataset", "DatasetError", "load", "load_all", "verify", "verify_files"]
