"""The providers this process can run, built once from the settings, and which of them a request may pick."""

from __future__ import annotations

from avatar_creator.health import Check, CheckResult
from avatar_creator.providers.base import Provider
from avatar_creator.providers.diffusers import DiffusersProvider
from avatar_creator.providers.huggingface import HuggingFaceProvider
from avatar_creator.providers.offline import OfflineProvider
from avatar_creator.settings import Settings


def build_providers(settings: Settings) -> dict[str, Provider]:
    """Every provider by name. Constructors are cheap and never fail: one that lacks its token or model folder is
    still built, reports it in ``check()``, and fails its jobs at once with ``CONFIGURATION``."""
    return {
        "offline": OfflineProvider(step_delay_ms=settings.offline_step_delay_ms),
        "huggingface": HuggingFaceProvider(token=settings.hf_token, model=settings.hf_model,
                                           timeout_s=settings.hf_timeout_seconds, base_url=settings.hf_base_url,
                                           hf_provider=settings.hf_provider),
        "diffusers": DiffusersProvider(model_path=settings.diffusers_model_path, device=settings.diffusers_device,
                                       steps=settings.diffusers_steps, guidance=settings.diffusers_guidance),
    }


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
