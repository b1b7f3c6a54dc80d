"""The providers this process can run, built once from the settings, and which of them a request may pick."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from avatar_creator.health import Check, CheckResult
from avatar_creator.imaging.faces import opencv
from avatar_creator.providers.base import Provider, ProviderCheck
from avatar_creator.settings import Settings

_BUILDING = threading.Lock()  # two worker threads may reach their first jobs at once: one builds, the other waits


def build_providers(settings: Settings) -> dict[str, Provider]:
    """Every provider by name, each imported and built on first use (``Deferred``): a process loads only the providers
    its jobs and checks reach, so a worker for Hugging Face never imports the offline renderer. Constructors are cheap
    and never fail: one that lacks its token or model folder is still built, reports it in ``check()``, and fails its
    jobs at once with ``CONFIGURATION``."""
    return {
        "offline": offline_provider(step_delay_ms=settings.offline_step_delay_ms),
        # Configured iff there is a token (its is_configured): asked on every app start, it need not import the hub.
        "huggingface": Deferred("huggingface", lambda: _huggingface(settings),
                                configured=lambda: bool(settings.hf_token)),
        "diffusers": Deferred("diffusers", lambda: _diffusers(settings)),
    }


class Deferred(Provider):
    """A provider whose module is imported, and which is built, the first time anything asks it something."""

    def __init__(self, name: str, build: Callable[[], Provider], *, configured: Callable[[], bool] | None = None):
        self.name = name
        self._build = build
        self._configured = configured  # is_configured's answer without building, where the settings alone tell it
        self._built: Provider | None = None

    @property
    def provider(self) -> Provider:
        """The provider itself, built now if it was not yet."""
        if self._built is None:
            with _BUILDING:
                if self._built is None:
                    self._built = self._build()
        return self._built

    def check(self) -> ProviderCheck:
        return self.provider.check()

    def is_configured(self) -> bool:
        if self._built is None and self._configured is not None:
            return self._configured()
        return self.provider.is_configured()

    def generate(self, request, *, on_progress, should_cancel):
        return self.provider.generate(request, on_progress=on_progress, should_cancel=should_cancel)

    def __getattr__(self, attribute: str) -> Any:  # the rest of a provider's own attributes (its model...)
        if attribute.startswith("_"):
            raise AttributeError(attribute)
        return getattr(self.provider, attribute)


def offline_provider(*, step_delay_ms: int = 0) -> Provider:
    """The offline provider, imported (with OpenCV, numpy and CairoSVG) and built the first time it is asked."""
    return Deferred("offline", lambda: _offline(step_delay_ms))


def _offline(step_delay_ms: int) -> Provider:
    opencv()  # the renderer imports OpenCV: its first import is the guarded one, not a thumbnail's beside it
    from avatar_creator.providers.offline import OfflineProvider

    return OfflineProvider(step_delay_ms=step_delay_ms)


def _huggingface(settings: Settings) -> Provider:
    from avatar_creator.providers.huggingface import HuggingFaceProvider

    return HuggingFaceProvider(token=settings.hf_token, model=settings.hf_model, timeout_s=settings.hf_timeout_seconds,
                               base_url=settings.hf_base_url, hf_provider=settings.hf_provider)


def _diffusers(settings: Settings) -> Provider:
    from avatar_creator.providers.diffusers import DiffusersProvider

    return DiffusersProvider(model_path=settings.diffusers_model_path, device=settings.diffusers_device,
                             steps=settings.diffusers_steps, guidance=settings.diffusers_guidance)


def selectable(providers: dict[str, Provider], default: str) -> list[str]:
    """The names a request may ask for: the configured providers, and the default whatever its state (its jobs then
    fail fast with ``CONFIGURATION`` and the fix, rather than being refused at the door)."""
    return sorted(name for name, provider in providers.items() if name == default or provider.is_configured())


def providers_check(providers: dict[str, Provider], default: str) -> Check:
    """Readiness: each provider's own check, with its fix; only the default provider's state decides ``ok``."""

    def check() -> CheckResult:
        reports = {name: provider.check() for name, provider in providers.items()}
        detail = "; ".join(f"{name}{' (default)' if name == default else ''}: "
                           f"{'ok' if report.ok else 'not ready'}, {report.detail}"
                           for name, report in reports.items())
        fixes = " ".join(f"{name}: {report.fix}" for name, report in reports.items() if not report.ok and report.fix)
        default_report = reports.get(default)
        return CheckResult(bool(default_report and default_report.ok), detail, fixes)

    return check
