"""GET /internal/v1/metrics: Prometheus text with the introspection counter."""

from __future__ import annotations

from tests.helpers import INTROSPECT_URL


def introspections(client) -> float:
    response = client.get("/internal/v1/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    for line in response.get_data(as_text=True).splitlines():
        if line.startswith("timekeeper_introspection_requests_total "):
            return float(line.split()[1])
    raise AssertionError("counter missing")


def test_every_introspection_call_is_counted(client, tokens, service_headers):
    before = introspections(client)
    client.post(INTROSPECT_URL, data={"token": tokens["access_token"]}, headers=service_headers)
    client.post(INTROSPECT_URL, data={"token": "junk"}, headers=service_headers)
    client.post(INTROSPECT_URL, data={"token": "junk"})  # refused, still a call
    assert introspections(client) == before + 3


def test_metrics_text_format(client):
    text = client.get("/internal/v1/metrics").get_data(as_text=True)
    assert "# TYPE timekeeper_introspection_requests_total counter" in text
    assert client.get("/internal/v1/metrics").headers["Cache-Control"] == "no-store"
