"""The documentation keeps up with the code: every parameter is in the model document."""

from __future__ import annotations

from pathlib import Path

from sim.params import AgentTypeParams, ModelParams, param_fields

MODEL_MD = Path(__file__).resolve().parents[1] / "docs" / "MODEL.md"


def test_every_parameter_is_documented_with_a_source() -> None:
    text = MODEL_MD.read_text(encoding="utf-8")
    for name, f in param_fields(ModelParams).items():
        assert f"`model.{name}`" in text, name
        assert f.metadata["source"], name
    for name, f in param_fields(AgentTypeParams).items():
        assert f"`{name}`" in text, name
        assert f.metadata["source"], name
