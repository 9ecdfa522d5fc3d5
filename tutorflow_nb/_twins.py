"""The sync clients, generated from the async ones (see ``sync.py``)."""

from .admin import AsyncAdminClient
from .content import AsyncContentClient
from .platform import AsyncPlatformClient
from .sync import sync_twin

__all__ = ["AdminClient", "ContentClient", "PlatformClient"]

ContentClient = sync_twin(AsyncContentClient)
AdminClient = sync_twin(AsyncAdminClient)
PlatformClient = sync_twin(AsyncPlatformClient)
