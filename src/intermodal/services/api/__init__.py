"""The REST API (FastAPI) and the web app it serves; ``intermodal serve`` runs it under uvicorn.

``create_app(settings)`` builds the application; ``Settings.from_env()`` reads the ``INTERMODAL_*`` variables.
"""

from intermodal.services.api._settings import Settings
from intermodal.services.api.app import create_app

__all__ = ["Settings", "create_app"]
