"""Parameter overrides written in a file's ``agents:`` and ``model:`` sections.

Values are checked against the parameter dataclasses of :mod:`sim.params`: the name must
be a field, the value of the field's type and within the bounds in its metadata. The
checks take a :class:`~sim.layout.checks.Checker`, so a sweep-file validator can reuse
them with its own error class.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, get_type_hints

from sim.layout.checks import Checker, unknown_message
from sim.layout.reader import KeyPath
from sim.params import (
    AGENT_TYPES,
    ERRAND_SCOPES,
    VENUE_KINDS,
    AgentTypeParams,
    ModelParams,
    Params,
    param_fields,
)

_CHOICES: dict[str, tuple[tuple[str, ...], str]] = {
    "errand_scope": (ERRAND_SCOPES, "errand scope"),
    "errand_kinds": (VENUE_KINDS, "venue kind"),
}
"""Text-valued parameters: their allowed values and what to call one in messages."""


def param_value(cls: type, name: str, value: Any, ck: Checker, path: KeyPath) -> Any:
    """Check one override of parameter ``name`` of ``cls`` and return the value to use.

    Parameters
    ----------
    cls
        :class:`~sim.params.ModelParams` or :class:`~sim.params.AgentTypeParams`.
    name
        The parameter (field) name.
    value
        The raw value from the file.
    ck
        Reports problems at ``path``.
    path
        Key path of the value, e.g. ``("agents", "student", "coffee_rate")``.

    Returns
    -------
    Any
        A float, an int (for int fields), a str or a tuple of str.

    Raises
    ------
    CrosspathsInputError
        Unknown name, wrong type, or outside the parameter's bounds.
    """
    fields = param_fields(cls)
    if name not in fields:
        message = unknown_message("parameter", name, list(fields))
        if "did you mean" not in message:
            message += " (see the parameter table in docs/MODEL.md)"
        ck.fail(path, message)
    if name in _CHOICES:
        options, what = _CHOICES[name]
        if get_type_hints(cls)[name] is str:
            return ck.choice(value, path, options, what)
        return ck.choices(value, path, options, what)
    lo, hi = fields[name].metadata.get("lo"), fields[name].metadata.get("hi")
    if get_type_hints(cls)[name] is int:
        return ck.integer(
            value,
            path,
            lo=None if lo is None else int(lo),
            hi=None if hi is None else int(hi),
        )
    return ck.number(value, path, lo=lo, hi=hi)


def model_overrides(raw: Any, ck: Checker, path: KeyPath = ("model",)) -> dict[str, Any]:
    """Checked ``model:`` overrides (``None`` means none).

    Parameters
    ----------
    raw
        The section's raw value.
    ck
        Reports problems.
    path
        Key path of the section.

    Returns
    -------
    dict
        Parameter name → checked value, in file order.
    """
    section = ck.mapping(raw, path, "a mapping of parameter name → value", null_ok=True)
    return {
        name: param_value(ModelParams, name, value, ck, (*path, name))
        for name, value in section.items()
    }


def agent_overrides(
    raw: Any, ck: Checker, path: KeyPath = ("agents",)
) -> dict[str, dict[str, Any]]:
    """Checked ``agents:`` overrides (``None`` means none).

    Parameters
    ----------
    raw
        The section's raw value: agent type → parameter name → value.
    ck
        Reports problems.
    path
        Key path of the section.

    Returns
    -------
    dict
        Agent type → parameter name → checked value, in file order.
    """
    section = ck.mapping(raw, path, "a mapping of agent type → parameters", null_ok=True)
    out: dict[str, dict[str, Any]] = {}
    for agent_type, params in section.items():
        type_path = (*path, agent_type)
        ck.choice(agent_type, type_path, AGENT_TYPES, "agent type")
        fields = ck.mapping(params, type_path, "a mapping of parameter name → value", null_ok=True)
        out[agent_type] = {
            name: param_value(AgentTypeParams, name, value, ck, (*type_path, name))
            for name, value in fields.items()
        }
    return out


def apply_param_overrides(
    params: Params,
    model: Mapping[str, Any],
    agents: Mapping[str, Mapping[str, Any]],
) -> Params:
    """A copy of ``params`` with checked overrides applied (``params`` is unchanged).

    Parameters
    ----------
    params
        The parameters to start from, usually ``Params()``.
    model
        From :func:`model_overrides`.
    agents
        From :func:`agent_overrides`.

    Returns
    -------
    Params
        The overridden parameters.
    """
    per_type = dict(params.agents)
    for agent_type, values in agents.items():
        per_type[agent_type] = dataclasses.replace(per_type[agent_type], **values)
    return dataclasses.replace(
        params, model=dataclasses.replace(params.model, **model), agents=per_type
    )
