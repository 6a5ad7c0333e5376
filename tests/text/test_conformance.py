"""twitter-text's own conformance cases for tweet length (validate.yml).

The data lives outside the project (Apache 2.0, see its README): the folder named by
EDCAL_CONFORMANCE_DIR. Unset -> these tests are skipped, saying so; set but a file is
missing -> they fail.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import emoji
import pytest
import yaml

from edcal.text import measure, x

ENV = "EDCAL_CONFORMANCE_DIR"
VALIDATE = "twitter-text-validate.yml"
CONFIG = "twitter-text-config-v3.json"
# Sections written for the current rules (config v3): every case must pass.
CURRENT_SECTIONS = (
    "WeightedTweetsWithDiscountedEmojiCounterTest",
    "UnicodeDirectionalMarkerCounterTest",
)
# Written for config v2, which weighed every code point of an emoji sequence; v3's only
# change is that an emoji of two or more code points counts 2 in all (a single-code-point
# emoji weighs 2 under both). So its cases agree with v3 exactly when the text holds no
# emoji of two or more code points, as the `emoji` package finds them; we keep those.
OLDER_SECTION = "WeightedTweetsCounterTest"


def _conformance_file(name: str) -> Path:
    directory = os.environ.get(ENV)
    if not directory:
        pytest.skip(f"set {ENV} to the twitter-text conformance folder to run these tests")
    path = Path(directory) / name
    if not path.is_file():
        pytest.fail(f"{ENV}={directory} but {name} is not there")
    return path


def _has_multi_code_point_emoji(text: str) -> bool:
    return any(len(found["emoji"]) > 1 for found in emoji.emoji_list(text))


def _cases() -> list[Any]:
    """One param per case, or a single placeholder that skips or fails at run time."""
    directory = os.environ.get(ENV)
    path = Path(directory) / VALIDATE if directory else None
    if path is None or not path.is_file():
        return [pytest.param(None, id="conformance-data")]
    tests = yaml.safe_load(path.read_text(encoding="utf-8"))["tests"]
    params = []
    for section in (*CURRENT_SECTIONS, OLDER_SECTION):
        for case in tests[section]:
            if section == OLDER_SECTION and _has_multi_code_point_emoji(case["text"]):
                continue
            params.append(pytest.param(case, id=f"{section}: {case['description']}"))
    return params


@pytest.mark.parametrize("case", _cases())
def test_x_weighted_length_and_validity_match_twitter_text(case: dict[str, Any] | None) -> None:
    if case is None:
        _conformance_file(VALIDATE)  # skips or fails with the reason
        pytest.fail(f"{VALIDATE} appeared after collection; run again")
    text: str = case["text"]
    expected = case["expected"]
    assert x.weighted_length(text) == expected["weightedLength"]
    assert x.is_valid(text) is expected["valid"]
    result = measure("x", text)
    assert (result.length, result.valid) == (expected["weightedLength"], expected["valid"])


def test_older_section_keeps_all_but_its_multi_code_point_emoji_cases() -> None:
    """The selection rule drops only what v3 changed, not cases we happen to fail."""
    tests = yaml.safe_load(_conformance_file(VALIDATE).read_text(encoding="utf-8"))["tests"]
    dropped = [
        case["description"]
        for case in tests[OLDER_SECTION]
        if _has_multi_code_point_emoji(case["text"])
    ]
    assert dropped == [
        "Count a mix of single byte single word, and double word unicode characters",
        "Count unicode emoji chars outside the basic multilingual plane with skin tone modifiers",
    ]
    assert len(tests[OLDER_SECTION]) - len(dropped) == 18


def test_embedded_weights_match_twitter_text_config_v3() -> None:
    config = json.loads(_conformance_file(CONFIG).read_text(encoding="utf-8"))
    assert config["version"] == 3
    assert config["maxWeightedTweetLength"] == x.MAX_WEIGHTED_LENGTH
    assert config["scale"] == x.SCALE
    assert config["defaultWeight"] == x.DEFAULT_WEIGHT
    assert config["transformedURLLength"] == x.TRANSFORMED_URL_LENGTH
    assert config["emojiParsingEnabled"] is True
    assert [(r["start"], r["end"], r["weight"]) for r in config["ranges"]] == list(x.RANGES)
