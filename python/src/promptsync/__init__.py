"""PromptSync for Python: read, verify and render prompts from a PromptSync registry.

from promptsync import PromptManager
pm = PromptManager(registry="https://cdn.example.com/reg", cache_dir="./prompt_cache", refresh_interval=300)
prompt = pm.get_prompt("customer_support", version_or_alias="stable", tags={"locale": "en", "tone": "formal"})
prompt.format(company_name="Acme", customer_name="John", issue="password reset")
"""

from .canary import canary_bucket, in_canary
from .errors import (
    AliasNotFoundError,
    CompileError,
    ConfigError,
    Diagnostic,
    InvalidBundleError,
    InvalidNameError,
    MissingVariableError,
    NetworkError,
    PromptNotFoundError,
    PromptSyncError,
    PromptUnavailableError,
    RenderError,
    RenderLimitError,
    SignatureInvalidError,
    SourceAttempt,
    SourcesUnavailableError,
    UnsafeTemplateError,
    UsageError,
    VersionNotFoundError,
)
from .manager import LocalModeWarning, PromptManager
from .prompt import Prompt
from .render import RenderLimits
from .structured import InputValidationError, InvalidMessageError, OutputValidationError
from .telemetry import TelemetryStats
from .variants import locale_fallbacks, select_variant
from .version import __version__ as __version__

__all__ = [
    "AliasNotFoundError",
    "CompileError",
    "ConfigError",
    "Diagnostic",
    "InputValidationError",
    "InvalidBundleError",
    "InvalidMessageError",
    "InvalidNameError",
    "LocalModeWarning",
    "MissingVariableError",
    "NetworkError",
    "OutputValidationError",
    "Prompt",
    "PromptManager",
    "PromptNotFoundError",
    "PromptSyncError",
    "PromptUnavailableError",
    "RenderError",
    "RenderLimitError",
    "RenderLimits",
    "SignatureInvalidError",
    "SourceAttempt",
    "SourcesUnavailableError",
    "TelemetryStats",
    "UnsafeTemplateError",
    "UsageError",
    "VersionNotFoundError",
    "canary_bucket",
    "in_canary",
    "locale_fallbacks",
    "select_variant",
]
