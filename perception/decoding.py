"""How each kind of model call decodes, and the guard that ends a long list gone wrong.

Grounding, yes/no questions and reading want the model's single best answer: greedy decoding,
always. Qwen's model cards ask for sampling (temperature 0.7, top_p 0.8, top_k 20) in open
conversation, and greedy decoding of Qwen models can loop on long outputs (a 1,024-token list
of elements repeating its last entries until the token limit). So: ``--temperature`` samples
the calls where variety helps (planning a goal's next action, listing elements), and every
list call runs under a guard that stops generation once the answer repeats itself or, after a
few tokens, still shows no box (random or unsuitable weights would otherwise fill the whole
budget: 64 tokens per target of a form took minutes on a CPU).
"""

from __future__ import annotations

import re
from typing import Any, Literal

CallKind = Literal["ground", "ask", "read", "plan", "list"]
"""What a call asks for: one box, yes/no, a reading, a goal's next action, or a list of boxes."""
SAMPLED: frozenset[str] = frozenset({"plan", "list"})
"""The kinds ``--temperature`` applies to; the others stay greedy."""
TOP_P, TOP_K = 0.8, 20
"""Qwen3-VL Instruct's recommended nucleus and top-k settings for sampling."""
LIST_TOKENS_PER_TARGET = 40
"""A grouped call's budget per target: one ``{"bbox_2d": [...], "label": "..."}`` entry is
25-35 tokens."""
FORMAT_WITHIN_TOKENS = 24
"""A list answer must have started a box or point by then (Qwen writes one within ~10)."""
REPEATS = 3
"""A list entry seen this many times means the model is looping."""

_ENTRY = re.compile(r"\{[^{}]*\}")


def sampling(kind: CallKind, temperature: float | None) -> dict[str, Any]:
    """transformers ``generate`` settings for one call (greedy unless sampling applies)."""
    if temperature and kind in SAMPLED:
        return {"do_sample": True, "temperature": temperature, "top_p": TOP_P, "top_k": TOP_K}
    return {"do_sample": False}


def served_sampling(kind: CallKind, temperature: float | None) -> dict[str, Any]:
    """The same choice as request fields of an OpenAI-compatible server."""
    if temperature and kind in SAMPLED:
        return {"temperature": temperature, "top_p": TOP_P}
    return {"temperature": 0}


def list_gone_wrong(text: str, tokens: int) -> str | None:
    """Why a list answer should stop now (it loops, or shows no box), else None."""
    if tokens >= FORMAT_WITHIN_TOKENS and not re.search(r"bbox|point", text):
        return f"no box or point in the first {tokens} tokens"
    entries = _ENTRY.findall(text)
    if entries:
        last = re.sub(r"\s+", "", entries[-1])
        if sum(re.sub(r"\s+", "", e) == last for e in entries) >= REPEATS:
            return f"the answer repeats {entries[-1][:80]!r}"
    return None


def list_guard(tokenizer: Any, prompt_tokens: int, notes: list[str]) -> Any:
    """A transformers stopping criterion applying :func:`list_gone_wrong` every 8 new tokens;
    why it stopped goes into ``notes``."""
    import torch
    from transformers import StoppingCriteria

    class ListGuard(StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            new = input_ids.shape[1] - prompt_tokens
            stop = False
            if new and new % 8 == 0:
                text = tokenizer.decode(input_ids[0, prompt_tokens:], skip_special_tokens=True)
                why = list_gone_wrong(text, new)
                if why is not None:
                    notes.append(f"stopped the list after {new} tokens: {why}")
                    stop = True
            return torch.full((input_ids.shape[0],), stop, dtype=torch.bool)

    return ListGuard()
