"""The page's one component: a thin wrapper around ``player.js`` (components v2).

`player(message)` mounts the player with the bytes of `viz.player.message`. The browser steps
every view itself; Python hears back only two events, each as a trigger value that starts one
rerun: ``click`` (``{"point": [x, y]}``: add a start there) and ``drag`` (``{"start": i,
"point": [...]}``: start i was dragged there).

plotly.js is not sent with the component: `ensure_plotly_js` copies the installed plotly
package's ``plotly.min.js`` into the app's ``static/`` folder (Streamlit's static serving,
enabled in ``.streamlit/config.toml``, refuses symlinks), from where the browser loads it once
and caches it.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import plotly
import streamlit as st

HERE = Path(__file__).resolve().parent
STATIC = HERE.parent / "static"
PLOTLY_FILE = f"plotly-{plotly.__version__}.min.js"
PLOTLY_URL = f"app/static/{PLOTLY_FILE}"     # relative to the page


def ensure_plotly_js(static: Path = STATIC) -> Path:
    """Copy plotly.min.js from the plotly package into `static` unless an identical copy is there."""
    source = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
    target = static / PLOTLY_FILE
    if target.is_file() and target.stat().st_size == source.stat().st_size:
        return target
    static.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=static, prefix=".plotly-", suffix=".tmp")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)      # atomic: concurrent sessions never see half a file
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


_component = st.components.v2.component(
    "descent_player",
    html="",
    css=(HERE / "player.css").read_text(encoding="utf-8"),
    js=(HERE / "player.js").read_text(encoding="utf-8"),
    isolate_styles=False,
)


def player(message: bytes, *, key: str = "player", on_click=None, on_drag=None):
    """Mount the player with `message`; returns Streamlit's component result (``.click``,
    ``.drag``: the trigger values of this rerun, else None)."""
    ensure_plotly_js()
    return _component(data=message, key=key, on_click_change=on_click or _noop,
                      on_drag_change=on_drag or _noop)


def _noop() -> None:
    pass
