"""parse_answer holds introspection answers to contracts/introspection.schema.json exactly."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
from hours_service.auth import NonConformingAnswer, parse_answer

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[3] / "contracts" / "introspection.schema.json").read_text()
)
ACTIVE = SCHEMA["examples"][0]


def _variant(**changes):
    answer = copy.deepcopy(ACTIVE)
    for key, value in changes.items():
        if value is ...:
            answer.pop(key)
        else:
            answer[key] = value
    return answer


CASES = [
    *SCHEMA["examples"],
    {"active": False, "sub": "x"},
    {"active": "true"},
    {},
    [],
    "active",
    None,
    _variant(sub=""),
    _variant(sub=5),
    _variant(username=...),
    _variant(roles=[]),
    _variant(roles=["root"]),
    _variant(roles=["user", "user"]),
    _variant(roles="user"),
    _variant(exp="1795000900"),
    _variant(exp=1795000900.5),
    _variant(exp=True),
    _variant(iat=...),
    _variant(jti=""),
    _variant(token_type="refresh_token"),
    _variant(token_type="access_token", iss="timekeeper-users", aud=["timekeeper"]),
    _variant(aud=5),
    _variant(aud=["a", 5]),
    _variant(iss=None),
    _variant(scope="everything"),
    _variant(sub="a\x00b"),
    _variant(sub="a\nb"),
    _variant(sub="x" * 255),
    _variant(sub="x" * 256),
    _variant(username="ada\x7f"),
    _variant(username="Ada Lovelace-König"),
    _variant(jti="\x1f"),
]


@pytest.mark.parametrize("answer", CASES, ids=[json.dumps(c)[:60] for c in CASES])
def test_agrees_with_the_schema(answer):
    valid = jsonschema.Draft202012Validator(SCHEMA).is_valid(answer)
    if valid:
        principal = parse_answer(answer)
        assert (principal is None) == (answer["active"] is False)
        if principal is not None:
            assert (principal.id, principal.username, list(principal.roles)) == (
                answer["sub"],
                answer["username"],
                answer["roles"],
            )
    else:
        with pytest.raises(NonConformingAnswer):
            parse_answer(answer)
