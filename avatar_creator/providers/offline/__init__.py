"""The offline provider: flat illustrated avatars that follow the request, with no key, no network and no GPU.

One module per step of a render, in the order ``provider.OfflineProvider.generate`` runs them: ``reference_colours``
(from-reference only), ``wishes`` (read the request, with ``picture_words`` for garments, setting, art style and
accessories), ``look`` (choose the parts), ``svg`` (draw, with ``backdrops``, ``garments`` and ``details``),
``rasterise``, ``styles`` (the art style, then the PNG). ``palette`` and ``vocabulary`` are the colours and words they
share as data; ``terms`` finds the words and records which were drawn. ``docs/offline-provider.md`` describes each
step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from avatar_creator.providers.offline.provider import MODEL, OfflineProvider

__all__ = ["MODEL", "OfflineProvider"]


def __getattr__(name: str) -> Any:
    """The provider on first use: ``palette`` (the web app's colour names) must not load OpenCV, numpy and CairoSVG."""
    if name in __all__:
        from avatar_creator.providers.offline import provider

        return getattr(provider, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
