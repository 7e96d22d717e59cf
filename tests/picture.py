"""Reading the network picture's spec back as rows, as Vega draws them (shared by
tests/test_charts.py and tests/test_app.py).

The picture sends each mark its own narrow data and makes the rest in Vega (see
`vgcore.charts.network`): this turns it back into one row per drawn thing."""
from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import pandas as pd

_LOOKUP = re.compile(r"(\[.*\])\[datum\.(\w+)\]")


def picture_rows(spec: dict[str, Any]) -> pd.DataFrame:
    """Per panel, each layer's own data (units, edges, input nodes, notes; structure
    edges generated in Vega), edges unpacked from their text (one per number whose
    `edge_by` is finite), and what the layer calculates that a test can read without
    Vega: constants (the activation, the epoch shown) and table lookups (a layer's name,
    how many of its units are drawn). `kind`: "unit", "weighted", "edge", "input" or
    "note". `attrs["fields"]`: per kind, every field its marks have (data or calculated:
    what a tooltip can show)."""
    frames, fields = [], {}
    for panel in spec["concat"]:
        own = []
        for layer in panel["layer"]:
            calcs = {t["as"]: t["calculate"] for t in layer.get("transform", [])
                     if "calculate" in t}
            data, mark = layer["data"], layer["mark"]["type"]
            if "sequence" in data:
                rows = pd.DataFrame({"i": range(data["sequence"]["start"],
                                                data["sequence"]["stop"])}).assign(kind="edge")
            else:
                rows = pd.DataFrame(spec["datasets"][data["name"]])
                if mark == "rule":
                    by = re.search(r"length\(datum\.(\w+)\)", calcs["k"]).group(1)
                    values = [c for c in ("weight", "weight_grad") if c in rows]
                    rows = rows.assign(**{c: rows[c].str.split(" ") for c in values}) \
                        .explode(values).reset_index(drop=True)
                    rows = rows.assign(**{c: pd.to_numeric(rows[c]) for c in values})
                    rows = rows[np.isfinite(rows[by])].assign(kind="weighted")
                else:
                    kind = "note" if mark == "text" else "input" if "what" in rows else "unit"
                    rows = rows.assign(kind=kind)
            for name, expr in calcs.items():
                lookup = _LOOKUP.fullmatch(expr)
                if lookup and lookup.group(2) in rows:
                    table = json.loads(lookup.group(1))
                    rows[name] = [table[int(v)] for v in rows[lookup.group(2)]]
                elif name not in rows:
                    try:
                        rows[name] = json.loads(expr)
                    except ValueError:
                        pass                       # an expression of other fields
            kind = rows["kind"].iloc[0] if len(rows) else None
            fields.setdefault(kind, set()).update(rows.columns, calcs)
            own.append(rows)
        # a panel's activation, also on the layers that do not name it (input nodes)
        named = [f["activation"].iloc[0] for f in own if "activation" in f and len(f)]
        frames += [f if "activation" in f else f.assign(activation=named[0]) for f in own]
    out = pd.concat(frames, ignore_index=True)
    out.attrs["fields"] = fields
    return out
