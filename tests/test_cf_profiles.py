"""Rule profiles are data: bundled, versioned, sourced, strict about their keys; the README's table follows them."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import pytest
from conftest import ROOT

from bpvc.cf import BUNDLED, ProfileError, bundled_profile, load_profile, parse_profile

FOLDER = ROOT / "src" / "bpvc" / "data" / "cf-profiles"


def text(name: str) -> str:
    return (FOLDER / f"{name}.toml").read_text()


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_profiles_name_their_sources(name):
    profile = bundled_profile(name)
    assert profile.id == name and re.fullmatch(r"\d+\.\d+\.\d+", profile.version)
    assert profile.sources and all(s.document and s.section for s in profile.sources)
    assert len(profile.digest) == 64


@pytest.mark.parametrize("name", BUNDLED)
def test_every_open_parameter_is_set_in_the_file(name):
    doc = tomllib.loads(text(name))
    for dotted in bundled_profile(name).open_parameters:
        node = doc
        for part in dotted.split("."):
            assert part in node, f"{name}: open parameter {dotted} is not set"
            node = node[part]


def test_the_draft_parameters():
    eu = bundled_profile("eu-battery-2024-draft")
    assert {k: int(v) for k, v in eu.feqc_per_year.items()} == {
        "M1": 60,
        "N1": 60,
        "L": 20,
        "M2": 250,
        "M3": 250,
        "N2": 250,
        "N3": 250,
    }
    assert eu.recognised_supplies == ("direct_line",) and eu.grid_fallback == ("national_consumption_mix",)
    cx = bundled_profile("cx-rb4")
    assert cx.stages == ("raw_material", "production") and cx.cut_off_percent == 3
    assert cx.grid_fallback == ("residual_mix", "fossil_grid_mix") and cx.economic_ratio_threshold == 5


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda t: t.replace("[cut_off]\n", "[cut_off]\nthreshhold = 2\n"), "unknown key(s) threshhold"),
        (lambda t: t.replace('functional_unit = "energy_delivered"', 'functional_unit = "per_kg"'), "functional_unit"),
        (lambda t: t.replace('recognised = ["direct_line"]', 'recognised = ["wind"]'), "unknown value(s) wind"),
        (lambda t: t.replace("M1 = 60", "M9 = 60"), "unknown vehicle category 'M9'"),
        (lambda t: t.replace("threshold_percent = 3", 'threshold_percent = "3"'), "must be a number"),
        (lambda t: t.replace("[profile]", "[profile"), "not valid TOML"),
    ],
)
def test_a_wrong_parameter_is_refused_by_name(edit, words):
    with pytest.raises(ProfileError, match=re.escape(words)):
        parse_profile(edit(text("eu-battery-2024-draft")), origin="mine.toml")


def test_a_user_profile_file_is_loaded_by_path(tmp_path):
    mine = tmp_path / "mine.toml"
    mine.write_text(
        text("cx-rb4")
        .replace('id = "cx-rb4"', 'id = "cx-rb4-strict"')
        .replace("threshold_percent = 3", "threshold_percent = 1")
    )
    profile = load_profile(mine)
    assert profile.id == "cx-rb4-strict" and profile.cut_off_percent == 1 and profile.path == str(mine)
    with pytest.raises(ProfileError, match="no such bundled profile"):
        load_profile(tmp_path / "missing.toml")


def test_the_readme_table_of_open_parameters_matches_the_profiles():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Carbon-footprint accounting", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    named = {re.match(r"\| `([^`]+)`", line).group(1) for line in rows}
    every = {p for name in BUNDLED for p in bundled_profile(name).open_parameters}
    assert every <= named, f"README lacks {sorted(every - named)}"


def test_the_examples_regenerate_byte_for_byte(tmp_path):
    subprocess.run(
        [sys.executable, str(ROOT / "examples" / "cf" / "make_examples.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for made in sorted(tmp_path.rglob("*.json")):
        kept = ROOT / "examples" / "cf" / made.relative_to(tmp_path)
        assert made.read_bytes() == kept.read_bytes(), f"{kept} is not what make_examples.py writes"
