"""`assistant staffing` and `assistant costs` on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cli.tools import register

EXAMPLE = ["--contacts", "100", "--interval-minutes", "30", "--aht", "180", "--sl", "0.8", "--answer-seconds", "20"]


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def run(app: typer.Typer, *args: str):
    return CliRunner().invoke(app, list(args))


def test_register_adds_staffing_and_costs_commands(app: typer.Typer) -> None:
    names = {command.name for command in app.registered_commands}
    assert names == {"staffing", "costs"}


def test_staffing_json_prints_14_agents_for_the_published_example(app: typer.Typer) -> None:
    result = run(app, "staffing", *EXAMPLE, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["agents"] == 14


def test_staffing_with_shrinkage_prints_20_scheduled_fte(app: typer.Typer) -> None:
    result = run(app, "staffing", *EXAMPLE, "--shrinkage", "0.3", "--json")
    data = json.loads(result.stdout)
    assert (data["agents"], data["scheduled_fte"]) == (14, 20)


def test_staffing_with_max_occupancy_adds_agents(app: typer.Typer) -> None:
    result = run(app, "staffing", *EXAMPLE, "--max-occupancy", "0.7", "--json")
    assert json.loads(result.stdout)["agents"] == 15


def test_staffing_text_output_is_a_table_of_label_keys(app: typer.Typer) -> None:
    result = run(app, "staffing", *EXAMPLE)
    lines = dict(line.split(None, 1) for line in result.stdout.splitlines())
    assert lines["agents"].strip() == "14"


def test_staffing_with_a_curve_prints_one_row_per_interval(app: typer.Typer) -> None:
    result = run(
        app,
        "staffing",
        "--contacts-per-day",
        "1000",
        "--curve",
        "0.25,0.25,0.5",
        "--aht",
        "180",
        "--sl",
        "0.8",
        "--answer-seconds",
        "20",
        "--json",
    )
    assert [iv["contacts"] for iv in json.loads(result.stdout)["intervals"]] == [250, 250, 500]


def test_staffing_reverse_mode_reports_the_service_level_of_given_agents(app: typer.Typer) -> None:
    result = run(app, "staffing", "--agents", "14", *EXAMPLE, "--json")
    assert json.loads(result.stdout)["service_level"] == pytest.approx(0.888, abs=0.001)


def test_staffing_chat_channel_uses_concurrency(app: typer.Typer) -> None:
    result = run(app, "staffing", *EXAMPLE, "--channel", "chat", "--concurrency", "2", "--json")
    data = json.loads(result.stdout)
    assert (data["channel"], data["agents"]) == ("chat", 7)


def test_staffing_email_channel_uses_the_response_target(app: typer.Typer) -> None:
    result = run(
        app,
        "staffing",
        "--channel",
        "email",
        "--contacts-per-day",
        "800",
        "--aht",
        "300",
        "--response-hours",
        "24",
        "--json",
    )
    assert json.loads(result.stdout)["agents"] == 9


def test_staffing_bad_input_exits_2_naming_field_and_range(app: typer.Typer) -> None:
    result = run(app, "staffing", *EXAMPLE, "--shrinkage", "1.2")
    assert result.exit_code == 2
    assert "shrinkage" in result.stderr and "[0, 1)" in result.stderr
    assert "Traceback" not in result.output


def test_staffing_bad_input_with_json_prints_a_json_error(app: typer.Typer) -> None:
    result = run(app, "staffing", "--contacts", "-3", "--aht", "180", "--sl", "0.8", "--answer-seconds", "20", "--json")
    assert result.exit_code == 2
    assert json.loads(result.stderr)["error"]["field"] == "contacts"


def test_staffing_missing_target_is_reported_not_a_traceback(app: typer.Typer) -> None:
    result = run(app, "staffing", "--contacts", "100", "--aht", "180")
    assert result.exit_code == 2
    assert "service_level" in result.stderr


def test_costs_json_compares_offers_over_36_months(app: typer.Typer) -> None:
    result = run(
        app,
        "costs",
        "--contacts-per-month",
        "20000",
        "--aht",
        "240",
        "--fte",
        "12",
        "--salary",
        "32000",
        "--oncost",
        "0.3142",
        "--currency",
        "SEK",
        "--offer",
        "name=A,per_minute=6.5,fee=20000,transition=150000",
        "--offer",
        "per_contact=28",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["currency"] == "SEK"
    assert [offer["name"] for offer in data["offers"]] == ["A", "offer_2"]
    assert len(data["in_house"]["monthly"]) == 36


def test_costs_reads_a_json_request_file(app: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "request.json"
    path.write_text(
        json.dumps(
            {
                "contacts_per_month": 1000,
                "in_house_fte": 3,
                "monthly_salary": 30000,
                "offers": [{"price_per_contact": 50}],
            }
        ),
        encoding="utf-8",
    )
    result = run(app, "costs", "--input", str(path), "--horizon", "12", "--json")
    assert json.loads(result.stdout)["horizon_months"] == 12


def test_costs_unknown_offer_term_exits_2(app: typer.Typer) -> None:
    result = run(app, "costs", "--contacts-per-month", "1000", "--fte", "3", "--salary", "30000", "--offer", "cheap=1")
    assert result.exit_code == 2
    assert "offers[0]" in result.stderr


def test_costs_text_output_marks_no_break_even_as_never(app: typer.Typer) -> None:
    result = run(
        app,
        "costs",
        "--contacts-per-month",
        "1000",
        "--fte",
        "3",
        "--salary",
        "30000",
        "--offer",
        "per_contact=500",
    )
    assert "never" in result.stdout
