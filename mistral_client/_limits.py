"""The numeric limits the spec sets on request fields, in one place.

The request types validate against these and the command line's options take their ranges from them,
so ``--temperature 1.8`` is refused by the option parser with the same bound the API would apply.
Plain numbers: the command line reads them without importing pydantic.
"""

from __future__ import annotations

#: ``temperature``: 0 to 1.5 (chat and FIM).
TEMPERATURE_MIN = 0.0
TEMPERATURE_MAX = 1.5
#: ``top_p``: above 0, at most 1.
TOP_P_MAX = 1.0
#: ``presence_penalty`` / ``frequency_penalty``: -2 to 2.
PENALTY_MIN = -2.0
PENALTY_MAX = 2.0
#: ``max_tokens``, ``min_tokens``, ``random_seed``: non-negative integers.
MAX_TOKENS_MIN = 0
