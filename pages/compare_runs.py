"""Workshop — Compare runs: a leader overlays the runs participants uploaded."""
import streamlit as st

from app.blocks import chart, page_intro
from vgcore import charts
from vgcore.workshop.uploads import (MAX_BYTES, overlay_frame, parse_run_file,
                                     same_name_notes, summarize_runs)

page_intro("Compare runs",
           "everyone's curves on one chart. Participants download **History (CSV)** under "
           "any lesson or exercise (or run `python -m vgcore run --json`) and send you the "
           "file; upload them all here. Files are read as data only and checked row by row.")
files = st.file_uploader("Run files (History CSV or --json output)", type=["csv", "json"],
                         accept_multiple_files=True, key="run_files",
                         max_upload_size=max(MAX_BYTES // 2**20, 1))
frames = []      # (file name, history): files that share a name are still separate runs
for upload in files or []:
    try:
        frames.append((upload.name, parse_run_file(upload.name, upload.getvalue())))
    except ValueError as err:
        st.error(f"Skipped {err}", icon=":material/error:")

if not frames:
    st.info("No valid run files yet.", icon=":material/upload_file:")
else:
    runs = overlay_frame(frames)
    for note in same_name_notes(frames):
        st.info(note, icon=":material/content_copy:")
    c1, c2 = st.columns(2)
    metric = c1.radio("Metric", ["loss", "accuracy"], horizontal=True, key="cmp_metric")
    split = c2.radio("Split", ["test", "train", "both"], horizontal=True, key="cmp_split")
    chart(charts.overlay_chart(runs, metric, None if split == "both" else split,
                               series="run", log_y=metric == "loss"))
    st.subheader("Final numbers per run")
    st.dataframe(summarize_runs(runs), hide_index=True, column_config={
        "final_test_accuracy": st.column_config.NumberColumn(format="percent"),
        "final_train_accuracy": st.column_config.NumberColumn(format="percent")})
