"""Experiment controls bound to the URL, built from the config's field declarations.

A widget's label, help, range and choices come from the field declarations of the
config's experiment kind (`vgcore.kinds`); this module only says how each field is drawn
(`LOOKS`, by kind; a kind without an entry gets every field drawn from its declaration,
`default_look`). A look may narrow a field's range or choices for the app, never widen
them, and every narrowing says why; a test walks every field and checks that validation,
CLI and widget agree. Widgets are bound to the URL (bind="query-params") so a copied link
restores the experiment.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any, Callable, Mapping, Sequence

import streamlit as st

from vgcore.config import FieldSpec, declared_fields
from vgcore.data import DATASETS
from vgcore.i18n import LANGUAGES, N_, language, speaking, tr
from vgcore.kinds import KINDS, kind_of
from vgcore.workshop.experiments import PAGE_EXPERIMENTS

from . import links


@dataclass(frozen=True)
class Look:
    """How one control is drawn: kind, step, and (optionally) a narrower range or choice
    list than the field allows, with the reason. `part` names a control that shows part
    of a field ("depth" and "width" both edit `hidden`)."""
    kind: str                           # select | multi | slider | number | toggle (bool)
    step: float | None = None
    lo: float | None = None             # narrowed lower end (None: the field's)
    hi: float | None = None             # narrowed upper end (None: the field's)
    options: tuple[str, ...] | None = None   # narrowed choices (None: all of the field's)
    why: str = ""                       # required whenever lo, hi or options narrow
    edits: str = ""                     # the config field edited ("": the control's name)
    part: str = ""                      # for `hidden`: "depth" (how many) or "width" (units)
    label: str = ""                     # a part's own label ("": the field's)


LOOKS: dict[str, dict[str, Look]] = {}   # every kind's looks, by kind name
LOOKS["mlp"] = {
    "dataset": Look("select", options=tuple(n for n, d in DATASETS.items() if d.in_app),
                    why="IDX files must already be on the server: CLI and notebooks only"),
    "activations": Look("multi"),
    "depth": Look("slider", 1, edits="hidden", part="depth"),
    "width": Look("slider", 1, edits="hidden", part="width", label=N_("Units per hidden layer")),
    "init": Look("select"),
    "bias_init": Look("select"),
    "head": Look("select"),
    "optimizer": Look("select"),
    "lr": Look("number", 0.01, lo=1e-4,
               why="a number box needs a closed lower end; below 10⁻⁴ nothing moves within "
                   "a lesson's epochs"),
    "batch_size": Look("number", 1, hi=1024,
                       why="beyond 1,024 a mini-batch is (nearly) the whole training set "
                           "of a lesson"),
    "epochs": Look("slider", 1, hi=60,
                   why="a shared server caps one run's time; 60 epochs of a lesson fit it"),
    "train_size": Look("number", 50, lo=10,
                       why="under 10 samples not every digit class is in the training set"),
    "test_size": Look("number", 50, lo=10,
                      why="under 10 samples the test accuracy is too coarse to read"),
    "noise": Look("slider", 0.05, hi=0.5,
                  why="beyond 0.5 the 2-D classes overlap so much there is nothing to learn"),
    "weight_decay": Look("number", 0.0005, hi=0.1,
                         why="beyond 0.1 every weight shrinks to ~0 within an epoch"),
    "dropout": Look("slider", 0.05, hi=0.8,
                    why="beyond 0.8 the small nets of the lessons stop learning"),
    "grad_clip": Look("number", 0.5, hi=100.0,
                      why="these nets' gradient norms stay far below 100 unless they have "
                          "already exploded"),
    "norm": Look("select"),
    "residual": Look("toggle"),
    "pretrain_epochs": Look("slider", 1),
    "seed": Look("number", 1),
    "n_seeds": Look("slider", 1),
}
# The fields each kind never shows, with the reason (the agreement tests check every
# field is either drawn or listed).
NOT_SHOWN: dict[str, dict[str, str]] = {}
NOT_SHOWN["mlp"] = {
    "data_dir": "IDX files must already be on the server: CLI and notebooks only",
    "momentum": "0.9 is the textbook value; the optimizer choice is the lesson",
    "hist_bins": "30 bins read well at every chart size",
}


@dataclass(frozen=True)
class Widget:
    """One control, resolved from its field's declaration and its look."""
    field: str                        # URL parameter and session-state key
    kind: str                         # select | multi | slider | number | range (two ends)
    #                                   | toggle (a bool field: st.toggle)
    label: str
    options: tuple = ()
    lo: float = 0
    hi: float = 0
    step: float | None = None
    help: str = ""
    fmt: dict | None = None           # option -> label
    why: str = ""                     # why the control's range is what it is (its help's
    #                                   second half)
    field_lo: float = 0               # what the config allows: a page may narrow the
    field_hi: float = 0               # widget's range further, or widen it up to these


def _widget_of(name: str, look: Look, fields: Mapping[str, FieldSpec]) -> Widget:
    fs = fields[look.edits or name]
    if look.kind in ("select", "multi"):
        options = look.options or tuple(fs.choices)
        return Widget(name, look.kind, look.label or fs.label, options, help=fs.help,
                      fmt=dict(fs.choices), why=fs.why)
    if look.kind == "toggle":
        return Widget(name, look.kind, look.label or fs.label, help=fs.help, why=fs.why)
    if look.part == "depth":        # how many hidden layers
        lo, hi = fs.min_len, fs.max_len
    else:                           # a number, or the width of every hidden layer
        lo, hi = fs.lo, fs.hi
    return Widget(name, look.kind, look.label or fs.label,
                  lo=lo if look.lo is None else look.lo, hi=hi if look.hi is None else look.hi,
                  step=look.step, help=fs.help, why=fs.why, field_lo=lo, field_hi=hi)


# How the recurrent kind draws its fields (the same rules: a narrower range says why).
# Fields that share the MLP's declaration share its look.
LOOKS["recurrent"] = {
    "task": Look("select"),
    "seq_len": Look("slider", 1),
    "cells": Look("multi"),
    "hidden": Look("slider", 1, hi=256,
                   why="beyond 256 units three cells no longer train within a lesson's "
                       "seconds"),
    "forget_bias": Look("slider", 0.5),
    "train_size": Look("number", 100),
    "test_size": Look("number", 100),
    **{name: LOOKS["mlp"][name] for name in ("optimizer", "lr", "batch_size", "epochs",
                                             "grad_clip", "seed", "n_seeds")},
}
NOT_SHOWN["recurrent"] = {"momentum": NOT_SHOWN["mlp"]["momentum"]}
_DEFAULT_LOOK = {"choice": Look("select"), "choices": Look("multi"), "bool": Look("toggle"),
                 "int": Look("number", 1), "float": Look("number")}


def default_look(fs: FieldSpec) -> Look | None:
    """How a field of a kind without looks is drawn, from its declaration alone (None:
    not drawn: layer lists and free text)."""
    return _DEFAULT_LOOK.get(fs.kind)


def looks_of(kind_name: str) -> dict[str, Look]:
    """The looks of a kind's controls: its own, else every drawable field's default."""
    if kind_name in LOOKS:
        return LOOKS[kind_name]
    fields = declared_fields(KINDS[kind_name].config)
    return {name: look for name, fs in fields.items()
            if (look := default_look(fs)) is not None}


@cache
def widgets_of(kind_name: str) -> dict[str, Widget]:
    """Every control of a kind, by name."""
    fields = declared_fields(KINDS[kind_name].config)
    return {name: _widget_of(name, look, fields)
            for name, look in looks_of(kind_name).items()}


def widgets_for(config: Any) -> dict[str, Widget]:
    """The controls that draw this config's kind's fields."""
    return widgets_of(kind_of(config).name)


def start_value(config: Any, name: str) -> Any:
    """Control `name`'s value for `config` ('depth' and 'width' show part of `hidden`)."""
    look = looks_of(kind_of(config).name).get(name)
    if look is not None and look.part == "depth":
        return len(getattr(config, look.edits))
    if look is not None and look.part == "width":
        return getattr(config, look.edits)[0]
    return getattr(config, name)


def label_of(w: Widget, option: Any) -> str:
    """What the widget shows for `option` in the reader's language, which is also what
    its URL parameter holds."""
    return tr(w.fmt.get(option, str(option))) if w.fmt else str(option)


def _labels(w: Widget, option: Any) -> set[str]:
    """Every label `option` has: in each language (a link may come from a reader of
    another) and its own name."""
    names = {str(option)}
    for lang in LANGUAGES:
        with speaking(lang):
            names.add(label_of(w, option))
    return names


def option_of(w: Widget, text: str) -> Any | None:
    """The option a link's text names, or None: the label the control shows in any
    language (what the app writes, `He / Kaiming`) or the option's own name (what the
    config, the README and the guide write, `he`), exactly, else in any case when that
    names one option only. The one reading of a select's link text: judging
    (`link_problems`) and reading (`_from_link`) both ask here."""
    labels = {o: _labels(w, o) for o in w.options}
    for same in (lambda a, b: a == b, lambda a, b: a.casefold() == b.casefold()):
        named = {o for o in w.options if any(same(label, text) for label in labels[o])}
        if len(named) == 1:
            return named.pop()
        if named:           # two options answer to it: the link does not say which
            return None
    return None


def link_problems(params: dict[str, list[str]], page_limits: dict[str, tuple] | None = None,
                  widgets: dict[str, Widget] | None = None) -> list[str]:
    """One sentence per parameter the widgets would reject. Pure, so it can be tested
    with any hostile text. `widgets` defaults to the MLP kind's controls."""
    problems = []
    limits = page_limits or {}
    widgets = widgets_of("mlp") if widgets is None else widgets
    for name, raw in params.items():
        w = widgets[name]
        if not raw:
            continue
        shown = links.shown(name, ", ".join(raw))       # `name=value`, inert Markdown
        if w.kind in ("select", "multi"):
            # the app writes the shown label (?init=He+%2F+Kaiming), people write the
            # config's name (?init=he): both name an option (`option_of`)
            allowed = ", ".join(label_of(w, o) for o in w.options)
            if all(v == "" for v in raw):
                empty = links.shown(name, '')
                problems.append(
                    tr("{param} is empty; allowed: one or more of {allowed}", param=empty,
                       allowed=allowed) if w.kind == "multi" else
                    tr("{param} is empty; allowed: one of {allowed}", param=empty,
                       allowed=allowed))
                continue
            bad = [v for v in raw if option_of(w, v) is None]
            if bad or (w.kind == "select" and len(raw) > 1):
                problems.append(tr("{param} is not one of: {allowed}", param=shown,
                                   allowed=allowed))
            continue
        if w.kind == "toggle":
            # what Streamlit's binding writes and reads back: true / false, in any case
            if len(raw) != 1 or raw[0].lower() not in ("true", "false"):
                problems.append(tr("{param} is not one of: {allowed}", param=shown,
                                   allowed="true, false"))
            continue
        lo, hi = limits.get(name, (w.lo, w.hi))
        wanted = 2 if w.kind == "range" else 1
        try:
            values = [float(v) for v in raw]
            ok = (len(values) == wanted and all(math.isfinite(v) and lo <= v <= hi
                                                for v in values)
                  and values == sorted(values))
        except (ValueError, OverflowError):
            ok = False
        if ok:
            continue
        if w.kind == "range":
            problems.append(tr("{param} is not two numbers, low then high, in "
                               "[{lo:g}, {hi:g}]", param=shown, lo=lo, hi=hi))
        else:
            problems.append(tr("{param} is outside the allowed range [{lo:g}, {hi:g}]",
                               param=shown, lo=lo, hi=hi))
    return problems


def bound(w: Widget, default: Any, container=None, limits: dict[str, tuple] | None = None,
          **extra: Any) -> Any:
    """Make the control `w` bound to its URL parameter, after judging the link's value
    for it (a bad value is announced by `links.finish`, and the default is used)."""
    container = container or st
    limits = limits or {}
    key = w.field
    reset, value = links.pending_reset(key)
    if reset:
        st.session_state[key] = value
    fresh = key not in st.session_state    # first made: Streamlit seeds it from the URL
    raw = st.query_params.get_all(key)
    problems = link_problems({key: raw}, limits, {key: w}) if fresh and raw else []
    start = list(default) if w.kind == "multi" else default
    links.claim(key, problems[0] if problems else None, start,
                empty_from_link=bool(problems) and w.kind == "multi"
                and all(v == "" for v in raw))
    # A non-default value (held, or the link's on the first run) is set by the app in every
    # run: only then does the browser show it, not the default (bench/README.md, Seed box).
    if not fresh:
        value = st.session_state[key]
    elif raw and not problems:
        value = _from_link(w, raw, default)
        if w.kind in ("select", "multi"):
            labels = [label_of(w, o) for o in (value if w.kind == "multi" else [value])]
            if labels != raw:       # `he`, `relu`, `he / kaiming`: what people write
                links.write_as_the_app(key, labels)
    else:
        value = start
    if value != start:
        st.session_state[key] = value
    return _widget(w, default, container, limits, **extra)


def _from_link(w: Widget, raw: list[str], default: Any) -> Any:
    """The control's value for a link's parameter that `link_problems` accepted."""
    if w.kind in ("select", "multi"):
        options = [option_of(w, v) for v in raw]   # `relu` and `ReLU` are one option
        return list(dict.fromkeys(options)) if w.kind == "multi" else options[0]
    if w.kind == "toggle":
        return raw[0].lower() == "true"
    sample = default[0] if w.kind == "range" else default
    kind = int if isinstance(sample, int) and not isinstance(sample, bool) else float
    values = [kind(float(v)) if kind is int else float(v) for v in raw]
    return tuple(values) if w.kind == "range" else values[0]


def help_of(w: Widget) -> str | None:
    """The control's help in the reader's language: what it sets, and why its range is
    what it is."""
    if not w.help:
        return None
    text = tr(w.help)
    if not w.why:
        return text
    return tr("{what}: {why}.", what=text[:1].upper() + text[1:], why=tr(w.why))


# Session-state key of the controls whose shown values are words (a select's labels):
# when the reader's language changes, `keep_across_languages` sets them to what they held.
WORDED = "_worded_controls"


def keep_across_languages() -> None:
    """Keep every worded control's value when the reader switches language. Streamlit
    knows a select's value by its label, which the switch changes: each is given its
    option again before the page makes it anew (call before the controls are made)."""
    for key in st.session_state.get(WORDED, ()):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def in_this_language(format_func: Callable[[Any], str]) -> Callable[[Any], str]:
    """A control's format_func that words its options in this script run's language
    whoever calls it (Streamlit, and AppTest, may call it outside the run)."""
    lang = language()

    def shown(option: Any) -> str:
        with speaking(lang):
            return format_func(option)
    return shown


def _widget(w: Widget, default: Any, container, limits: dict[str, tuple], **extra: Any
            ) -> Any:
    """`extra`: further keyword arguments for the Streamlit widget (on_change, ...)."""
    key = w.field
    common = dict(key=key, help=help_of(w), bind="query-params", **extra)
    label = tr(w.label)
    fmt = in_this_language(lambda v: label_of(w, v))
    if w.kind in ("select", "multi") and w.fmt:
        st.session_state.setdefault(WORDED, set()).add(key)
    if w.kind == "select":
        return container.selectbox(label, w.options, index=w.options.index(default),
                                   format_func=fmt, **common)
    if w.kind == "multi":
        return container.multiselect(label, w.options, default=list(default),
                                     format_func=fmt, **common)
    if w.kind == "toggle":
        return container.toggle(label, value=bool(default), **common)
    lo, hi = limits.get(key, (w.lo, w.hi))
    sample = default[0] if w.kind == "range" else default
    if isinstance(sample, int) and not isinstance(sample, bool):
        lo, hi, step = int(lo), int(hi), int(w.step or 1)
        default = tuple(map(int, default)) if w.kind == "range" else int(default)
    else:
        lo, hi, step = float(lo), float(hi), float(w.step or 0.01)
        default = tuple(map(float, default)) if w.kind == "range" else float(default)
    if w.kind in ("slider", "range"):
        return container.slider(label, lo, hi, default, step, **common)
    return container.number_input(label, lo, hi, default, step,
                                  format=None if isinstance(default, int) else "%g", **common)


def controls(defaults: Any, show: Sequence[str],
             limits: dict[str, tuple] | None = None, container=None) -> Any:
    """Render the experiment controls named in `show` (config fields, plus 'depth' and
    'width' for the hidden layers) and return the validated config, or None after an
    st.error. Fields not shown keep the page's defaults. `limits` sets a control's range
    on this page, within what the config allows. Every kind's config gets its kind's
    controls (`widgets_for`)."""
    limits = limits or {}
    widgets = widgets_for(defaults)
    for name, (lo, hi) in limits.items():
        w = widgets[name]
        if lo < w.field_lo or hi > w.field_hi:
            raise ValueError(f"limits: {name} [{lo}, {hi}] is wider than the config "
                             f"allows [{w.field_lo}, {w.field_hi}]")
    container = container or st.sidebar
    container.header(tr("Experiment"))
    values = {name: bound(widgets[name], start_value(defaults, name), container, limits)
              for name in show}
    looks = looks_of(kind_of(defaults).name)
    changes: dict[str, Any] = {}
    shapes: dict[str, dict[str, int]] = {}      # a layers field's depth and width parts
    for name, value in values.items():
        look = looks[name]
        if look.part:
            shapes.setdefault(look.edits, {})[look.part] = int(value)
        else:       # a multiselect gives a list; the config keeps tuples
            changes[name] = tuple(value) if isinstance(value, list) else value
    for name, shape in shapes.items():
        layers = getattr(defaults, name)
        changes[name] = (shape.get("width", layers[0]),) * shape.get("depth", len(layers))
    try:
        return defaults.replace(**changes)
    except ValueError as err:
        if links.resetting():
            return None         # an empty control from the link: the rerun restores it
        st.error(tr("Can't run this experiment: {reason}", reason=err))
        return None


def page_controls(page: str, container=None) -> Any:
    """`controls` for a lesson page's experiment (vgcore.workshop.experiments)."""
    experiment = PAGE_EXPERIMENTS[page]
    return controls(experiment.config, experiment.controls, dict(experiment.limits), container)


__all__ = ["page_controls", "Look", "LOOKS", "NOT_SHOWN", "Widget", "controls", "bound",
           "link_problems", "label_of", "option_of", "help_of", "keep_across_languages",
           "default_look", "looks_of", "widgets_of",
           "widgets_for", "start_value"]
