"""The grading app's reports through the report service: the certificate and the monthly
analysis rendered and their text checked, issued with an audit event, verified in public,
and read only by whom the access policy allows — on the pages, in the API and on the
command line."""

from __future__ import annotations

import hashlib
import io
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db.models import Sum
from django.test import Client, override_settings
from pypdf import PdfReader
from typer.testing import CliRunner

from citycarbon.cli.main import app
from citycarbon.web.access.actions import Binding, do_create_api_key
from citycarbon.web.audit.actions import Actor
from citycarbon.web.audit.models import AuditEvent
from citycarbon.web.energy.models import Emission
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.grading.models import CarbonCode
from citycarbon.web.grading.selectors import latest_published
from citycarbon.web.regions.models import District
from citycarbon.web.reports.models import IssuedReport
from tests.web.conftest import LoadedCity

pytestmark = pytest.mark.django_db


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_text(body: bytes) -> str:
    return squeeze("".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages))


def login(client: Client, username: str) -> Client:
    client.force_login(User.objects.get(username=username))
    return client


def latest_code(enterprise: Enterprise) -> CarbonCode:
    code = (
        CarbonCode.objects.filter(run=latest_published(), enterprise=enterprise)
        .order_by("-year")
        .first()
    )
    assert code is not None
    return code


def issue(client: Client, kind: str, **params: Any) -> Any:
    return client.post(f"/reports/{kind}/issue/", params)


def issued_of(response: Any) -> IssuedReport:
    assert response.status_code == 302, response.content.decode()[-500:]
    match = re.fullmatch(r"/reports/issued/([0-9A-Z-]+)/", response.headers["Location"])
    assert match
    return IssuedReport.objects.get(pk=match.group(1))


def first_district_enterprises() -> tuple[Enterprise, Enterprise]:
    """An enterprise of the district officer's district (the first by code) and one of
    another district."""
    own = District.objects.order_by("code").first()
    graded = CarbonCode.objects.filter(run=latest_published()).values("enterprise")
    inside = Enterprise.objects.filter(district=own, pk__in=graded).order_by("entity_id")[0]
    outside = (
        Enterprise.objects.exclude(district=own).filter(pk__in=graded).order_by("entity_id")[0]
    )
    return inside, outside


# -- the certificate -----------------------------------------------------------------------


def test_the_certificate_pdf_says_code_year_validity_l_k_and_industry_average(
    loaded_city: LoadedCity, client: Client
) -> None:
    e = loaded_city.first
    code = latest_code(e)
    with override_settings(CITYCARBON_ISSUER="某市发展和改革委员会"):
        report = issued_of(
            issue(login(client, "enterprise1"), "certificate", entity=e.entity_id, year=code.year)
        )
    body = client.get(f"/reports/issued/{report.pk}/pdf/")
    assert body["Content-Type"] == "application/pdf"
    pdf = body.content
    assert hashlib.sha256(pdf).hexdigest() == report.sha256
    text = pdf_text(pdf)
    for expected in (
        "企业碳效码证书",
        squeeze(e.name),
        f"统一社会信用代码{e.uscc}",
        f"碳效码{code.level}{code.grade}级",
        f"评价年度{code.year}",
        f"有效期至{code.year + 1}-12-31",
        f"碳排放强度L{code.intensity_tco2_per_10k_yuan:,.3f}tCO2/万元",
        f"行业平均{code.industry_avg_intensity:,.3f}tCO2/万元",
        f"碳效值K{code.k_value:,.2f}",
        f"同行{code.peer_count}家",
        f"核验编号{report.pk}",
        "某市发展和改革委员会",
        f"/reports/verify/{report.pk}/",
    ):
        assert expected in text, expected
    assert (report.kind, report.subject, report.period) == (
        "certificate",
        e.entity_id,
        str(code.year),
    )


def test_the_certificate_page_prints_the_same_document_with_its_qr(
    loaded_city: LoadedCity, client: Client
) -> None:
    e = loaded_city.first
    code = latest_code(e)
    report = issued_of(
        issue(login(client, "regulator"), "certificate", entity=e.entity_id, year=code.year)
    )
    page = client.get(f"/reports/issued/{report.pk}/").content.decode()
    assert '<h1 id="report-title">企业碳效码证书</h1>' in page
    assert f'<th scope="row">碳效值 K</th><td>{code.k_value:,.2f}</td>' in page
    assert f'<dd id="verification-id"><code>{report.pk}</code></dd>' in page
    assert "<svg" in page and f"/reports/verify/{report.pk}/" in page
    assert "reports/report.css" in page  # the A4 print style
    assert "Carbon" not in squeeze(re.sub(r"<[^>]+>", " ", page.split('id="report"')[1]))


def test_issuing_records_an_audit_event_with_the_pdf_hash(
    loaded_city: LoadedCity, client: Client
) -> None:
    e = loaded_city.first
    code = latest_code(e)
    report = issued_of(
        issue(login(client, "enterprise1"), "certificate", entity=e.entity_id, year=code.year)
    )
    event = AuditEvent.objects.get(action="reports.issue", object_id=report.pk)
    assert event.actor_label == "enterprise1" and event.object_type == "IssuedReport"
    assert event.after == {
        "kind": "certificate",
        "subject": e.entity_id,
        "period": str(code.year),
        "sha256": report.sha256,
        "bytes": len(bytes(report.pdf)),
    }


def test_the_enterprise_page_links_its_certificate(loaded_city: LoadedCity, client: Client) -> None:
    e = loaded_city.first
    code = latest_code(e)
    page = login(client, "enterprise1").get(f"/enterprises/{e.pk}/").content.decode()
    query = f"entity={e.entity_id}&amp;year={code.year}"
    link = f'href="/reports/certificate/?{query}" id="certificate-link"'
    assert link in page
    preview = client.get(f"/reports/certificate/?entity={e.entity_id}&year={code.year}")
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "预览：尚未签发" in html and 'id="report-issue"' in html
    assert IssuedReport.objects.count() == 0  # a preview issues nothing


# -- who may read -----------------------------------------------------------------------


def test_an_enterprise_user_gets_only_its_own_certificate(
    loaded_city: LoadedCity, client: Client
) -> None:
    other = loaded_city.other_district
    code = latest_code(other)
    login(client, "enterprise1")
    assert (
        client.get(f"/reports/certificate/?entity={other.entity_id}&year={code.year}").status_code
        == 404
    )
    assert issue(client, "certificate", entity=other.entity_id, year=code.year).status_code == 404
    assert issue(client, "monthly", month=f"{code.year}-06").status_code == 404
    assert IssuedReport.objects.count() == 0
    theirs = issued_of(
        issue(login(Client(), "regulator"), "certificate", entity=other.entity_id, year=code.year)
    )
    assert client.get(f"/reports/issued/{theirs.pk}/").status_code == 404
    assert client.get(f"/reports/issued/{theirs.pk}/pdf/").status_code == 404


def test_a_district_officer_reads_its_districts_reports_only(
    loaded_city: LoadedCity, client: Client
) -> None:
    inside, outside = first_district_enterprises()
    own = District.objects.order_by("code").first()
    assert own is not None
    year = latest_code(inside).year
    login(client, "district")
    issued_of(issue(client, "certificate", entity=inside.entity_id, year=year))
    assert (
        issue(
            client, "certificate", entity=outside.entity_id, year=latest_code(outside).year
        ).status_code
        == 404
    )
    report = issued_of(issue(client, "monthly", month=f"{year}-06", district=own.code))
    assert report.subject == own.code
    assert issue(client, "monthly", month=f"{year}-06").status_code == 404  # the city
    other = District.objects.exclude(pk=own.pk).order_by("code").first()
    assert other is not None
    assert issue(client, "monthly", month=f"{year}-06", district=other.code).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in_but_may_verify(
    loaded_city: LoadedCity, client: Client
) -> None:
    e = loaded_city.first
    code = latest_code(e)
    report = issued_of(
        issue(login(Client(), "regulator"), "certificate", entity=e.entity_id, year=code.year)
    )
    for path in (
        f"/reports/certificate/?entity={e.entity_id}&year={code.year}",
        f"/reports/issued/{report.pk}/",
        f"/reports/issued/{report.pk}/pdf/",
    ):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login/")
    assert issue(client, "certificate", entity=e.entity_id, year=code.year).status_code == 302
    assert IssuedReport.objects.count() == 1
    with override_settings(CITYCARBON_ISSUER="某市发展和改革委员会"):
        page = client.get(f"/reports/verify/{report.pk}/").content.decode()
    assert f'<dd id="report-sha256"><code>{report.sha256}</code></dd>' in page
    assert '<dd id="report-kind">企业碳效码证书</dd>' in page
    assert f'<dd id="report-period">{code.year}</dd>' in page
    assert '<dd id="issuer">某市发展和改革委员会</dd>' in page
    assert squeeze(e.name) in squeeze(page)
    typed = report.pk.replace("-", "").lower()
    assert client.get(f"/reports/verify/{typed}/").status_code == 200
    found = client.get("/reports/verify/", {"id": typed})
    assert found.headers["Location"] == f"/reports/verify/{report.pk}/"
    assert client.get("/reports/verify/0000-0000-0000-0000/").status_code == 404
    assert client.get("/reports/verify/", {"id": "nonsense"}).status_code == 400
    code_page = client.get("/verify/x/").content.decode()
    assert 'href="/reports/verify/" id="report-verify-link"' in code_page


# -- the monthly analysis ----------------------------------------------------------------


def test_the_monthly_report_sums_to_the_yearly_accounting_and_counts_the_grades(
    loaded_city: LoadedCity, client: Client
) -> None:
    run = latest_published()
    assert run is not None
    year = latest_code(loaded_city.first).year
    report = issued_of(issue(login(client, "regulator"), "monthly", month=f"{year}-12"))
    text = pdf_text(bytes(report.pdf))
    # Twelve months of the year, accounted month by month, add up to the year accounted.
    yearly = Emission.objects.filter(run=run.accounting_run, period=str(year)).aggregate(
        co2=Sum("total_tco2"), tce=Sum("energy_tce")
    )
    assert f"本年累计排放{yearly['co2'] / 10_000:.1f}万吨CO₂" in text
    assert f"本年累计能耗{yearly['tce'] / 10_000:.1f}万吨标准煤" in text
    assert "月度碳排放分析报告" in text and f"全市·{year}-12" in text
    assert "近12个月趋势" in text and f"{year}-01" in text
    for district in District.objects.all():
        assert f"{district.name_zh}（{district.code}）" in text
    codes = CarbonCode.objects.filter(run=run, year=year)
    for grade in range(1, 6):
        assert f"{grade}级{codes.filter(grade=grade).count()}" in text
    assert f"{year}年碳效等级与水平" in text
    assert "能效对标较差企业：共" in text and "绿色能源低使用率企业：共" in text
    assert f"核验编号{report.pk}" in text


def test_a_district_monthly_report_counts_only_the_district(
    loaded_city: LoadedCity, client: Client
) -> None:
    run = latest_published()
    assert run is not None
    own = District.objects.order_by("code").first()
    assert own is not None
    year = latest_code(loaded_city.first).year
    report = issued_of(
        issue(login(client, "district"), "monthly", month=f"{year}-12", district=own.code)
    )
    text = pdf_text(bytes(report.pdf))
    yearly = Emission.objects.filter(
        run=run.accounting_run, period=str(year), enterprise__district=own
    ).aggregate(co2=Sum("total_tco2"))
    co2 = yearly["co2"]
    shown = f"{co2 / 10_000:.1f}万吨CO₂" if co2 >= 10_000 else f"{co2:,.0f}吨CO₂"
    assert f"本年累计排放{shown}" in text
    assert f"{own.name_zh}（{own.code}）·{year}-12" in text
    for other in District.objects.exclude(pk=own.pk):
        assert f"{other.name_zh}（{other.code}）" not in text


def test_the_dashboard_offers_the_monthly_report(loaded_city: LoadedCity, client: Client) -> None:
    page = login(client, "regulator").get("/dashboard/").content.decode()
    assert 'action="/reports/monthly/" class="filters" id="monthly-report"' in page


def test_a_month_without_data_or_a_bad_month_is_said_plainly(
    loaded_city: LoadedCity, client: Client
) -> None:
    login(client, "regulator")
    page = client.get("/reports/monthly/", {"month": "1990-05"}).content.decode()
    assert "全市 1990-05 没有月度能源数据" in page
    bad = client.get("/reports/monthly/", {"month": "2024-13"}).content.decode()
    assert "请按 YYYY-MM 填写月份。" in bad and 'id="report"' not in bad
    assert issue(client, "monthly", month="2024-13").status_code == 400
    assert issue(client, "monthly", month="2024-01", district="999999").status_code == 404
    assert IssuedReport.objects.count() == 0


# -- API --------------------------------------------------------------------------------


def key(binding: Binding) -> dict[str, str]:
    return {"X-API-Key": do_create_api_key(binding, actor=Actor.system("test"))[1]}


def test_the_api_issues_and_serves_the_pdf_within_the_access_rules(
    loaded_city: LoadedCity, client: Client
) -> None:
    e, other = loaded_city.first, loaded_city.other_district
    year = latest_code(e).year
    mine = key(Binding("enterprise", e))
    made = client.post(
        f"/api/v1/reports/certificate?entity={e.entity_id}&year={year}", headers=mine
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["kind"] == "certificate" and body["period"] == str(year)
    assert body["verify_url"].endswith(f"/reports/verify/{body['id']}/")
    pdf = client.get(f"/api/v1/reports/issued/{body['id']}/pdf", headers=mine)
    assert pdf["Content-Type"] == "application/pdf"
    assert hashlib.sha256(pdf.content).hexdigest() == body["sha256"]
    assert (
        client.get(f"/api/v1/reports/issued/{body['id']}", headers=mine).json()["sha256"]
        == body["sha256"]
    )
    theirs = client.post(
        f"/api/v1/reports/certificate?entity={other.entity_id}&year={year}", headers=mine
    )
    assert theirs.status_code == 404
    assert client.post(f"/api/v1/reports/monthly?month={year}-06", headers=mine).status_code == 404
    assert (
        client.post(
            f"/api/v1/reports/certificate?entity={e.entity_id}&year=x", headers=mine
        ).status_code
        == 422
    )
    assert client.post("/api/v1/reports/nothing?year=1", headers=mine).status_code == 404
    city = key(Binding("regulator"))
    assert client.get(f"/api/v1/reports/issued/{body['id']}/pdf", headers=city).status_code == 200
    assert client.post(f"/api/v1/reports/monthly?month={year}-06", headers=city).status_code == 201
    own = District.objects.order_by("code").first()
    officer = key(Binding("district", own))
    assert client.get(f"/api/v1/reports/issued/{body['id']}", headers=officer).status_code == (
        200 if e.district_id == own.pk else 404  # type: ignore[union-attr]
    )
    assert client.get(f"/api/v1/reports/issued/{body['id']}").status_code == 401


# -- command line -----------------------------------------------------------------------


def test_the_cli_writes_the_pdfs(loaded_city: LoadedCity, tmp_path: Any) -> None:
    e = loaded_city.first
    year = latest_code(e).year
    out = tmp_path / "cert.pdf"
    args = [
        "report",
        "certificate",
        "--entity",
        e.entity_id,
        "--year",
        str(year),
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = IssuedReport.objects.get()
    assert report.actor_label == "system:cli"
    assert f"核验编号 verification id: {report.pk}" in result.stdout
    assert hashlib.sha256(out.read_bytes()).hexdigest() == report.sha256
    assert "企业碳效码证书" in pdf_text(out.read_bytes())
    monthly = tmp_path / "m.pdf"
    own = District.objects.order_by("code").first()
    assert own is not None
    args = ["report", "monthly", "--month", f"{year}-06", "--district", own.code]
    result = CliRunner().invoke(app, [*args, "--out", str(monthly), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Monthlycarbonanalysis" in pdf_text(monthly.read_bytes())


@pytest.mark.parametrize(
    ("args", "zh", "en"),
    [
        (["certificate", "--entity", "DEMO00001", "--year", "20x5"], "整数", "whole number"),
        (
            ["certificate", "--entity", "NOPE", "--year", "2024"],
            "没有 2024 年已发布的碳效码",
            "no published",
        ),
        (["monthly", "--month", "2024-13"], "YYYY-MM", "YYYY-MM"),
        (["monthly", "--month", "2024-01", "--district", "999999"], "没有区县代码", "no district"),
        (["monthly", "--month", "1990-01"], "没有月度能源数据", "no monthly energy data"),
    ],
)
def test_the_cli_exits_2_on_bad_input_in_chinese_and_english(
    loaded_city: LoadedCity, tmp_path: Any, args: list[str], zh: str, en: str
) -> None:
    out = tmp_path / "x.pdf"
    result = CliRunner().invoke(app, ["report", *args, "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert zh in result.stderr and en in result.stderr
    assert not out.exists() and IssuedReport.objects.count() == 0
