"""Which tokenizer each Mistral API model uses, and its context window: the table behind ``tokens.count``.

Where the entries come from:

* exact (``file`` is the model's own tokenizer): mistral-common's ``MODEL_NAME_TO_TOKENIZER_CLS``
  (``mistral_common/tokens/tokenizers/mistral.py``, 1.13), the table its ``MistralTokenizer.from_model``
  used, plus the API names Mistral documents as the same model (``open-mistral-7b`` is
  ``mistral-tiny-2312``, ...; docs.mistral.ai release notes). The files ship inside the mistral-common
  wheel, so counting needs no network.
* not exact (``exact=False``): newer models whose tokenizer (a later tekken version, or one Mistral has
  not published) is not in the wheel; they are counted with the nearest tokenizer that is, and the
  count says so. Text costs the same in every tekken version; the control tokens around messages and
  tools differ by a few per message.
* context windows: Mistral's model documentation ("Max Tokens") and the API's model cards
  (``client.models.retrieve(model).max_context_length`` is authoritative for your account).
* aliases: the ``-latest`` names as Mistral documents them when this table was written; an alias
  that moves on to a model not listed here falls back, and says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The tokenizer files inside mistral-common's wheel (``mistral_common/data``), by what they are.
V1 = "tokenizer.model.v1"
V2 = "mistral_instruct_tokenizer_240216.model.v2"
V3 = "mistral_instruct_tokenizer_240323.model.v3"
V3_TEKKEN = "tekken_240718.json"
V3_TEKKEN_MM = "tekken_240911.json"
V7 = "mistral_instruct_tokenizer_241114.model.v7"
V7_MM = "mistral_instruct_tokenizer_241114.model.v7m1"

K32, K40, K64, K128, K256 = 32_768, 40_960, 65_536, 131_072, 262_144


@dataclass(frozen=True, slots=True)
class ModelTokenizer:
    """One row of the table."""

    #: The bundled mistral-common tokenizer file the model is counted with.
    file: str
    #: Whether that file is the model's own tokenizer.
    exact: bool
    #: The model's context window in tokens, when documented.
    context_window: int | None
    #: What the model really uses, when ``exact`` is false.
    actual: str | None = None


def _own(file: str, context: int | None) -> ModelTokenizer:
    return ModelTokenizer(file, True, context)


def _near(file: str, context: int | None, actual: str) -> ModelTokenizer:
    return ModelTokenizer(file, False, context, actual)


_TEKKEN_NEWER = "a newer tekken tokenizer than mistral-common ships"
_UNPUBLISHED = "a tokenizer Mistral has not published"

#: Dated API model names -> their tokenizer.
MODELS: dict[str, ModelTokenizer] = {
    # mistral-common's own table.
    "mistral-medium-2312": _own(V1, K32),
    "mistral-tiny-2312": _own(V2, K32),
    "mistral-small-2312": _own(V2, K32),
    "mistral-small-2402": _own(V2, K32),
    "mistral-large-2402": _own(V2, K32),
    "mistral-tiny-2407": _own(V3, K32),
    "open-mixtral-8x22b-2404": _own(V3, K64),
    "codestral-2405": _own(V3, K32),
    "codestral-mamba-2407": _own(V3, K256),
    "mistral-large-2407": _own(V3, K128),
    "open-mistral-nemo-2407": _own(V3_TEKKEN, K128),
    "mistral-small-2409": _own(V3_TEKKEN, K32),
    "ministral-8b-2410": _own(V3_TEKKEN, K128),
    "pixtral-12b-2409": _own(V3_TEKKEN_MM, K128),
    "mistral-large-2411": _own(V7, K128),
    "pixtral-large-2411": _own(V7_MM, K128),
    # Not in the wheel: the nearest one that is.
    "ministral-3b-2410": _near(V3_TEKKEN, K128, "ministral-8b-2410's tokenizer, presumably (unpublished)"),
    "codestral-2501": _near(V3_TEKKEN, K256, _TEKKEN_NEWER),
    "codestral-2508": _near(V3_TEKKEN, K256, _TEKKEN_NEWER),
    "mistral-small-2501": _near(V3_TEKKEN, K32, "tekken v7"),
    "mistral-small-2503": _near(V3_TEKKEN_MM, K128, "tekken v7"),
    "mistral-small-2506": _near(V3_TEKKEN_MM, K128, _TEKKEN_NEWER),
    "mistral-medium-2505": _near(V3_TEKKEN_MM, K128, _UNPUBLISHED),
    "mistral-medium-2508": _near(V3_TEKKEN_MM, K128, _UNPUBLISHED),
    "magistral-small-2506": _near(V3_TEKKEN, K40, _TEKKEN_NEWER),
    "magistral-small-2507": _near(V3_TEKKEN, K40, _TEKKEN_NEWER),
    "magistral-small-2509": _near(V3_TEKKEN_MM, K128, _TEKKEN_NEWER),
    "magistral-medium-2506": _near(V3_TEKKEN, K40, _UNPUBLISHED),
    "magistral-medium-2507": _near(V3_TEKKEN, K40, _UNPUBLISHED),
    "magistral-medium-2509": _near(V3_TEKKEN_MM, K128, _UNPUBLISHED),
    "devstral-small-2505": _near(V3_TEKKEN, K128, "tekken v7"),
    "devstral-small-2507": _near(V3_TEKKEN, K128, _TEKKEN_NEWER),
    "devstral-medium-2507": _near(V3_TEKKEN, K128, _UNPUBLISHED),
    "mistral-saba-2502": _near(V3_TEKKEN, K32, _UNPUBLISHED),
    "mistral-embed": _near(V1, 8_192, _UNPUBLISHED),
    "codestral-embed-2505": _near(V3_TEKKEN, 8_192, _UNPUBLISHED),
}

#: Other API names -> the dated model they serve.
ALIASES: dict[str, str] = {
    "open-mistral-7b": "mistral-tiny-2312",
    "mistral-tiny": "mistral-tiny-2312",
    "open-mixtral-8x7b": "mistral-small-2312",
    "open-mixtral-8x22b": "open-mixtral-8x22b-2404",
    "open-mistral-nemo": "open-mistral-nemo-2407",
    "open-codestral-mamba": "codestral-mamba-2407",
    "codestral-mamba-latest": "codestral-mamba-2407",
    "pixtral-12b": "pixtral-12b-2409",
    "pixtral-12b-latest": "pixtral-12b-2409",
    "pixtral-large-latest": "pixtral-large-2411",
    "ministral-8b-latest": "ministral-8b-2410",
    "ministral-3b-latest": "ministral-3b-2410",
    "mistral-large-latest": "mistral-large-2411",
    "mistral-medium-latest": "mistral-medium-2508",
    "mistral-medium": "mistral-medium-2312",
    "mistral-small-latest": "mistral-small-2506",
    "codestral-latest": "codestral-2508",
    "magistral-small-latest": "magistral-small-2509",
    "magistral-medium-latest": "magistral-medium-2509",
    "devstral-small-latest": "devstral-small-2507",
    "devstral-medium-latest": "devstral-medium-2507",
    "mistral-saba-latest": "mistral-saba-2502",
    "codestral-embed": "codestral-embed-2505",
}

#: What a model no row matches is counted with: the newest general-purpose tokenizer in the wheel.
DEFAULT_FILE = V3_TEKKEN

_VERSION_SUFFIX = re.compile(r"-(\d{4}|latest)$")


@dataclass(frozen=True, slots=True)
class Resolved:
    model: str
    entry: ModelTokenizer
    exact: bool
    note: str | None


def resolve(model: str) -> Resolved:
    """The tokenizer row for an API model name (dated, alias, ``ft:`` fine-tune, or unknown)."""
    name = model.strip().lower()
    prefix = ""
    if name.startswith("ft:") and name.count(":") >= 2:
        # A fine-tuned model ("ft:open-mistral-7b:abc123:suffix:id") keeps its base model's tokenizer.
        name = name.split(":")[1]
        prefix = f"fine-tuned from {name}: "
    dated = ALIASES.get(name, name)
    entry = MODELS.get(dated)
    if entry is not None:
        note = None
        if not entry.exact:
            note = (
                f"{prefix}{dated} uses {entry.actual}; counted with {describe(entry.file)}, "
                "the nearest one mistral-common ships"
            )
        return Resolved(dated, entry, entry.exact, note)
    family = _VERSION_SUFFIX.sub("", name)
    relatives = sorted(m for m in MODELS if _VERSION_SUFFIX.sub("", m) == family)
    if relatives:
        nearest = relatives[-1]  # the newest dated model of the family
        entry = MODELS[nearest]
        note = f"unknown model {model!r}: counted with the tokenizer of {nearest} ({describe(entry.file)})"
        return Resolved(model, entry, False, note)
    entry = ModelTokenizer(DEFAULT_FILE, False, None, "an unknown tokenizer")
    note = f"unknown model {model!r}: counted with {describe(DEFAULT_FILE)}, the default"
    return Resolved(model, entry, False, note)


def describe(file: str) -> str:
    """A tokenizer file as people name it: "tekken v3 (tekken_240718.json)"."""
    if file.endswith(".json"):
        return f"tekken v3 ({file})"
    version = file.rsplit(".", 1)[-1]
    return f"sentencepiece {version} ({file})"
