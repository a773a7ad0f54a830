"""Content-Security-Policy violations are reported to /csp-report/, which logs each one under
the "blogcms.csp" logger, per address at a bounded rate, and refuses anything else."""

import json
import logging

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

URL = "/csp-report/"
CSP2 = "application/csp-report"
REPORTING = "application/reports+json"

CSP2_REPORT = {
    "csp-report": {
        "document-uri": "https://blog.example.com/2011/08/19/a-post/",
        "referrer": "",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "original-policy": "default-src 'self'; report-uri /csp-report/",
        "disposition": "enforce",
        "blocked-uri": "https://evil.example/x.js",
        "status-code": 200,
    }
}
REPORTING_BATCH = [
    {
        "type": "csp-violation",
        "age": 10,
        "url": "https://blog.example.com/",
        "user_agent": "Chromium",
        "body": {
            "documentURL": "https://blog.example.com/",
            "blockedURL": "inline",
            "effectiveDirective": "style-src-attr",
            "disposition": "enforce",
            "sourceFile": "https://blog.example.com/",
            "lineNumber": 12,
            "sample": "color: red",
        },
    },
    {"type": "deprecation", "age": 1, "url": "https://blog.example.com/", "body": {}},
]


def send(client, body, content_type=CSP2, ip="203.0.113.20", **extra):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.generic("POST", URL, data, content_type=content_type, REMOTE_ADDR=ip, **extra)


@pytest.fixture
def reports(caplog):
    caplog.set_level(logging.WARNING, logger="blogcms.csp")
    return lambda: [r for r in caplog.records if r.name == "blogcms.csp"]


def test_pages_ask_browsers_to_report_violations_here(client):
    """The policy names /csp-report/ for report-uri and a report-to group that
    Reporting-Endpoints points at the same URL."""
    response = client.get("/admin/login/")
    policy = response["Content-Security-Policy"]
    assert "report-uri /csp-report/" in policy and "report-to csp-endpoint" in policy
    assert response["Reporting-Endpoints"] == 'csp-endpoint="http://testserver/csp-report/"'


def test_a_report_uri_report_is_logged(reports):
    """A CSP Level 2 report (Firefox, Safari) answers 204 and is logged once, with the page,
    what was blocked and the directive; CSRF is not asked for (browsers send no token)."""
    response = send(Client(enforce_csrf_checks=True), CSP2_REPORT)
    assert response.status_code == 204
    [record] = reports()
    logged = json.loads(record.getMessage().removeprefix("CSP violation "))
    assert logged == {
        "document": "https://blog.example.com/2011/08/19/a-post/",
        "blocked": "https://evil.example/x.js",
        "directive": "script-src-elem",
        "disposition": "enforce",
    }


def test_a_reporting_api_batch_logs_its_csp_violations(client, reports):
    """A Reporting API batch (Chromium) logs each csp-violation in it, and nothing else."""
    assert send(client, REPORTING_BATCH, REPORTING).status_code == 204
    [record] = reports()
    assert '"blocked": "inline"' in record.getMessage()
    assert '"line": "12"' in record.getMessage()


def test_a_report_cannot_forge_log_lines(client, reports):
    """A newline in a reported field stays escaped inside the one logged line."""
    forged = {"csp-report": {"blocked-uri": "x\nCRITICAL fake entry"}}
    assert send(client, forged).status_code == 204
    assert "\n" not in reports()[0].getMessage()


@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"csp-report": "no"}', b"42", b"[" * 30_000 + b"]" * 30_000, b"\xff\xfe{"],
    ids=["broken", "no-report", "number", "deeply-nested", "bad-bytes"],
)
def test_a_body_that_is_not_a_report_is_a_400(client, reports, body):
    """Broken JSON, JSON that is no report, and nesting deep enough to exhaust the parser all
    answer 400, and nothing is logged."""
    response = send(client, body)
    assert response.status_code == 400
    assert reports() == []


def test_a_large_body_is_refused(client, reports):
    """A body over 64 KiB answers 413 (no more than that is read)."""
    padded = {"csp-report": {"blocked-uri": "x" * 70_000}}
    assert send(client, padded).status_code == 413
    assert reports() == []


def test_another_content_type_is_a_415(client):
    """Only the report types are read; a form post answers 415."""
    response = send(client, CSP2_REPORT, "application/x-www-form-urlencoded")
    assert response.status_code == 415


def test_get_is_not_allowed(client):
    """The endpoint only takes POSTs."""
    assert client.get(URL).status_code == 405


def test_reports_are_rate_limited_per_address(client, reports, settings):
    """Past BLOGCMS_CSP_REPORT_RATE in a window an address gets 429 and its reports are not
    logged; another address still reports."""
    settings.BLOGCMS_CSP_REPORT_RATE = (3, 60)
    responses = [send(client, CSP2_REPORT) for _ in range(4)]
    assert [r.status_code for r in responses] == [204, 204, 204, 429]
    assert 0 < int(responses[-1]["Retry-After"]) <= 60
    assert len(reports()) == 3
    assert send(client, CSP2_REPORT, ip="198.51.100.3").status_code == 204


def test_the_rate_counts_the_visitor_behind_the_proxy(client, settings):
    """With BLOGCMS_CLIENT_IP_HEADER set, each visitor behind the proxy has their own count."""
    settings.BLOGCMS_CSP_REPORT_RATE = (1, 60)
    settings.BLOGCMS_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"

    def from_visitor(address):
        return send(client, CSP2_REPORT, ip="10.0.0.1", HTTP_X_REAL_IP=address).status_code

    assert [from_visitor("203.0.113.1"), from_visitor("203.0.113.2")] == [204, 204]
    assert from_visitor("203.0.113.1") == 429


def test_an_ipv6_64_counts_as_one_address(client, settings):
    """Addresses in one IPv6 /64 (one end site) share a count, as webmention senders do."""
    settings.BLOGCMS_CSP_REPORT_RATE = (1, 60)
    assert send(client, CSP2_REPORT, ip="2001:db8:1:2::1").status_code == 204
    assert send(client, CSP2_REPORT, ip="2001:db8:1:2::99").status_code == 429
    assert send(client, CSP2_REPORT, ip="2001:db8:1:3::1").status_code == 204
