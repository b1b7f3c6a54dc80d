"""The offline provider: flat illustrated avatars that follow the request, with no key, no network and no GPU.

One module per step of a render, in the order ``provider.OfflineProvider.generate`` runs them: ``reference_colours``
(from-reference only), ``wishes`` (read the request), ``look`` (choose the parts), ``svg`` (draw), ``rasterise``;
``palette`` names the colours they share. ``docs/offline-provider.md`` describes each step.
"""

from avatar_creator.providers.offline.provider import MODEL, OfflineProvider

__all__ = ["MODEL", "OfflineProvider"]
