"""Issue 13, item 5: the deep section reads right for the image families. Keys a family adds to its
diagnostics (the CNN's architecture and augmentation, the transfer model's backbone, input size and two
training phases, what its overfit check memorised) show in the HTML report without a template change per
key, and so does the initialisation chosen for each layer (He for layers that feed a ReLU)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from workers.report.html import render_html

STORED = Path(__file__).resolve().parent / "fixtures" / "report_stored.json"
BACKBONE = "EfficientNet-Lite0 (efficientnet-lite-pytorch 0.1.0; ImageNet weights; Apache-2.0)"


def transfer_report() -> dict[str, Any]:
    """The stored report with its deep model's diagnostics as a transfer model writes them."""
    report = json.loads(STORED.read_text())
    deep = next(m for m in report["models"] if m["name"] == report["comparison"]["deep"])
    epochs = deep["diagnostics"]["epochs"]
    deep["diagnostics"]["overfit_check"]["on"] = "the linear head over the frozen ImageNet features"
    deep["diagnostics"].update(
        {
            "backbone": BACKBONE,
            "input_size": 64,
            "augment": "random shifts (training batches only)",
            "time_budget_s": 120,
            "kept_phase": "fine_tune",
            "phases": {
                "frozen": {
                    "phase": "frozen",
                    "what": "ImageNet features frozen (computed once), linear head trained",
                    "lr": 0.003,
                    "epochs": epochs[:2],
                    "best_epoch": 2,
                    "val_loss": 0.41,
                    "stop_reason": "ran all epochs",
                },
                "fine_tune": {
                    "phase": "fine_tune",
                    "what": "the whole network trained end to end",
                    "lr": 0.0001,
                    "epochs": epochs[2:],
                    "best_epoch": 1,
                    "val_loss": 0.23,
                    "stop_reason": "early stopping",
                },
            },
            "per_stage_seconds": {"features": 1.5},  # nested: left to the JSON
        }
    )
    return report


def _deep_section(html: str) -> str:
    start = html.index('<section id="deep"')
    return html[start : html.index("</section>", start)]


def test_keys_a_family_adds_show_as_facts_and_phases_as_a_table() -> None:
    report = transfer_report()
    section = _deep_section(render_html(report))
    facts = dict(re.findall(r'<div class="wide"><dt>([^<]+)</dt><dd>([^<]*)</dd></div>', section))
    assert facts["Backbone"] == BACKBONE
    assert facts["Input size"] == "64"
    assert facts["Augment"] == "random shifts (training batches only)"
    assert facts["Time budget"] == "120.0 s"
    assert facts["Overfit check on"] == "the linear head over the frozen ImageNet features"
    assert "Per stage seconds" not in facts and "Phases" not in facts and "Kept phase" not in facts
    phases = section[section.index('<table class="data deep-phases">') :]
    rows = [
        (kept, name.strip())
        for kept, name in re.findall(r"<tr( class=\"row-best\")?>\s*<th scope=\"row\">([^<]+)", phases)
    ]
    assert rows == [("", "Frozen"), (' class="row-best"', "Fine tune")]
    assert "ImageNet features frozen (computed once), linear head trained" in phases
    assert "early stopping" in phases


def test_each_layers_initialisation_is_listed() -> None:
    report = transfer_report()
    deep = next(m for m in report["models"] if m["name"] == report["comparison"]["deep"])
    layers = deep["diagnostics"]["initialisation_by_layer"]
    assert layers
    section = _deep_section(render_html(report))
    table = section[section.index('<details class="init-layers">') :]
    assert re.findall(r'<th scope="row"><code>([^<]+)</code></th><td>([^<]+)</td>', table) == list(
        layers.items()
    )


ARCHITECTURE = (
    "conv3×3 stem → BatchNorm → ReLU; 3 stages of 1 residual block(s) (widths 16, 32, 64; skip connections)"
)


def with_cnn(report: dict[str, Any]) -> dict[str, Any]:
    """`report` with a second deep model, a CNN, trained but not compared (the deep section lists both)."""
    compared = next(m for m in report["models"] if m["name"] == report["comparison"]["deep"])
    cnn = json.loads(json.dumps(compared))
    cnn["name"] = "CNN (from scratch)"
    cnn["family"] = "cnn"
    cnn["diagnostics"] = {
        **{k: v for k, v in compared["diagnostics"].items() if k not in ("phases", "kept_phase", "backbone")},
        "initialisation": "He (Kaiming) normal for every convolution, Glorot (Xavier) uniform for the head",
        "architecture": ARCHITECTURE,
    }
    report["models"].append(cnn)
    report["deep"] = {
        "chosen": compared["name"],
        "candidates": [{"name": compared["name"], "chosen": True}, {"name": cnn["name"], "chosen": False}],
    }
    return report


def test_the_deep_model_not_compared_keeps_its_diagnostics_folded_below() -> None:
    report = with_cnn(transfer_report())
    cnn = report["models"][-1]
    html = render_html(report)
    section = _deep_section(html)
    assert re.findall(r'<details class="deep-other" data-model="([^"]+)">', section) == [cnn["name"]]
    other = section[section.index('<details class="deep-other"') :]
    assert "He (Kaiming) normal for every convolution" in other
    assert f"<dt>Architecture</dt><dd>{ARCHITECTURE}</dd>" in other
    # Element ids stay unique with two deep models on the page.
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_a_report_with_one_deep_model_lists_no_other() -> None:
    assert 'class="deep-other"' not in render_html(json.loads(STORED.read_text()))
