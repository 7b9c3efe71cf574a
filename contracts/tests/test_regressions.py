"""What fuzzing found, kept as plain tests (each names how it was found)."""

from __future__ import annotations

import requests

from tests.helpers import Stack, load_contract, register

USERS = load_contract("users.openapi.json")


def documented_media_types(document: dict, method: str, path: str, status: str) -> set[str]:
    return set(document["paths"][path][method]["responses"][status].get("content", {}))


def media_type(response: requests.Response) -> str | None:
    value = response.headers.get("Content-Type")
    return value.split(";")[0].strip() if value else None


def test_revoke_answers_with_the_media_type_its_spec_documents(stack: Stack) -> None:
    """Schemathesis (content_type_conformance): POST /api/users/v1/token/revoke answered
    200 with an empty ``text/html`` body while its spec documented ``application/json``.
    Fixed by documenting the 200 without a body (RFC 7009), and serving it so: no body, and
    no Content-Type naming one."""
    account = register(stack)
    documented = documented_media_types(USERS, "post", "/api/users/v1/token/revoke", "200")
    for token in (account.refresh_token, "not-a-token"):
        response = requests.post(
            f"{stack.user.url}/api/users/v1/token/revoke", data={"token": token}, timeout=10
        )
        assert response.status_code == 200, response.text
        if documented:
            assert media_type(response) in documented, (
                f"200 answered {response.headers.get('Content-Type')!r} with {response.content!r}; "
                f"the spec documents {sorted(documented)}"
            )
        else:
            assert not response.content, "the spec documents no body for this 200"
            assert media_type(response) is None, f"no body, yet {response.headers['Content-Type']!r}"
