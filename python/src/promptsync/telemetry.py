"""Telemetry (docs/telemetry.md is the contract; sdk/telemetry/recorder.ts the TypeScript twin)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

from .tracking import ServedPrompt, parse_prompt_id, served_of

if TYPE_CHECKING:
    from .prompt import Prompt

# Prompts remembered by id for report_metrics(prompt_id=…) and create_tracking_metadata(prompt_id=…).
MAX_REMEMBERED_IDS = 256


class TelemetryRecorder:
    """Remembers served prompts by id (always), and records usage, metrics and heartbeats when telemetry is on."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_id: OrderedDict[str, Prompt] = OrderedDict()

    def served(self, prompt: Prompt) -> None:
        """On get_prompt's hot path: one dictionary lookup when the prompt was the last served under its id."""
        if self._by_id.get(prompt.id) is not prompt:
            self._remember(prompt)

    def lookup(self, prompt_id: str) -> ServedPrompt:
        """A served prompt by its id (name@version#variant), with the alias and canary side it was last served with."""
        prompt = self._by_id.get(prompt_id)
        return served_of(prompt) if prompt is not None else parse_prompt_id(prompt_id)

    def _remember(self, prompt: Prompt) -> None:
        with self._lock:
            self._by_id.pop(prompt.id, None)
            self._by_id[prompt.id] = prompt
            if len(self._by_id) > MAX_REMEMBERED_IDS:
                self._by_id.popitem(last=False)
