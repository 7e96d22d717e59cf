"""The workshop curriculum above the engine: each page's default experiments, presets that
reproduce published figures, checked exercises, and uploaded run files.

Plain Python (no streamlit): it uses the engine (`vgcore.config`, `vgcore.results`,
`vgcore.train`) and the charts; the engine never imports it.
"""
